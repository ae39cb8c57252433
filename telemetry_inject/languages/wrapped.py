"""Languages without a template (Java, Ruby): an LLM writes the telemetry, we verify every line.

The telemetry is two whole lines per function, OPEN after the line that opens
the body and CLOSE before the line that closes it, each matching the language's
pattern with this very function's name, file and line in it. So the verifier
knows the only acceptable answer exactly (``expected_lines``), strip removes the
lines by their pattern, and a function is instrumented when both lines are in
place. Under ``--llm enrich`` the same answer also puts span attribute lines
between the two (statements of the body's top level, ``llm/wrapped_attrs.py``);
strip removes those with the two. The shapes are documented in each runtime's header.
"""
from __future__ import annotations

import re
from functools import cached_property
from pathlib import PurePath
from typing import NamedTuple

import tree_sitter

from telemetry_inject.engine.units import Edit, FunctionUnit, line_start, syntax_error
from telemetry_inject.engine.units import line_end as _line_end


class Shape(NamedTuple):
    """A language's two telemetry lines, as format templates and as recognizers."""

    open_template: str  # with {indent}, {name}, {file}, {line} (string literals for name and file)
    close_template: str  # with {indent}
    open_re: re.Pattern[bytes]
    close_re: re.Pattern[bytes]
    import_re: re.Pattern[bytes] | None  # the per-file runtime import line, if the language has one
    interpolates: bool = False  # Ruby: `#{`, `#@`, `#$` in a double-quoted string would run code
    attr_re: re.Pattern[bytes] | None = None  # an attribute line (`--llm enrich`), removed by strip with the two lines


def string_literal(text: str, interpolates: bool = False) -> str:
    """A double-quoted literal, data only: escapes \\ and ", control characters as octal (never \\uXXXX,
    which javac decodes before it reads the code), and for Ruby a # that would start `#{`, `#@`, `#$`."""
    out = ['"']
    for index, ch in enumerate(text):
        if ch in '"\\' or (interpolates and ch == "#" and text[index + 1 : index + 2] in ("{", "@", "$")):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def wrapped_unit(
    source: bytes,
    qualname: str,
    node,
    open_after: int,
    close_at: int,
    shape: Shape,
    skip_reason: str | None,
    found: tuple[tuple[int, int], ...] | None = None,
) -> FunctionUnit:
    """A unit whose telemetry goes after byte ``open_after`` (a line end) and before ``close_at`` (a line start).

    ``found``: the (OPEN, CLOSE, ATTR…) line ranges the language located itself (from the tree, wherever an
    edit moved them); without it, a body's first and last lines are checked."""
    def_line_start = line_start(source, node.start_byte)
    outer = source[def_line_start : node.start_byte]
    body_indent = _body_indent(source, open_after, close_at, outer[: len(outer) - len(outer.lstrip(b" \t"))])
    markers: tuple[tuple[int, int], ...] = ()
    if found is not None:
        markers = found
    elif skip_reason is None:
        first = source[open_after : _line_end(source, open_after)]
        last_start = line_start(source, close_at - 1) if close_at > open_after else close_at
        last = source[last_start:close_at]
        if shape.open_re.fullmatch(first) and shape.close_re.fullmatch(last) and last_start > open_after:
            markers = ((open_after, open_after + len(first)), (last_start, close_at))
    return FunctionUnit(
        qualname=qualname,
        line=node.start_point.row + 1,
        def_line=node.start_point.row + 1,
        end_line=node.end_point.row + 1,
        start_byte=node.start_byte,
        end_byte=node.end_byte,
        def_line_start=def_line_start,
        indent=body_indent,
        is_async=False,
        is_generator=False,
        decorators=(),
        anchors=(open_after, close_at),
        instrumented=bool(markers),
        markers=markers,
        skip_reason=skip_reason,
    )


def _body_indent(source: bytes, open_after: int, close_at: int, outer: bytes) -> bytes:
    """The indentation of the body's first non-blank line, else the function's plus one step."""
    offset = open_after
    while offset < close_at:
        end = _line_end(source, offset)
        line = source[offset:end]
        if line.strip():
            return line[: len(line) - len(line.lstrip(b" \t"))]
        offset = end
    return outer + (b"\t" if outer.startswith(b"\t") else b"    ")


def expected_lines(shape: Shape, unit: FunctionUnit, path: PurePath, newline: bytes) -> tuple[bytes, bytes]:
    """The exact OPEN and CLOSE lines for ``unit`` (what the LLM must write, and the cache re-verifies)."""
    indent = unit.indent.decode("utf-8", "replace")
    name, file = string_literal(unit.qualname, shape.interpolates), string_literal(path.as_posix(), shape.interpolates)
    opening = shape.open_template.format(indent=indent, name=name, file=file, line=unit.def_line)
    closing = shape.close_template.format(indent=indent)
    return opening.encode() + newline, closing.encode() + newline


def refresh_opening(shape: Shape, unit: FunctionUnit, source: bytes, newline: bytes, path: str) -> list[Edit]:
    """The OPEN line again when its name, file or line no longer match the function (renamed, moved):
    it is fully determined, so the tool rewrites it itself, for touched functions only."""
    if not path or not unit.markers:
        return []
    start, end = unit.markers[0]
    line = source[start:end]
    ending = line[len(line.rstrip(b"\r\n")):]
    indent = line[: len(line) - len(line.lstrip(b" \t"))]
    opening, _ = expected_lines(shape, unit._replace(indent=indent), PurePath(path), ending or newline)
    return [] if opening == line else [Edit(start, end, opening)]


def strip_lines(source: bytes, units: list[FunctionUnit], shape: Shape) -> list[Edit]:
    """Whole-line deletions of every unit's OPEN/CLOSE (and attribute) lines and of the runtime import."""
    ranges = [m for u in units for m in u.markers]
    if shape.import_re is not None:
        offset = 0
        while offset < len(source):
            end = _line_end(source, offset)
            if shape.import_re.fullmatch(source[offset:end]):
                ranges.append((offset, end))
            offset = end
    return [Edit(start, end, b"") for start, end in sorted(ranges)]


class WrappedLanguage:
    """What Java and Ruby share: no template (the LLM writes the two lines), the grammar loaded on first
    use, strip and refresh by the shape's patterns, and the syntax gate (the tests run the real compilers)."""

    template = False  # the LLM writes it (--llm fallback)
    name: str
    shape: Shape
    grammar: str  # the grammar wheel's module

    @cached_property
    def _language(self) -> tree_sitter.Language:
        from telemetry_inject.languages import grammar

        return grammar(self.grammar)

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self._language)

    def span_edits(self, unit: FunctionUnit, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        raise NotImplementedError(f"{self.name} has no template: the LLM writes the telemetry (--llm fallback)")

    def refresh_edits(self, unit: FunctionUnit, source: bytes, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        return refresh_opening(self.shape, unit, source, newline, path)

    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]:
        return strip_lines(source, units, self.shape)

    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None:
        return syntax_error(tree if tree is not None else self.parser().parse(source))
