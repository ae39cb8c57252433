"""The pre-commit hook: instrument the functions a commit touches, formatter-style.

Exit 1 when files were changed (pre-commit shows the diff; re-stage and commit
again), 0 when there is nothing to do. Offline, and lean: this path never
imports rich, GitPython, PyGithub or an LLM SDK (a test checks).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TextIO

from telemetry_inject.config import Settings, hook_server_wanted
from telemetry_inject.engine import diff
from telemetry_inject.engine.files import is_excluded
from telemetry_inject.engine.run import WriteMode, run_file
from telemetry_inject.languages import language_for
from telemetry_inject.report import created_line, shown
from telemetry_inject.results import Changed, Failed, Skipped, Unchanged


def run_hook(files: list[Path], settings: Settings, check: bool, out: TextIO) -> int:
    paths = [
        p for p in files
        if (lang := language_for(p)) is not None and getattr(lang, "template", True) and not lang.is_runtime(p) and not is_excluded(p, settings)
    ]  # offline: languages without a template wait for `run --llm fallback`
    if not paths:
        return 0
    top = diff.git_root(Path.cwd())
    scope = None if settings.scope == "all" else (diff.pre_commit_scope(top) or diff.staged_scope(top))
    mode = WriteMode(write=not check, scope=scope, gates=not check)  # --check writes nothing: no gates to pass
    results = [run_file(path, settings, mode) for path in paths]
    started = False
    if hook_server_wanted(settings, os.environ) and top == settings.root == Path.cwd():
        from telemetry_inject.hook.server import start

        parsed = [os.path.relpath(p, top) for p in paths if scope is None or scope.for_path(p) is not None]
        started = start(str(top), parsed)  # later calls only ask it (telemetry_inject/launch.py); a running one is left alone
    code = _report(results, settings, check, top, out)
    if started:  # the repository's first: said once, after the call's own lines
        out.write("telemetry-inject: started a hook server for this repository: later commits skip loading the engine;"
                  " it stops after 15 idle minutes (README: the hook server; `hook-server = false` turns it off)\n")
    return code


def _report(results: list, settings: Settings, check: bool, top: Path, out: TextIO) -> int:
    """One line per skipped file and per changed function, and a summary: the hook's exit code."""
    status = 0
    for result in results:
        if isinstance(result, (Skipped, Failed)):
            out.write(f"telemetry-inject: {'skipped' if isinstance(result, Skipped) else 'refused'} {shown(result.path)}: {result.reason}\n")
            status |= settings.strict
    changed = [r for r in results if isinstance(r, Changed)]
    for result in changed:
        verb = "lacks telemetry" if check else "instrumented"
        for function in result.functions:
            out.write(f"{shown(result.path)}:{function.line}: {function.qualname} {verb}\n")
        if result.runtime_created:
            out.write(created_line(result))
    if changed:
        count = sum(len(r.functions) for r in changed)
        action = "would instrument" if check else "instrumented"
        out.write(f"telemetry-inject: {action} {count} functions in {len(changed)} files\n")
        return 1
    unstaged = _unstaged_runtimes(results, settings, top)
    for runtime in unstaged:
        out.write(f"telemetry-inject: {shown(runtime)} is imported by staged files but not staged: run `git add {shown(runtime)}`\n")
    return 1 if unstaged else int(status)


def _unstaged_runtimes(results: list, settings: Settings, top: Path) -> list[Path]:
    """Runtime modules that instrumented files import but the index lacks (the commit would break imports)."""
    needed = set()
    for r in results:
        if isinstance(r, Unchanged) and any(f.status == "already" for f in r.functions):
            language = language_for(r.path)
            needed.update(path for path, _ in language.runtime_payload(language.runtime(r.path, settings).path))
    if not needed:
        return []
    proc = subprocess.run(["git", "ls-files", "-z", "--", *map(str, needed)], cwd=top, capture_output=True, check=False)
    tracked = {(top / p).resolve() for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p}
    return sorted(p for p in needed if p.resolve() not in tracked)
