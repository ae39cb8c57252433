"""Instrument a set of files into a scratch directory and describe the result as file changes.

The bot computes every mode's answer the same way, without touching the
checkout; only the modes that commit copy the new bytes back.
"""
from __future__ import annotations

import difflib
import tempfile
from functools import partial
from pathlib import Path
from typing import NamedTuple

from telemetry_inject.config import Settings
from telemetry_inject.engine import run
from telemetry_inject.engine.diff import DiffScope
from telemetry_inject.engine.files import write_atomic
from telemetry_inject.results import Changed, Failed, Skipped


class FileChange(NamedTuple):
    path: str  # relative to the repository root, POSIX
    before: bytes | None  # None: a new file (the runtime module)
    after: bytes


class Computed(NamedTuple):
    results: list  # FileResult per file, as the CLI reports them
    changes: list[FileChange]
    problems: list[str]  # "file: reason" for skipped or failed files


def instrument(paths: list[Path], settings: Settings, scope: DiffScope | None, session, jobs: int = 1, llm_mode: str = "enrich") -> Computed:
    root = settings.root
    with tempfile.TemporaryDirectory(prefix="telemetry-inject-bot-") as scratch:
        mode = run.WriteMode(write=False, output_dir=Path(scratch), scope=scope, llm=session, llm_mode=llm_mode)
        if session is not None:
            run.prefetch_enrichments(paths, settings, mode)
        results = run.run_all(paths, partial(run.run_file, settings=settings, mode=mode), jobs=1 if session is not None else jobs)
        changes: list[FileChange] = []
        runtimes: dict[str, FileChange] = {}
        for result in results:
            if not isinstance(result, Changed):
                continue
            relative = result.path.resolve().relative_to(root).as_posix()
            changes.append(FileChange(relative, result.path.read_bytes(), (Path(scratch) / relative).read_bytes()))
            for runtime_file in run.runtime_paths(result):
                runtime_relative = runtime_file.relative_to(scratch).as_posix()
                if not (root / runtime_relative).exists():  # the scratch dir starts empty: only a real absence counts
                    runtimes[runtime_relative] = FileChange(runtime_relative, None, runtime_file.read_bytes())
    problems = [f"{r.path.resolve().relative_to(root).as_posix()}: {r.reason}" for r in results if isinstance(r, (Skipped, Failed)) and _reportable(r)]
    return Computed(results, sorted(changes) + sorted(runtimes.values()), problems)


def _reportable(result) -> bool:
    return isinstance(result, Failed) or "no template" not in result.reason


def apply(changes: list[FileChange], root: Path) -> list[Path]:
    """Write the new bytes into the checkout (atomically, keeping modes); returns the paths written."""
    written = []
    for change in changes:
        path = root / change.path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, change.after)
        written.append(path)
    return written


def _git_lines(data: bytes) -> list[str]:
    """Lines as git sees them: ended by \\n only (str.splitlines also breaks on form feeds, \\x85, …)."""
    text = data.decode("utf-8", "replace")
    return [line + "\n" for line in text.split("\n")[:-1]] + ([text.rsplit("\n", 1)[-1]] if not text.endswith("\n") and text else [])


def patch(changes: list[FileChange]) -> str:
    """A unified diff git can apply (``git apply``), a/ and b/ prefixed."""
    out: list[str] = []
    for change in changes:
        before = _git_lines(change.before or b"")
        after = _git_lines(change.after)
        old = "/dev/null" if change.before is None else f"a/{change.path}"
        if change.before is None:
            out.append(f"diff --git a/{change.path} b/{change.path}\nnew file mode 100644\n")
        else:
            out.append(f"diff --git a/{change.path} b/{change.path}\n")
        for line in difflib.unified_diff(before, after, old, f"b/{change.path}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
