"""Finding source files, writing them atomically, placing the runtime module."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from telemetry_inject.config import Settings
from telemetry_inject.engine.cache import CACHE_DIR
from telemetry_inject.errors import UserError
from telemetry_inject.languages import RUNTIME_MARKER, language_for

_PRUNED = frozenset({".git", ".hg", ".svn", "node_modules", "vendor", "testdata", CACHE_DIR, "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"})


def discover(paths: Iterable[Path], settings: Settings) -> list[Path]:
    """Source files under ``paths``: explicit files as given, directories walked without ignored ones."""
    explicit: list[Path] = []
    walked: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UserError(f"{path}: no such file or directory")
        if path.is_dir():
            walked.extend(_walk(path))
        elif language_for(path) is not None:
            explicit.append(path)
    walked = _drop_git_ignored(walked)
    seen: dict[Path, None] = {}
    for path in (*explicit, *walked):
        if not is_excluded(path, settings) and not language_for(path).is_runtime(path):
            seen.setdefault(path, None)
    return sorted(seen)


def is_excluded(path: Path, settings: Settings) -> bool:
    if not settings.exclude:
        return False
    import fnmatch

    try:
        relative = path.resolve().relative_to(settings.root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(fnmatch.fnmatchcase(relative, pattern) for pattern in settings.exclude)


def _walk(top: Path) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _PRUNED and not (Path(directory, d, "pyvenv.cfg")).exists())
        for name in filenames:
            path = Path(directory, name)
            if language_for(path) is not None:
                yield path


def _drop_git_ignored(paths: list[Path]) -> list[Path]:
    if not paths:
        return paths
    absolute = [p.resolve() for p in paths]
    try:
        proc = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input=b"\0".join(os.fsencode(p) for p in absolute) + b"\0",
            capture_output=True,
            cwd=absolute[0].parent,
            check=False,
        )
    except OSError:  # no git: nothing is ignored
        return paths
    if proc.returncode not in (0, 1):  # 128: not a git repository
        return paths
    ignored = {os.fsdecode(p) for p in proc.stdout.split(b"\0") if p}
    return [p for p, a in zip(paths, absolute) if str(a) not in ignored]


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file beside ``path`` + rename: readers and Ctrl-C see the old file or the new one."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def runtime_files(paths: Iterable[Path], settings: Settings) -> list[Path]:
    """Runtime modules this tool wrote under ``paths`` (recognised by their header)."""
    from telemetry_inject.languages import LANGUAGES

    names = {language.runtime_filename for language in LANGUAGES.values()}
    candidates = [p for p in paths if p.is_file() and p.name in names]
    for path in paths:
        if path.is_dir():
            for directory, dirnames, filenames in os.walk(path):
                dirnames[:] = [d for d in dirnames if d not in _PRUNED]
                candidates += [Path(directory, n) for n in filenames if n in names]
    if settings.python_runtime_path:
        configured = settings.root / settings.python_runtime_path
        if configured.is_file():
            candidates.append(configured)
    found = {p for p in candidates if RUNTIME_MARKER in p.read_bytes()[:500]}
    for main in list(found):  # and the files that ship with it (JS: the ES module face and the declarations)
        found.update(p for p, _ in language_for(main).runtime_payload(main) if p.is_file())
    return sorted(found)
