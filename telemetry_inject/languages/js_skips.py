"""Why a JavaScript or TypeScript function is left alone: each reason names the breakage a wrapper would cause."""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import tree_sitter

from telemetry_inject.engine.units import line_end as _line_end
from telemetry_inject.engine.units import line_start
from telemetry_inject.languages import js_names
from telemetry_inject.languages.js_shapes import ASYNC, CALL, CALL_ASYNC, LINE_SHAPES

if TYPE_CHECKING:
    from telemetry_inject.languages.js_units import _Shape

Node = tree_sitter.Node
_DECLARATIONS = ("function_declaration", "generator_function_declaration")
SKIP_PRAGMA = b"telemetry: skip"
ASM = "asm.js code (a wrapper would fail its validation)"


def unit_reason(source: bytes, s: _Shape, bad_uses: list[int], typescript: bool, pragma: bool) -> str | None:
    node = s.node
    if pragma and _has_pragma(source, node):
        return "`telemetry: skip` pragma"
    if _inside_span(bad_uses, node.start_byte, node.end_byte):
        return "uses an identifier starting with `_tel` (the names the shapes declare)"
    if s.problem:
        return s.problem
    body = node.child_by_field_name("body")
    if typescript and s.shape == CALL and node.child_by_field_name("return_type") is None and _may_infer_predicate(source, node, body):
        return "TypeScript may infer a type predicate from it (`x => x !== undefined`), which the in-line wrapper hides"
    if body.type != "statement_block":
        return None
    directives = [c for c in body.named_children if is_directive(c)]
    if any(source[d.start_byte + 1 : d.end_byte].startswith(b"use asm") for d in directives):
        return ASM
    return _declaration_problem(source, node, body, s.shape, typescript)


_PREDICATE_OPERATORS = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in", "&&", "||"})


def _may_infer_predicate(source: bytes, node: Node, body: Node) -> bool:
    """Could tsc (5.5+) infer ``param is T`` from this arrow? Only from a boolean test of a parameter;
    told apart here by its form: a comparison, a negation, or a call taking a parameter."""
    if body.type == "statement_block":
        returned = [r.named_children[0] for r in body.named_children if r.type == "return_statement" and r.named_child_count]
    else:
        returned = [body]
    params = js_names.bound_names(source, node.child_by_field_name("parameters") or node.child_by_field_name("parameter"))
    for expression in returned:
        while expression.type == "parenthesized_expression" and expression.named_child_count:
            expression = expression.named_children[0]
        operator = js_names.node_text(expression.child_by_field_name("operator"))
        if expression.type == "binary_expression" and operator in _PREDICATE_OPERATORS:
            return True
        if expression.type == "unary_expression" and operator == "!":
            return True
        arguments = expression.child_by_field_name("arguments") if expression.type == "call_expression" else None
        if arguments is not None and any(a.type == "identifier" and js_names.text(source, a) in params for a in arguments.named_children):
            return True
    return False


def _declaration_problem(source: bytes, node: Node, body: Node, shape: str, typescript: bool) -> str | None:
    declared = [js_names.text(source, c.child_by_field_name("name")) for c in body.named_children if c.type in _DECLARATIONS]
    wrapped = shape in (ASYNC, CALL, CALL_ASYNC)  # the body moves into an inner arrow
    if not declared and not wrapped:
        return None
    params = js_names.bound_names(source, node.child_by_field_name("parameters") or node.child_by_field_name("parameter"))
    variables = js_names.var_names(source, body) if source.find(b"var", body.start_byte, body.end_byte) >= 0 else set()
    if declared and shape in LINE_SHAPES:
        if typescript:
            return "function declaration in the body: inside the try block tsc rejects it for ES5 targets (TS1250/TS1252)"
        if len(set(declared)) < len(declared) or set(declared) & (params | variables):
            return "a function declared in the body shares its name with a parameter, a `var` or another function"
    if wrapped and (variables | set(declared)) & (params | {"arguments"}):
        return "a `var` or function in the body redeclares a parameter or `arguments` (inside the wrapper it would shadow it)"
    return None


def _has_pragma(source: bytes, node: Node) -> bool:
    """`telemetry: skip` on the function's first line or in the comment lines right above it."""
    start = line_start(source, node.start_byte)
    if SKIP_PRAGMA in source[start : _line_end(source, node.child_by_field_name("body").start_byte)]:
        return True
    while start > 0:
        above = line_start(source, start - 1)
        line = source[above:start].strip()
        if not line.startswith((b"//", b"/*", b"*")):
            return False
        if SKIP_PRAGMA in line:
            return True
        start = above
    return False


def is_directive(node: Node) -> bool:
    return node.type == "expression_statement" and node.named_child_count == 1 and node.named_children[0].type == "string"


def _inside_span(offsets: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(offsets, start)
    return i < len(offsets) and offsets[i] < end
