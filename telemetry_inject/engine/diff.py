"""Diffs → touched lines per file → which functions a change touched (DESIGN §5, I6).

Diffs come from git (``git diff -U0``, a subprocess: the hook's path stays
free of GitPython) or from a unified diff file; both are parsed with unidiff.
"""
from __future__ import annotations

import codecs
import os
import subprocess
from pathlib import Path
from typing import NamedTuple

from telemetry_inject.engine.units import FunctionUnit
from telemetry_inject.errors import UserError


class Touched(NamedTuple):
    """What a diff changed in one file (line numbers in the new version)."""

    new_file: bool = False
    lines: frozenset[int] = frozenset()
    deletions_after: frozenset[int] = frozenset()  # k: lines were removed between new lines k and k+1

    def touches(self, unit: FunctionUnit) -> bool:
        if self.new_file:
            return True
        if any(unit.line <= n <= unit.end_line for n in self.lines):
            return True
        return any(unit.line <= k < unit.end_line for k in self.deletions_after)


class DiffScope(NamedTuple):
    """Touched lines for every file the diff changed, keyed by resolved path."""

    files: dict[Path, Touched]

    def for_path(self, path: Path) -> Touched | None:
        return self.files.get(path.resolve())


DEV_NULL = "/dev/null"


def parse_unified_diff(text: str, root: Path, origin: str = "diff") -> DiffScope:
    import unidiff

    try:
        patch = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as exc:
        raise UserError(f"{origin}: not a unified diff: {exc}") from None
    files: dict[Path, Touched] = {}
    for patched in patch:
        # By the /dev/null side, not unidiff's is_added_file / is_removed_file: those also hold for a lone
        # `@@ -0,0 +1,3 @@` hunk, which is what `git diff -U0` writes for lines inserted at the top of a file.
        if patched.target_file == DEV_NULL:
            continue
        path = (root / _strip_prefix(_unquote(patched.target_file))).resolve()
        if patched.source_file == DEV_NULL:
            files[path] = Touched(new_file=True)
            continue
        lines: set[int] = set()
        deletions: set[int] = set()
        for hunk in patched:
            previous_target = hunk.target_start - 1 if hunk.target_length else hunk.target_start
            for line in hunk:
                if line.is_added:
                    lines.add(line.target_line_no)
                    previous_target = line.target_line_no
                elif line.is_removed:
                    deletions.add(previous_target)
                elif line.target_line_no is not None:
                    previous_target = line.target_line_no
        files[path] = Touched(lines=frozenset(lines), deletions_after=frozenset(deletions))
    return DiffScope(files)


def _unquote(name: str) -> str:
    """A path as git quotes it in diffs when it holds non-ASCII or special bytes (``"b/\\303\\251.py"``), unquoted."""
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    return os.fsdecode(codecs.escape_decode(name[1:-1].encode("utf-8", "surrogateescape"))[0])


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name


def git_root(start: Path) -> Path:
    if os.environ.get("PRE_COMMIT") == "1" and (start / ".git").exists():
        return start  # pre-commit runs hooks from the top of the work tree: spare a git call
    proc = _git(["rev-parse", "--show-toplevel"], start)
    return Path(proc.strip())


def staged_scope(root: Path) -> DiffScope:
    """The index against HEAD (on an unborn branch git diffs against the empty tree: all new)."""
    args = ["diff", "--cached", "-U0", "--no-color", "--no-ext-diff", "-M"]
    return parse_unified_diff(_git(args, root), root, "git diff --cached")


def range_scope(root: Path, base: str, head: str | None) -> DiffScope:
    """From the merge-base of ``base`` and HEAD to ``head`` (or the working tree)."""
    merge_base = _git(["merge-base", base, head or "HEAD"], root).strip()
    args = ["diff", "-U0", "--no-color", "--no-ext-diff", "-M", merge_base]
    if head:
        args.append(head)
    return parse_unified_diff(_git(args, root), root, f"git diff {base}")


def pre_commit_scope(root: Path) -> DiffScope | None:
    """``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` (pre-push, `pre-commit run --from-ref`), else None."""
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_SOURCE")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
    if not (from_ref and to_ref):
        return None
    return parse_unified_diff(_git(["diff", "-U0", "--no-color", "--no-ext-diff", "-M", f"{from_ref}...{to_ref}"], root), root, "git diff")


def file_scope(path: Path, root: Path) -> DiffScope:
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise UserError(f"{path}: cannot read diff: {exc.strerror}") from None
    return parse_unified_diff(text, root, str(path))


def _git(args: list[str], cwd: Path, check: bool = True) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, errors="surrogateescape")
    except OSError as exc:
        raise UserError(f"git is needed for diff selection: {exc}") from None
    if check and proc.returncode != 0:
        raise UserError(f"git {' '.join(args[:2])} failed in {cwd}: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout
