"""What a TypeScript file says about the types an attribute value may read (llm/typescript.py checks it).

Read off the file's text alone: the type names declared once at its top level and what
each is (``string``, an array, an object type of the file, or not known here), the
public non-optional properties of its interfaces, object type aliases and classes, the
fields ``this`` has in a class's own method, and the summary of them the prompt shows.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from telemetry_inject.engine.source import read_source
from telemetry_inject.engine.units import descendants

_CLASSES = ("class_declaration", "abstract_class_declaration", "class")
_TYPE_DECLARATIONS = ("interface_declaration", "type_alias_declaration", "enum_declaration", "internal_module", "module", *_CLASSES)
_MAX_ALIASES = 8  # alias-of-alias chains followed before giving up (and cycles)


class TypeFacts(NamedTuple):
    """What one function's file says about the types its attributes may read. A type is said as
    "string", "array", "object:Name" (an object type declared in the file) or None (not known here)."""

    grammar: str  # "typescript" or "tsx"
    names: Mapping[str, str | None]  # type names declared once at the file's top level: what each one is (Type)
    members: Mapping[str, Mapping[str, str | None]]  # "Name" of an object type: its public, non-optional properties
    this_fields: Mapping[str, str | None] | None  # the enclosing class's instance fields; None: `this` is not allowed
    span: tuple[int, int] | None  # javascript.span_lines


@lru_cache(maxsize=2)
def _parser(grammar: str):
    import tree_sitter

    from telemetry_inject.languages import grammar as load

    return tree_sitter.Parser(load("tree_sitter_typescript", "language_tsx" if grammar == "tsx" else "language_typescript"))


# --- what the file declares ---------------------------------------------------------------------


def type_facts(raw: bytes, start_byte: int, end_byte: int, span: tuple[int, int] | None = None) -> TypeFacts:
    """The facts for the function at ``start_byte:end_byte`` (offsets past a BOM, as the units carry them)."""
    source = read_source(raw).parse_bytes
    grammar = "typescript"
    tree = _parser(grammar).parse(source)
    if tree.root_node.has_error and not _parser("tsx").parse(source).root_node.has_error:  # as languages.javascript parses
        grammar = "tsx"
        tree = _parser(grammar).parse(source)
    declared = _declarations(tree.root_node)
    single = {name: nodes[0] for name, nodes in declared.items() if len(nodes) == 1}
    arrays = {"Array", "ReadonlyArray"} - set(declared)  # the global ones, unless the file has its own
    named = _resolver(single, arrays)
    names = {**{name: "array" for name in arrays}, **{name: named(name) for name in single}}
    members = {name: _members(node, names, public=True) for name, node in single.items() if names[name] == "object:" + name}
    function = _node_at(tree.root_node, start_byte, end_byte)
    local = _local_names(function)
    names = {name: kind for name, kind in names.items() if name not in local}
    return TypeFacts(grammar, names, members, _this_fields(function, names), span)


def _declarations(root) -> dict[str, list]:
    """The file's top-level type declarations by name (a name declared twice is merged or an error: not used)."""
    declared: dict[str, list] = {}
    for statement in root.named_children:
        node = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        name = node.child_by_field_name("name") if node is not None and node.type in _TYPE_DECLARATIONS else None
        if name is not None:
            declared.setdefault(name.text.decode(), []).append(node)
    return declared


def _local_names(function) -> set[str]:
    """Type names that may mean something else inside ``function``: type parameters and type declarations
    anywhere in the top-level statement that holds it (its own, its class's, a namespace's)."""
    top = function
    while top is not None and top.parent is not None and top.parent.parent is not None:
        top = top.parent
    names: set[str] = set()
    for node in descendants(top) if top is not None else ():
        if node.type == "type_parameter" or (node.type in _TYPE_DECLARATIONS and node != top and node.parent != top):
            name = node.child_by_field_name("name")
            names.update([name.text.decode()] if name is not None else [])
    return names


def _resolver(single: dict, arrays: set[str]):
    """``named(name) -> Type`` for the file's top-level type names, following aliases."""

    def named(name: str, depth: int = 0) -> str | None:
        node = single.get(name)
        if node is None:
            return "array" if name in arrays else None
        if depth > _MAX_ALIASES:
            return None
        if node.type in ("interface_declaration", *_CLASSES):
            return "object:" + name
        if node.type != "type_alias_declaration":
            return None  # an enum, a namespace
        value = node.child_by_field_name("value")
        if value is not None and value.type == "object_type":
            return "object:" + name
        if node.child_by_field_name("type_parameters") is not None:
            return None  # `type Maybe<T> = T | null`: what it is depends on T
        return _type_of(value, lambda other: named(other, depth + 1))

    return named


def _type_of(node, named) -> str | None:
    """The Type a type annotation (or the type inside it) denotes; ``named`` resolves a type name."""
    while node is not None and node.type in ("type_annotation", "parenthesized_type", "readonly_type"):
        inner = [c for c in node.named_children]
        if node.type == "readonly_type" and (not inner or inner[0].type not in ("array_type", "tuple_type")):
            return None
        node = inner[0] if inner else None
    if node is None:
        return None
    if node.type == "predefined_type":
        return "string" if node.text == b"string" else None
    if node.type in ("array_type", "tuple_type"):
        return "array"
    if node.type == "type_identifier":
        return named(node.text.decode())
    if node.type == "generic_type":  # a generic interface or class has its properties whatever its arguments
        name = node.child_by_field_name("name")
        return named(name.text.decode()) if name is not None and name.type == "type_identifier" else None
    return None


def _members(declaration, names: Mapping[str, str | None], public: bool) -> dict[str, str | None]:
    """The non-optional properties an interface, an object type alias or a class (instance side) declares."""
    own = _local_names(declaration)  # `interface Box<T> { value: T }`: T is not the file's T
    named = lambda name: None if name in own else names.get(name)
    if declaration.type == "type_alias_declaration":
        declaration = declaration.child_by_field_name("value")
    body = declaration.child_by_field_name("body") if declaration.type != "object_type" else declaration
    found: dict[str, str | None] = {}
    for member in body.named_children if body is not None else ():
        keywords = {c.type for c in member.children if not c.is_named}
        access = next((c.text for c in member.named_children if c.type == "accessibility_modifier"), b"public")
        name = member.child_by_field_name("name")
        if member.type in ("property_signature", "public_field_definition") and name is not None:
            if "?" in keywords or "static" in keywords or (public and (access != b"public" or name.type != "property_identifier")):
                continue
            if name.type in ("property_identifier", "private_property_identifier"):
                found[name.text.decode()] = _type_of(member.child_by_field_name("type"), named)
        elif member.type == "method_definition" and name is not None and name.text == b"constructor":
            found.update(_parameter_properties(member, named, public))
    return found


def _parameter_properties(constructor, named, public: bool) -> dict[str, str | None]:
    found = {}
    parameters = constructor.child_by_field_name("parameters")
    for parameter in parameters.named_children if parameters is not None else ():
        access = next((c.text for c in parameter.named_children if c.type == "accessibility_modifier"), None)
        readonly = any(c.type == "readonly" for c in parameter.children)
        pattern = parameter.child_by_field_name("pattern")
        if parameter.type != "required_parameter" or pattern is None or pattern.type != "identifier" or (access is None and not readonly):
            continue
        if not public or access in (None, b"public"):
            found[pattern.text.decode()] = _type_of(parameter.child_by_field_name("type"), named)
    return found


def _node_at(root, start_byte: int, end_byte: int):
    node = root
    while node is not None:
        if node.start_byte == start_byte and node.end_byte == end_byte and node.child_by_field_name("body") is not None:
            return node
        node = next((c for c in node.children if c.start_byte <= start_byte and end_byte <= c.end_byte), None)
    return None


def _this_fields(function, names: Mapping[str, str | None]) -> dict[str, str | None] | None:
    """The instance fields `this` has in ``function``: only a class's own method (not static, not the
    constructor, without a `this` parameter); None elsewhere."""
    if function is None or function.type != "method_definition" or function.parent is None or function.parent.type != "class_body":
        return None
    name = function.child_by_field_name("name")
    parameters = function.child_by_field_name("parameters")
    if any(c.type == "static" for c in function.children) or name is None or name.text == b"constructor":
        return None
    if parameters is not None and any(c.child_by_field_name("pattern") is None or c.child_by_field_name("pattern").type == "this"
                                      for c in parameters.named_children if c.type == "required_parameter"):
        return None
    cls = function.parent.parent
    return _members(cls, names, public=False) if cls is not None and cls.type in _CLASSES else None


def _object(kind: str | None) -> str | None:
    """The name of the declared object type ``kind`` is, if it is one."""
    return kind.removeprefix("object:") if kind and kind.startswith("object:") else None


# --- the prompt -------------------------------------------------------------------------------


def _prompt_types(facts: TypeFacts, text: bytes, limit: int = 12) -> str:
    """The declared types the function's text names (and their properties' types), for the model."""
    wanted = [name for name in facts.members if name.encode() in text and _object(facts.names.get(name)) == name]
    if facts.this_fields is not None:
        wanted += [_object(kind) for kind in facts.this_fields.values() if _object(kind)]
    shown: list[str] = []
    lines = []
    if facts.this_fields is not None:
        lines.append("- this: " + _listed(facts.this_fields))
    while wanted and len(shown) < limit:
        name = wanted.pop(0)
        if name in shown or name not in facts.members:
            continue
        shown.append(name)
        lines.append(f"- {name}: " + _listed(facts.members[name]))
        wanted += [_object(kind) for kind in facts.members[name].values() if _object(kind)]
    if not lines:
        return "\n\nNo type of this function's file has properties you may read: use parameters, locals and literals alone."
    return "\n\nTypes declared in this function's file, with the properties you may read:\n" + "\n".join(lines)


def _listed(fields: Mapping[str, str | None]) -> str:
    shown = [name + (f" ({kind.removeprefix('object:')})" if kind else "") for name, kind in fields.items()]
    return ", ".join(shown) or "(none)"
