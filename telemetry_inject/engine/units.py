"""The records the engine passes around: function units and byte edits."""
from __future__ import annotations

from typing import NamedTuple


class Edit(NamedTuple):
    """Replace ``source[start:end]`` with ``text`` (an insertion when start == end)."""

    start: int
    end: int
    text: bytes


class FunctionUnit(NamedTuple):
    """One function found in a source file, with what injection needs to know."""

    qualname: str
    line: int  # 1-based line of the first decorator, or of `def` when undecorated
    def_line: int  # 1-based line of `def` / `async def`
    end_line: int  # 1-based last line of the body
    start_byte: int  # first decorator (or `def`)
    end_byte: int
    def_line_start: int  # byte offset of the start of the `def` (`func`, `function`…) line
    indent: bytes
    is_async: bool
    is_generator: bool
    decorators: tuple[str, ...]
    instrumented: bool
    anchors: tuple[int, ...]  # where the language inserts its lines (Python: the `def` line; Go: after the `{` line)
    markers: tuple[tuple[int, int], ...]  # byte ranges of the whole lines injected for this unit, for strip
    skip_reason: str | None  # set when the unit must never be instrumented


def line_start(source: bytes, offset: int) -> int:
    """Offset of the start of the line that holds ``offset``."""
    return source.rfind(b"\n", 0, offset) + 1


def first_error_line(node) -> int:
    """1-based line of the first ERROR or MISSING node under a tree-sitter ``node`` that has_error."""
    while True:
        if node.type == "ERROR" or node.is_missing:
            return node.start_point.row + 1
        child = next((c for c in node.children if c.has_error), None)
        if child is None:
            return node.start_point.row + 1
        node = child


def descendants(node, named: bool = True):
    """``node`` and every node under it (only named ones unless ``named`` is False), depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.named_children if named else current.children)


def syntax_error(tree) -> str | None:
    """The compile gate of languages without an in-process compiler: a tree free of syntax errors."""
    return f"line {first_error_line(tree.root_node)}: syntax error" if tree.root_node.has_error else None


def line_end(source: bytes, offset: int) -> int:
    """Offset just past the newline ending the line that holds ``offset``."""
    nl = source.find(b"\n", offset)
    return len(source) if nl < 0 else nl + 1


def apply_edits(source: bytes, edits: list[Edit]) -> bytes:
    """Apply non-overlapping edits in one pass; insertions at one offset keep list order."""
    if not edits:
        return source
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[0]))
    parts: list[bytes] = []
    cursor = 0
    for _, edit in ordered:
        parts.append(source[cursor : edit.start])
        parts.append(edit.text)
        cursor = edit.end
    parts.append(source[cursor:])
    return b"".join(parts)
