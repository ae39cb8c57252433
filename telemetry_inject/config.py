"""``[tool.telemetry-inject]`` in pyproject.toml, or ``.telemetry-inject.toml``.

Unknown keys and values of the wrong type are errors naming the file and key.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from telemetry_inject.errors import UserError
from telemetry_inject.launch import switched_off

if TYPE_CHECKING:
    from collections.abc import Mapping

LEVELS = ("spans",)  # "full" (loop counts, caught exceptions) comes later


class Settings(NamedTuple):
    root: Path  # where the config lives (or the git root / cwd without one)
    exclude: tuple[str, ...] = ()
    level: str = "spans"
    python_runtime_module: str | None = None  # e.g. "myapp.obs._telemetry_utils"; None = per import root
    python_runtime_path: str | None = None  # file for the module above, relative to root
    max_file_bytes: int = 2_000_000
    scope: str = "diff"  # the hook: "diff" (only touched functions) or "all"
    strict: bool = False  # the hook: an unparsable staged file blocks the commit
    lessons_dir: str | None = None  # the project's own prompt lessons (<dir>/<language>/*.md), relative to root
    go_runtime_dir: str = "internal/telemetry"  # the Go runtime package, relative to each go.mod
    hook_server: bool | None = None  # the hook: a resident process per repository answers later calls (hook/server.py); None: see hook_server_wanted


_TYPES = {"exclude": list, "level": str, "python_runtime_module": str, "python_runtime_path": str, "max_file_bytes": int, "scope": str, "strict": bool, "lessons_dir": str, "go_runtime_dir": str, "hook_server": bool}
_CHOICES = {"level": LEVELS, "scope": ("diff", "all")}


CI_VARIABLES = ("CI", "TF_BUILD", "JENKINS_URL", "BUILDKITE", "TEAMCITY_VERSION")  # set by CI services (GitHub, GitLab, Azure, ...)


def hook_server_wanted(settings: Settings, environ: Mapping[str, str]) -> bool:
    """Whether the hook keeps a server: not when switched off for this call; else as configured; unset, on a developer's
    machine and off in CI (a job runs its hook once, so a resident process would only outlive it)."""
    if switched_off(environ):
        return False
    if settings.hook_server is not None:
        return settings.hook_server
    return not any(environ.get(name, "").strip().lower() not in ("", "0", "false") for name in CI_VARIABLES)


def find_root(start: Path) -> Path:
    """The nearest directory holding a config file or `.git`, else ``start``."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".telemetry-inject.toml").is_file() or (directory / ".git").exists():
            return directory
        if (directory / "pyproject.toml").is_file() and _pyproject_table(directory / "pyproject.toml") is not None:
            return directory
    return start


def load_settings(root: Path) -> Settings:
    dedicated = root / ".telemetry-inject.toml"
    if dedicated.is_file():
        return _from_table(root, _read_toml(dedicated), dedicated)
    pyproject = root / "pyproject.toml"
    table = _pyproject_table(pyproject) if pyproject.is_file() else None
    return _from_table(root, table or {}, pyproject)


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: invalid TOML: {exc}") from None


def _pyproject_table(path: Path) -> dict | None:
    data = path.read_bytes()
    if b"telemetry-inject" not in data and b"\\u" not in data and b"\\U" not in data:
        return None  # no table of ours (a key can only hide its name in an escape): spare the hook tomllib
    return _read_toml(path).get("tool", {}).get("telemetry-inject")


def _from_table(root: Path, table: dict, path: Path) -> Settings:
    values: dict = {}
    known = {name.replace("_", "-"): name for name in Settings._fields if name != "root"}
    for key, value in table.items():
        name = known.get(key) or (key if key in known.values() else None)
        if name is None:
            raise UserError(f"{path}: unknown key `{key}` in telemetry-inject config (known: {', '.join(sorted(known))})")
        expected = _TYPES[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise UserError(f"{path}: `{key}` must be a {expected.__name__}, got {value!r}")
        if name in _CHOICES and value not in _CHOICES[name]:
            raise UserError(f"{path}: `{key}` must be one of {', '.join(_CHOICES[name])}, got {value!r}")
        if name == "exclude":
            if not all(isinstance(v, str) for v in value):
                raise UserError(f"{path}: `exclude` must be a list of glob strings")
            value = tuple(value)
        values[name] = value
    if ("python_runtime_module" in values) != ("python_runtime_path" in values):
        raise UserError(f"{path}: set `python-runtime-module` and `python-runtime-path` together")
    return Settings(root=root, **values)
