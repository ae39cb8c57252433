"""Names in JavaScript and TypeScript: each function unit's qualified name, and the names a scope binds."""
from __future__ import annotations

import tree_sitter

Node = tree_sitter.Node
FUNCTIONS = frozenset({
    "function_declaration", "generator_function_declaration", "function_expression", "generator_function", "arrow_function", "method_definition",
})
ANONYMOUS = "<anonymous>"
_CLASSES = frozenset({"class_declaration", "abstract_class_declaration", "class"})
_NAMESPACES = frozenset({"internal_module", "module"})
# Wrappers that leave a function the value being named: `const f = (() => 1) as F`.
_TRANSPARENT = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression", "type_assertion"})


def qualnames(nodes: list[Node], source: bytes, lines: list[int]) -> list[tuple[str, str]]:
    """(qualified name, span name) per function node, outer functions first.

    Enclosing functions, classes, named object literals and namespaces qualify a
    name: ``Cart.total``, ``outer.inner``, ``api.users.list``. A function with no
    name of its own takes the name it is assigned to, else ``<anonymous>``; its span
    name adds the line (``<anonymous>@12``), the qualified name (the unit's
    identity, which must survive lines inserted above it) does not.
    """
    named: dict[int, tuple[str, str]] = {}
    found = []
    for node, line in zip(nodes, lines):
        own = _own_name(node, source)
        parts, span_parts = [own or ANONYMOUS], [own or f"{ANONYMOUS}@{line}"]
        parent = node.parent
        while parent is not None:
            if parent.id in named:
                parts.append(named[parent.id][0])
                span_parts.append(named[parent.id][1])
                break
            scope = _scope_name(parent, source)
            if scope:
                parts.append(scope)
                span_parts.append(scope)
            parent = parent.parent
        names = (".".join(reversed(parts)), ".".join(reversed(span_parts)))
        named[node.id] = names
        found.append(names)
    return found


def bound_names(source: bytes, node: Node | None) -> set[str]:
    """Names a parameter list or a binding pattern declares (not its defaults, keys or types)."""
    names: set[str] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        kind = current.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            names.add(text(source, current))
        elif kind in ("required_parameter", "optional_parameter"):
            stack.append(current.child_by_field_name("pattern"))
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            stack.append(current.child_by_field_name("left"))
        elif kind == "pair_pattern":
            stack.append(current.child_by_field_name("value"))
        elif kind in ("formal_parameters", "object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(current.named_children)
        stack = [n for n in stack if n is not None]
    return names


def var_names(source: bytes, body: Node) -> set[str]:
    """Every `var` of a function body, nested blocks included, nested functions and classes not."""
    names: set[str] = set()
    stack = list(body.named_children)
    while stack:
        current = stack.pop()
        if current.type in FUNCTIONS or current.type in ("class_body", "class_static_block"):
            continue
        if current.type == "variable_declaration":
            for declarator in current.named_children:
                if declarator.type == "variable_declarator":
                    names |= bound_names(source, declarator.child_by_field_name("name"))
        elif current.type == "for_in_statement" and node_text(current.child_by_field_name("kind")) == "var":
            names |= bound_names(source, current.child_by_field_name("left"))
        stack.extend(current.named_children)
    return names


def text(source: bytes, node: Node | None) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace") if node is not None else ""


def node_text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _own_name(node: Node, source: bytes) -> str | None:
    name = node.child_by_field_name("name")
    if node.type == "method_definition":
        return _key_name(name, source)
    return text(source, name) if name is not None else _context_name(node, source)


def _scope_name(node: Node, source: bytes) -> str | None:
    if node.type in _CLASSES:
        name = node.child_by_field_name("name")
        return text(source, name) if name is not None else _context_name(node, source)
    if node.type == "object":
        return _context_name(node, source)
    if node.type in _NAMESPACES:
        return text(source, node.child_by_field_name("name")) or None
    return None


def _context_name(node: Node, source: bytes) -> str | None:
    """The name an anonymous function, class or object literal is given by where it stands."""
    child, parent = node, node.parent
    while parent is not None and parent.type in _TRANSPARENT:
        child, parent = parent, parent.parent
    if parent is None:
        return None
    kind = parent.type

    def field(name: str) -> Node | None:
        return parent.child_by_field_name(name)

    def is_(name: str) -> bool:
        found = field(name)
        return found is not None and found.id == child.id

    if kind == "variable_declarator" and is_("value"):
        name = field("name")
        return text(source, name) if name.type == "identifier" else None
    if kind in ("assignment_expression", "augmented_assignment_expression") and is_("right"):
        return _member_chain(field("left"), source)
    if kind == "pair" and is_("value"):
        return _key_name(field("key"), source)
    if kind in ("field_definition", "public_field_definition") and is_("value"):
        return _key_name(field("property") or field("name"), source)
    if kind == "assignment_pattern" and is_("right"):
        left = field("left")
        return text(source, left) if left.type == "identifier" else None
    if kind == "export_statement":
        return "default"
    return None


def _member_chain(node: Node, source: bytes) -> str | None:
    """``Cart.prototype.total`` → ``Cart.total``; ``module.exports.f`` → ``f``; ``this.f`` → ``f``."""
    parts = []
    while node.type == "member_expression":
        parts.append(text(source, node.child_by_field_name("property")))
        node = node.child_by_field_name("object")
    if node.type == "identifier":
        parts.append(text(source, node))
    elif node.type != "this":
        return None
    parts.reverse()
    if parts[:2] == ["module", "exports"]:
        parts = parts[2:] or ["exports"]
    elif parts[:1] == ["exports"]:
        parts = parts[1:] or ["exports"]
    return ".".join(p for p in parts if p != "prototype") or None


def _key_name(key: Node | None, source: bytes) -> str | None:
    if key is None:
        return None
    if key.type == "string":
        return text(source, key)[1:-1]
    if key.type == "computed_property_name":
        inner = key.named_children[0] if key.named_children else None
        if inner is not None and inner.type == "member_expression":  # [Symbol.iterator] → iterator
            return text(source, inner.child_by_field_name("property"))
        return text(source, inner)[1:-1] if inner is not None and inner.type == "string" else "<computed>"
    return text(source, key)
