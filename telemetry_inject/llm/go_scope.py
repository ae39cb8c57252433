"""What a Go function declares where, and whether an attribute value may be read at a line of it.

The names in scope at each line (parameters, the receiver, named results, locals of
top-level statements above), the lines an attribute may go before, and the check of
one value against them. What a type is, and whether a value of it may be read, is
go_types.py.
"""
from __future__ import annotations

from typing import NamedTuple

from telemetry_inject.engine.units import descendants
from telemetry_inject.llm.go_types import (
    FileTypes,
    TypeRef,
    builtin_len,
    field_type,
    file_types,
    has_len,
    parse,
    printable,
    shown,
    struct_of,
    type_ref,
)

_LITERALS = frozenset({"int_literal", "float_literal", "imaginary_literal", "rune_literal", "interpreted_string_literal",
                       "raw_string_literal", "true", "false"})
# Top-level statements after which a line surely runs: none of them can leave the function or jump.
_STAYING = frozenset({"var_declaration", "const_declaration", "type_declaration", "short_var_declaration", "assignment_statement",
                      "inc_statement", "dec_statement", "expression_statement", "defer_statement", "go_statement", "comment",
                      "empty_statement"})


class Binding(NamedTuple):
    type: TypeRef | None  # None: not written in the declaration
    visible_from: int  # the first line (0-based, of the function) it is in scope at
    scalar: bool = False  # no written type, but surely a bool, number or string (`n := 0`, `const c = 1`, `n := len(x)`)
    via_len: bool = False  # scalar only if `len` was the builtin (`n := len(x)`)


class FunctionFacts(NamedTuple):
    """One function, analysed once per run: where an attribute may go and what it may read there."""

    indent: str  # the body's indentation (the defer line's)
    first: int  # the first line (0-based, of the function text) an attribute may go before
    last: int  # the closing `}` line
    slots: frozenset  # lines an attribute may go before
    spans: tuple  # (first, last line) of each top-level statement and comment of the body
    commented: frozenset  # lines ending in a comment after code: gofmt aligns such comments on adjacent lines
    leaving: tuple  # lines where a top-level statement that can leave the function starts
    bindings: dict  # name -> Binding
    shadowed: frozenset  # type names that don't mean the file's types here (type parameters, local types)
    file: FileTypes

    def within(self, line: int) -> bool:
        """Line ``line`` is inside a top-level statement, not between two."""
        return any(start < line <= end for start, end in self.spans)

    def leaving_before(self, line: int) -> int | None:
        return next((row for row in self.leaving if row < line), None)


def statements(block) -> list:
    """A block's own statements and comments (tree-sitter-go 0.25 wraps the statements in a statement_list)."""
    return [s for child in block.named_children for s in (child.named_children if child.type == "statement_list" else [child])]


def function_facts(text: bytes, raw: bytes) -> FunctionFacts | None:
    """The facts for one function's text (from its ``func`` line) in file ``raw``; None: nothing to enrich."""
    tree = parse(b"package p\n" + text)
    functions = [n for n in tree.root_node.named_children if n.type in ("function_declaration", "method_declaration")]
    if tree.root_node.has_error or len(functions) != 1 or functions[0].child_by_field_name("body") is None:
        return None
    function = functions[0]
    body = function.child_by_field_name("body")
    first, last = body.start_point.row, body.end_point.row - 1  # rows of the text: the prefix line is row 0
    own = statements(body)
    if last <= first or not any(s.type != "comment" for s in own):
        return None  # a one-line or empty body
    spans = tuple((s.start_point.row - 1, s.end_point.row - 1) for s in own)
    leaving = tuple(start for (start, _), s in zip(spans, own) if not _stays(s))
    lines = text.split(b"\n")
    commented = frozenset(
        n.start_point.row - 1 for n in descendants(body) if n.type == "comment" and lines[n.start_point.row - 1][: n.start_point.column].strip()
    )
    slots = frozenset(
        line for line in range(first, last + 1)
        if not any(start < line <= end for start, end in spans) and not any(start < line for start in leaving)
    )
    if not slots:
        return None
    func_line = text.split(b"\n", 1)[0]
    indent = func_line[: len(func_line) - len(func_line.lstrip(b" \t"))].decode() + "\t"
    facts = FunctionFacts(indent, first, last, slots, spans, commented, leaving, _bindings(function, own), _shadowed(function), file_types(raw))
    return facts if any(_readable(facts, b) for b in facts.bindings.values() if b.visible_from <= max(slots)) else None


def _readable(facts: FunctionFacts, binding: Binding) -> bool:
    """Some value could be accepted from this name (else asking costs money for refusals only)."""
    ref = binding.type
    return binding.scalar or (ref is not None and (printable(facts, ref) or has_len(facts, ref) or struct_of(facts, ref) is not None))


def _stays(statement) -> bool:
    if statement.type not in _STAYING:
        return False
    if statement.type == "expression_statement":
        call = statement.named_children[0] if statement.named_children else None
        function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
        return not (function is not None and function.type == "identifier" and function.text == b"panic")
    return True


def _bindings(function, own: list) -> dict:
    found: dict[str, list[Binding]] = {}

    def add(name_node, binding: Binding) -> None:
        name = name_node.text.decode()
        if name != "_":
            found.setdefault(name, []).append(binding)

    receiver = function.child_by_field_name("receiver")
    for lists in (receiver, function.child_by_field_name("parameters"), function.child_by_field_name("result")):
        for declaration in (lists.named_children if lists is not None and lists.type == "parameter_list" else []):
            kind = declaration.child_by_field_name("type")
            ref = TypeRef(declaration, 0) if declaration.type == "variadic_parameter_declaration" else type_ref(kind) if kind is not None else None
            for name in declaration.children_by_field_name("name"):
                add(name, Binding(ref, 0))
    for statement in own:
        visible = statement.end_point.row  # the row after it, counted without the prefix line
        if statement.type in ("var_declaration", "const_declaration"):
            specs = [s for c in statement.named_children for s in (c.named_children if c.type.endswith("_spec_list") else [c])]
            for spec in specs:
                kind = spec.child_by_field_name("type")
                names = spec.children_by_field_name("name")
                # a constant without a value repeats the one above, type and all (`B` of `A Level = iota; B`)
                scalars = _scalar_values(spec.child_by_field_name("value"), len(names), statement.type == "const_declaration")
                for name, scalar in zip(names, scalars):
                    add(name, Binding(type_ref(kind) if kind is not None else None, visible, bool(scalar) and kind is None, scalar == "len"))
        elif statement.type == "short_var_declaration":
            left = statement.child_by_field_name("left")
            names = left.named_children if left is not None else []
            for name, scalar in zip(names, _scalar_values(statement.child_by_field_name("right"), len(names))):
                if name.type == "identifier":
                    add(name, Binding(None, visible, bool(scalar), scalar == "len"))
    # A name declared twice (`x, err := …` again, a result reassigned by a local): its type is not certain.
    return {name: b[0] if len(b) == 1 else Binding(None, min(x.visible_from for x in b)) for name, b in found.items()}


def _scalar_values(values, count: int, constant: bool = False) -> list[str]:
    """For each of ``count`` names declared from ``values``: "literal" or "len" (a call of whatever ``len`` means
    there) when its value is surely a bool, number or string, else "". An untyped constant keeps its exact value
    until it is read as an ``interface{}``, so only literals that fit an int32 (int on every GOARCH) or a float64."""
    items = values.named_children if values is not None and values.type == "expression_list" else []
    if len(items) != count:
        return [""] * count
    return ["literal" if item.type in _LITERALS and (not constant or _fits(item))
            else "len" if not constant and item.type == "call_expression" and item.child_by_field_name("function").text == b"len"
            else "" for item in items]


def _fits(literal) -> bool:
    """A constant literal that converts to its default type (int, float64, rune, string, bool) on every platform."""
    text = literal.text.decode().replace("_", "").lower()
    try:
        if literal.type == "int_literal":
            value = int(text, 8) if len(text) > 1 and text[0] == "0" and text[1].isdigit() else int(text, 0)
            return -(2**31) <= value < 2**31
        if literal.type == "float_literal":
            value = float.fromhex(text) if text.startswith("0x") else float(text)
            return value == 0 or 1e-300 < abs(value) < 1e300
    except (ValueError, OverflowError):
        return False
    return literal.type != "imaginary_literal"


def _shadowed(function) -> frozenset:
    """Type parameters (the function's and the receiver's) and types declared inside the body."""
    names = set()
    for parameters in [function.child_by_field_name("type_parameters")]:
        for declaration in (parameters.named_children if parameters is not None else []):
            names.update(n.text.decode() for n in declaration.children_by_field_name("name"))
    roots = [n for n in (function.child_by_field_name("receiver"), function.child_by_field_name("body")) if n is not None]
    for node in (n for root in roots for n in descendants(root)):
        if node.type in ("type_spec", "type_alias") and node.child_by_field_name("name") is not None:
            names.add(node.child_by_field_name("name").text.decode())
        if node.type in ("type_arguments", "type_parameter_list"):  # in a receiver, `Store[K, V]` names K and V
            names.update(n.text.decode() for n in descendants(node) if n.type in ("type_identifier", "identifier"))
    return frozenset(names)


def check_value(facts: FunctionFacts, line: int, node, sensitive: tuple[str, ...]) -> tuple[str, str]:
    """(the value in gofmt's form, "") or ("", why it may not compile or is unsafe) at the function's ``line``."""
    if node.type == "call_expression":
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if function is None or function.type != "identifier" or function.text != b"len" or arguments is None:
            return "", "a call is not allowed in an attribute value, except len(x)"
        if len(arguments.named_children) != 1 or any(c.type == "..." for c in arguments.children):
            return "", "a call is not allowed in an attribute value, except len(x) of one value"
        if not builtin_len(facts):
            return "", "`len` is redeclared in this file or function, so it is not the builtin"
        path, ref, _, problem = _chain(facts, line, arguments.named_children[0], sensitive)
        if problem:
            return "", problem
        if ref is None or not has_len(facts, ref):
            known = f" ({shown(ref)})" if ref is not None else " (not written in its declaration)"
            return "", f"len({path}): the type of `{path}`{known} is not known to be a slice, array, map, string or channel"
        return f"len({path})", ""
    path, ref, scalar, problem = _chain(facts, line, node, sensitive)
    if problem:
        return "", problem
    if not scalar and (ref is None or not printable(facts, ref)):
        known = f"has type {shown(ref)}" if ref is not None else "has no written type here"
        return "", (f"`{path}` {known}: only a bool, number, string or time is written as it is, and only of a predeclared type "
                    "(anything else goes through fmt, which prints every field and may have side effects: String methods, also of "
                    "`type Level int`); read a field holding an id, a size or a status, or len(x)")
    return path, ""


def _chain(facts: FunctionFacts, line: int, node, sensitive: tuple[str, ...]) -> tuple[str, TypeRef | None, bool, str]:
    """(the name and its fields as written, the last one's type or None, a bare name of a scalar without a written type, problem)."""
    fields = []
    while node.type == "selector_expression":
        field, node = node.child_by_field_name("field"), node.child_by_field_name("operand")
        fields.append(field.text.decode())
    if node.type != "identifier":
        return "", None, False, f"{node.type} is not allowed in an attribute value (only a name, its fields, or len(x))"
    root = node.text.decode()
    fields.reverse()
    path = ".".join([root, *fields])
    secret = next((w for w in (root, *fields) if any(s in w.lower() for s in sensitive)), None)
    if secret is not None:
        return "", None, False, f"`{secret}` looks like a secret"
    if root == "_" or root.startswith("_tel"):
        return "", None, False, "the runtime's own names are not attribute values"
    binding = facts.bindings.get(root)
    if binding is None:
        return "", None, False, f"`{root}` is not a parameter, the receiver, a named result or a local declared at the top of the body"
    if line < binding.visible_from:
        return "", None, False, f"`{root}` is not declared yet at this line"
    if fields and binding.type is None:
        return "", None, False, (f"`{root}` has no written type here (declared with :=, without a type, or twice), so its fields "
                                 f"cannot be checked: use `{root}` alone")
    ref = binding.type
    for index, field in enumerate(fields):
        so_far = ".".join([root, *fields[:index]])
        struct = struct_of(facts, ref)
        if struct is None:
            return "", None, False, (f"`{so_far}.{field}`: the type of `{so_far}` ({shown(ref)}) is not a struct declared in this file, "
                                     "so its fields cannot be checked")
        found = field_type(struct, field) if field != "_" else None
        if found is None:
            return "", None, False, f"`{so_far}.{field}`: {shown(ref).lstrip('*')} declares no field `{field}`"
        ref = found
    return path, ref, binding.scalar and not fields and (not binding.via_len or builtin_len(facts)), ""
