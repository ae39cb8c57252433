"""JavaScript and TypeScript function units read off the tree: shape, anchors, name, skip reason.

Pure: a tree and its bytes in, FunctionUnits out. The rules for when a body
cannot take a shape come from the runtime's header (``_telemetry_utils.cjs``);
the per-function skip reasons are in js_skips.py, each naming the breakage it avoids.
"""
from __future__ import annotations

import bisect
import re
from typing import NamedTuple

import tree_sitter

from telemetry_inject.engine.units import FunctionUnit, line_start
from telemetry_inject.engine.units import line_end as _line_end
from telemetry_inject.languages import js_names, js_shapes
from telemetry_inject.languages.js_shapes import (
    ASYNC,
    CALL,
    CALL_ASYNC,
    CLOSE_RE,
    DETACHED,
    LINE_SHAPES,
    OPEN_RE,
    SYNC,
)
from telemetry_inject.languages.js_skips import (
    ASM,
    SKIP_PRAGMA,
    is_directive,
    unit_reason,
)

Node = tree_sitter.Node
_GENERATORS = ("generator_function_declaration", "generator_function")
_TEL_NAME = re.compile(rb"(?<![\w$])_tel[\w$]*")
_IDENTIFIERS = frozenset({"identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern"})
_GENERATED = re.compile(rb"@generated\b|\bDO NOT EDIT\b")
_RUNTIME_USE, _OWN_TEL, _OTHER_USE = "runtime", "own", "other"  # kinds of `_tel…` identifiers


class _Shape(NamedTuple):
    node: Node
    shape: str  # js_shapes.SYNC … CALL_ASYNC
    anchors: tuple[int, int]  # line shapes: OPEN and CLOSE offsets; in-line: body start and end
    indent: bytes
    markers: tuple[tuple[int, int], ...]  # what is ours already (empty: not instrumented)
    problem: str | None  # why the shape cannot be used here
    is_async: bool
    is_generator: bool


def function_units(tree: tree_sitter.Tree, source: bytes, query: tree_sitter.Query, typescript: bool) -> list[FunctionUnit]:
    root = tree.root_node
    nodes = sorted(tree_sitter.QueryCursor(query).captures(root).get("function", []), key=lambda n: (n.start_byte, -n.end_byte))
    found = [_shape(source, node, typescript) for node in nodes if node.child_by_field_name("body") is not None]
    ours = sorted(m for s in found for m in s.markers)
    # Functions starting inside our own text are the wrappers the shapes add (the async shape's
    # `async () => {`, the in-line `() => EXPR`): part of their unit, never units themselves.
    # So are functions handed to the runtime itself (`_tel.attr("n", () => value)`) and all inside them.
    found = [s for s in found if not _inside(ours, s.node.start_byte)]
    handed = _outermost([(s.node.start_byte, s.node.end_byte) for s in found if _telemetry_argument(s.node)])
    found = [s for s in found if not _inside(handed, s.node.start_byte)]
    imports = import_lines(root, source)
    uses = _tel_uses(root, source, sorted(ours + imports))
    file_reason = _file_reason(root, source, imports, uses)
    bad_uses = [offset for offset, kind in uses if kind != _RUNTIME_USE]
    pragma = SKIP_PRAGMA in source  # rare: each unit looks for it only when the file has it
    reasons = [None if s.markers else file_reason or unit_reason(source, s, bad_uses, typescript, pragma) for s in found]
    asm = _outermost([(s.node.start_byte, s.node.end_byte) for s, reason in zip(found, reasons) if reason == ASM])
    reasons = [ASM if reason is None and not s.markers and _inside(asm, s.node.start_byte) else reason for s, reason in zip(found, reasons)]
    lines = _predicted_lines(source, found, reasons, not imports)
    names = js_names.qualnames([s.node for s in found], source, lines)
    return [
        FunctionUnit(
            qualname=qualname,
            line=s.node.start_point.row + 1,
            def_line=s.node.start_point.row + 1,
            end_line=s.node.end_point.row + 1,
            start_byte=s.node.start_byte,
            end_byte=s.node.end_byte,
            def_line_start=line_start(source, s.node.start_byte),
            indent=s.indent,
            is_async=s.is_async,
            is_generator=s.is_generator,
            decorators=(span_name, s.shape, str(line)),  # what span_edits writes: name, shape, {LINE}
            instrumented=bool(s.markers),
            anchors=s.anchors,
            markers=s.markers,
            skip_reason=reason,
        )
        for s, reason, line, (qualname, span_name) in zip(found, reasons, lines, names)
    ]


def import_lines(root: Node, source: bytes) -> list[tuple[int, int]]:
    """Whole lines holding a top-level runtime import (any of the four forms)."""
    found = []
    for statement in root.children:
        if statement.type in ("lexical_declaration", "import_statement"):
            start, end = line_start(source, statement.start_byte), _line_end(source, statement.end_byte)
            if js_shapes.IMPORT_RE.fullmatch(source, start, end):
                found.append((start, end))
    return found


def import_offset(root: Node, source: bytes) -> int | None:
    """Start of the first statement's line, after a hashbang and the directive prologue ("use strict"
    and "use client" stay first); None when that line starts inside what must stay above it."""
    before: list[Node] = []
    for child in root.children:
        if child.type in ("hash_bang_line", "comment") or is_directive(child):
            before.append(child)
            continue
        offset = line_start(source, child.start_byte)
        if any(n.end_byte > offset and (n.type != "comment" or n.start_byte < offset) for n in before):
            return None
        return offset
    return None


def _shape(source: bytes, node: Node, typescript: bool) -> _Shape:
    body = node.child_by_field_name("body")
    params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter") or body
    head = [c for c in node.children if c.end_byte <= params.start_byte and not c.is_named]  # `static async *`
    is_async = any(c.type == "async" for c in head)
    is_generator = node.type in _GENERATORS or (node.type == "method_definition" and any(c.type == "*" for c in head))
    if node.type != "arrow_function":
        return _line_shape(source, node, body, DETACHED if is_generator else ASYNC if is_async else SYNC, typescript, is_async, is_generator)
    inline = CALL_ASYNC if is_async else CALL
    markers = _inline_markers(source, body, inline)
    if not markers and body.type == "statement_block":
        line = _line_shape(source, node, body, ASYNC if is_async else SYNC, typescript, is_async, False)
        if line.problem is None:
            return line
    # An expression body, or a block that cannot take the two lines: wrapped in place, which an
    # arrow allows (this, arguments, super and new.target are lexical in both arrows).
    return _Shape(node, inline, (body.start_byte, body.end_byte), b"", markers, None, is_async, False)


def _line_shape(source: bytes, node: Node, body: Node, shape: str, typescript: bool, is_async: bool, is_generator: bool) -> _Shape:
    def problem(reason: str) -> _Shape:
        return _Shape(node, shape, (0, 0), b"", (), reason, is_async, is_generator)

    brace, closing, inner = body.children[0], body.children[-1], body.children[1:-1]
    if closing.start_point.row == brace.end_point.row:
        return problem("one-line body")
    after, index = _line_rest(inner, 0, brace)
    if after is None:
        return problem("the `{` line goes on after `{`")
    open_at = _line_end(source, after)
    directive = None
    while index < len(inner) and (inner[index].type == "comment" or is_directive(inner[index])):
        directive = inner[index] if inner[index].type != "comment" else directive
        index += 1
    if directive is not None:  # "use strict" must stay the body's first statement
        after, _ = _line_rest(inner, inner.index(directive) + 1, directive)
        if after is None:
            return problem("the directive's line goes on")
        open_at = _line_end(source, after)
    if typescript and _needs_root_super(node):
        # TS2401: with property initializers, parameter properties or #private members,
        # super() must stay a root-level statement of a derived class's constructor.
        call = next((c for c in inner if _is_super_call(c)), None)
        after, _ = _line_rest(inner, inner.index(call) + 1, call) if call is not None else (None, 0)
        if after is None:
            return problem("derived constructor without a `super(...);` line of its own (TS2401)")
        open_at = _line_end(source, after)
    close_at = line_start(source, closing.start_byte)
    if source[close_at : closing.start_byte].strip() or open_at > close_at:
        return problem("the last body line also holds `}`")
    indent = _body_indent(source, open_at, close_at, closing)
    return _Shape(node, shape, (open_at, close_at), indent, _line_markers(source, open_at, close_at), None, is_async, is_generator)


def _line_rest(items: list[Node], index: int, node: Node) -> tuple[int | None, int]:
    """(end of ``node``'s line content if only complete comments follow it there, else None; next index)."""
    row, end = node.end_point.row, node.end_byte
    while index < len(items) and items[index].start_point.row == row:
        if items[index].type != "comment" or items[index].end_point.row != row:
            return None, index
        end = items[index].end_byte
        index += 1
    return end, index


def _line_markers(source: bytes, open_at: int, close_at: int) -> tuple[tuple[int, int], ...]:
    open_end = _line_end(source, open_at)
    close_start = line_start(source, close_at - 1) if close_at > 0 else 0
    if close_start < open_end:
        return ()
    for shape in LINE_SHAPES:
        if OPEN_RE[shape].fullmatch(source, open_at, open_end) and CLOSE_RE[shape].fullmatch(source, close_start, close_at):
            return ((open_at, open_end), (close_start, close_at))
    return ()


def _inline_markers(source: bytes, body: Node, shape: str) -> tuple[tuple[int, int], ...]:
    call = body
    if shape == CALL_ASYNC:
        if call.type != "await_expression" or call.named_child_count != 1:
            return ()
        call = call.named_children[0]
    args = call.child_by_field_name("arguments") if call.type == "call_expression" else None
    named = [c for c in args.named_children if c.type != "comment"] if args is not None else []
    wrapped = named[3].child_by_field_name("body") if len(named) == 4 and named[3].type == "arrow_function" else None
    if wrapped is None or not js_shapes.PREFIX_RE[shape].fullmatch(source, body.start_byte, wrapped.start_byte):
        return ()
    if source[wrapped.end_byte : body.end_byte] != js_shapes.SUFFIX:
        return ()
    return ((body.start_byte, wrapped.start_byte), (wrapped.end_byte, body.end_byte))


def _body_indent(source: bytes, open_at: int, close_at: int, closing: Node) -> bytes:
    """The first code line's indentation (else the first comment's); for an empty body, one step in from `}`."""
    position, first_comment = open_at, None
    while position < close_at:
        line = source[position : _line_end(source, position)]
        indent = line[: len(line) - len(line.lstrip(b" \t"))]
        text = line.strip()
        if text and not text.startswith((b"//", b"/*", b"*")):
            return indent
        if text and first_comment is None:
            first_comment = indent
        position += len(line)
    if first_comment is not None:
        return first_comment
    closing_indent = source[close_at : closing.start_byte]
    return closing_indent + (b"\t" if closing_indent.startswith(b"\t") else b"  ")


def _file_reason(root: Node, source: bytes, imports: list[tuple[int, int]], uses: list[tuple[int, str]]) -> str | None:
    first = next((c for c in root.children if c.type not in ("hash_bang_line", "comment")), None)
    if _GENERATED.search(source, 0, first.start_byte if first is not None else len(source)):
        return "generated file"
    if any(kind == _OWN_TEL for _, kind in uses):
        return "the file uses the name `_tel` itself (the runtime import's name)"
    if not imports and import_offset(root, source) is None:
        return "no line before the first statement for the runtime import"
    return None


def _tel_uses(root: Node, source: bytes, excluded: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(offset, kind) for each identifier starting with `_tel` outside our own text.

    ``_tel.x`` reaches the runtime import (its ``attr``): harmless. Any other ``_tel``
    would clash with the import; other ``_tel…`` names with what the shapes declare.
    """
    uses = []
    for match in _TEL_NAME.finditer(source):
        start, end = match.span()
        if _inside(excluded, start):
            continue
        node = root.descendant_for_byte_range(start, end)
        if node is None or node.type not in _IDENTIFIERS or node.start_byte != start or node.end_byte != end:
            continue  # a string, a comment, a property name
        parent = node.parent
        object_ = parent.child_by_field_name("object") if parent is not None and parent.type == "member_expression" else None
        if match.group() != b"_tel":
            uses.append((start, _OTHER_USE))
        else:
            uses.append((start, _RUNTIME_USE if object_ is not None and object_.id == node.id else _OWN_TEL))
    return uses


def uses_runtime_outside(root: Node, source: bytes, ranges: list[tuple[int, int]]) -> bool:
    """Does the name `_tel` appear as an identifier outside ``ranges`` (sorted, disjoint)?"""
    return any(kind != _OTHER_USE for _, kind in _tel_uses(root, source, ranges))


def _predicted_lines(source: bytes, found: list[_Shape], reasons: list[str | None], import_missing: bool) -> list[int]:
    """{LINE} of each unit: its first line in the output, counting the lines this run adds above it
    if every pending unit is instrumented (exact for whole-file runs; see the module docstring of javascript.py)."""
    pending = [s for s, reason in zip(found, reasons) if not s.markers and reason is None]
    opens = sorted(s.anchors[0] for s in pending if s.shape in LINE_SHAPES)
    closes = sorted(s.anchors[1] for s in pending if s.shape in LINE_SHAPES)
    shift = 1 if import_missing and pending else 0
    lines = []
    for s in found:
        start = line_start(source, s.node.start_byte)
        lines.append(s.node.start_point.row + 1 + shift + bisect.bisect_right(opens, start) + bisect.bisect_right(closes, start))
    return lines


def _needs_root_super(node: Node) -> bool:
    if node.type != "method_definition" or js_names.node_text(node.child_by_field_name("name")) != "constructor":
        return False
    members = node.parent
    owner = members.parent if members is not None else None
    heritage = next((c for c in owner.children if c.type == "class_heritage"), None) if owner is not None else None
    if heritage is None or not any(c.type == "extends_clause" for c in heritage.children):
        return False
    for member in members.named_children:
        name = member.child_by_field_name("name")
        if member.type == "public_field_definition" and member.child_by_field_name("value") is not None:
            return True
        if name is not None and name.type == "private_property_identifier":
            return True
    parameters = node.child_by_field_name("parameters")
    modifiers = ("accessibility_modifier", "readonly", "override_modifier", "override")  # parameter properties
    return any(c.type in modifiers for p in parameters.named_children for c in p.children)


def _telemetry_argument(node: Node) -> bool:
    call = node.parent.parent if node.parent is not None and node.parent.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
    owner = callee.child_by_field_name("object") if callee is not None and callee.type == "member_expression" else None
    return owner is not None and owner.type == "identifier" and owner.text in (b"_tel", b"_tel$")


def _is_super_call(node: Node) -> bool:
    call = node.named_children[0] if node.type == "expression_statement" and node.named_child_count else None
    return call is not None and call.type == "call_expression" and call.child_by_field_name("function").type == "super"





def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    """Is ``offset`` within one of the sorted, disjoint ``ranges``?"""
    i = bisect.bisect_right(ranges, (offset, float("inf"))) - 1
    return i >= 0 and ranges[i][0] <= offset < ranges[i][1]


def _outermost(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept
