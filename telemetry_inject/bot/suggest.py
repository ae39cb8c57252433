"""``suggest`` mode: the instrumentation as review comments with ``suggestion`` blocks.

GitHub only accepts review comments on lines inside the pull request's diff
hunks; an insertion is anchored on the line after it (or before it) and the
suggestion repeats that line. What cannot be placed is listed in the body.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from telemetry_inject.bot.changes import FileChange
from telemetry_inject.bot.render import fence_for

MAX_COMMENTS = 30  # per review, so a large PR does not bury the conversation


def commentable_lines(diff_text: str, root: Path) -> dict[str, set[int]]:
    """Lines of the new side that fall inside a hunk of the PR's diff (context lines included), per file."""
    import unidiff

    lines: dict[str, set[int]] = {}
    for patched in unidiff.PatchSet(diff_text):
        if patched.is_removed_file:
            continue
        path = patched.target_file[2:] if patched.target_file.startswith("b/") else patched.target_file
        lines[path] = {line.target_line_no for hunk in patched for line in hunk if line.target_line_no is not None}
    return lines


def review_comments(changes: list[FileChange], commentable: dict[str, set[int]]) -> tuple[list[dict], list[str]]:
    """(comments, descriptions of changes that could not be placed)."""
    comments: list[dict] = []
    unplaced: list[str] = []
    for change in changes:
        if change.before is None:
            unplaced.append(f"new file {change.path}")
            continue
        allowed = commentable.get(change.path, set())
        old = _lines(change.before)
        new = _lines(change.after)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            placed = _place(old, new, i1, i2, j1, j2, allowed)
            if placed is None:
                unplaced.append(f"{change.path} line {i1 + 1}")
                continue
            first, last, replacement = placed
            comment = {"path": change.path, "line": last, "side": "RIGHT", "body": suggestion_block(replacement)}
            if first != last:
                comment.update(start_line=first, start_side="RIGHT")
            comments.append(comment)
    return comments, unplaced


def _place(old: list[str], new: list[str], i1: int, i2: int, j1: int, j2: int, allowed: set[int]):
    """(first line, last line, replacement lines) on the new side of the PR, or None."""
    if i2 > i1:  # lines replaced or deleted: the suggestion covers exactly them
        span = range(i1 + 1, i2 + 1)
        return (i1 + 1, i2, new[j1:j2]) if all(n in allowed for n in span) else None
    if i1 < len(old) and (i1 + 1) in allowed:  # insertion before line i1+1: suggest "new lines + that line"
        return i1 + 1, i1 + 1, [*new[j1:j2], old[i1]]
    if i1 >= 1 and i1 in allowed:  # … or "the line before + new lines"
        return i1, i1, [old[i1 - 1], *new[j1:j2]]
    return None


def _lines(data: bytes) -> list[str]:
    """Lines as git counts them: split on \\n only (str.splitlines also breaks on form feeds and more)."""
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def suggestion_block(lines: list[str]) -> str:
    """A suggestion block; with no lines it suggests deleting the commented lines (an empty block)."""
    text = "\n".join(lines)
    fence = fence_for(text)
    return f"{fence}suggestion\n{text}\n{fence}" if lines else f"{fence}suggestion\n{fence}"

