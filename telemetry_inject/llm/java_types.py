"""What the names a Java attribute value reads are declared as, read off the method's file (llm/java_attrs.py checks it).

The scope at a line of a method (parameters, locals declared above it, the enclosing
class's instance fields and record components, what is reassigned or declared anywhere
in the method) and the kind of a declared type: an array, a java.util collection or
map, a String-like java.lang type, or a class or record of the same file.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from telemetry_inject.engine.units import descendants
from telemetry_inject.llm.wrapped_attrs import Method

_COLLECTIONS = frozenset({
    "Collection", "List", "ArrayList", "LinkedList", "Vector", "Stack", "Set", "HashSet", "LinkedHashSet", "TreeSet", "SortedSet",
    "NavigableSet", "EnumSet", "Queue", "Deque", "ArrayDeque", "PriorityQueue", "Map", "HashMap", "LinkedHashMap", "TreeMap",
    "SortedMap", "NavigableMap", "EnumMap", "IdentityHashMap", "WeakHashMap", "Hashtable",
})
_STRINGS = frozenset({"String", "CharSequence", "StringBuilder"})
_TYPE_DECLARATIONS = ("class_declaration", "record_declaration", "enum_declaration", "interface_declaration")


class _Declared(NamedTuple):
    type: object  # the tree-sitter type node (None: not known)
    array: bool
    initialized: bool = True  # a local declared without a value is not definitely assigned


class _Scope:
    """The names an attribute at ``pos`` may read, and what their declared types allow."""

    def __init__(self, method: Method, pos: int) -> None:
        self.node = method.node
        self.body = method.node.child_by_field_name("body")
        self.pos = pos
        self.decl = _enclosing_type(method.node)
        modifiers = _modifiers(method.node)
        self.static = "static" in modifiers
        self.constructor = method.node.type != "method_declaration"

    def resolve(self, root: str, qualified: bool) -> _Declared | str:
        fields = self._fields()
        if not qualified:
            parameters = self._parameters()
            found = parameters.get(root) or self._locals_above().get(root)
            if found is not None:
                if not found.initialized:
                    return f"local `{root}` is declared without a value"
                if root in self._assigned():
                    return f"`{root}` is reassigned in the method (a lambda can only read effectively final variables)"
                return found
            if root in self._declared_anywhere():
                return f"`{root}` is not a parameter, or a local declared with a value by a statement of the body above the attribute"
            if root not in fields:
                return f"`{root}` is not a parameter, a local declared above, or a field of the class"
        if self.static:
            return "fields and `this` are not attribute values in a static method"
        if self.constructor:
            return "fields are not attribute values in a constructor (a final field may not be assigned yet)"
        if root not in fields:
            return f"`this.{root}`: the class declares no instance field `{root}`"
        return fields[root]

    def _parameters(self) -> dict[str, _Declared]:
        if self.node.type == "compact_constructor_declaration":
            nodes = _record_components(self.decl) if self.decl is not None else []
        else:
            parameters = self.node.child_by_field_name("parameters")
            nodes = parameters.named_children if parameters is not None else []
        found = {}
        for p in nodes:
            if p.type == "formal_parameter":
                found[_text(p.child_by_field_name("name"))] = _Declared(p.child_by_field_name("type"), _is_array(p))
            elif p.type == "spread_parameter":
                declarator = next((c for c in p.named_children if c.type == "variable_declarator"), None)
                if declarator is not None:
                    found[_text(declarator.child_by_field_name("name"))] = _Declared(p.named_children[0], True)
        return found

    def _locals_above(self) -> dict[str, _Declared]:
        found = {}
        for statement in self.body.named_children:
            if statement.type == "local_variable_declaration" and statement.end_byte <= self.pos:
                kind = statement.child_by_field_name("type")
                for declarator in statement.children_by_field_name("declarator"):
                    initialized = declarator.child_by_field_name("value") is not None
                    found[_text(declarator.child_by_field_name("name"))] = _Declared(kind, _is_array(declarator), initialized)
        return found

    def _assigned(self) -> set[str]:
        names = set()
        for node in descendants(self.node, named=False):
            if node.type == "assignment_expression":
                names.add(_text(_unparenthesized(node.child_by_field_name("left"))))
            elif node.type == "update_expression":  # `(x)++` increments x too
                names.update(_text(_unparenthesized(c)) for c in node.named_children)
        return names

    def _declared_anywhere(self) -> set[str]:
        names = set()
        for node in descendants(self.node, named=False):
            if node.type in ("variable_declarator", "formal_parameter", "catch_formal_parameter", "enhanced_for_statement", "resource",
                             "instanceof_expression", "type_pattern", "record_pattern_component"):
                name = node.child_by_field_name("name")
                names.update(_text(c) for c in ([name] if name is not None else node.named_children) if c.type == "identifier")
            elif node.type in ("lambda_expression", "inferred_parameters"):
                parameters = node.child_by_field_name("parameters") if node.type == "lambda_expression" else node
                if parameters is not None:
                    names.update(_text(c) for c in ([parameters] if parameters.type == "identifier" else parameters.named_children) if c.type == "identifier")
        return names

    def _fields(self) -> dict[str, _Declared]:
        if self.decl is None or self.decl.type == "interface_declaration":
            return {}
        found = {_text(p.child_by_field_name("name")): _Declared(p.child_by_field_name("type"), _is_array(p)) for p in _record_components(self.decl)}
        body = self.decl.child_by_field_name("body")
        members = list(body.named_children) if body is not None else []
        members += [m for c in members if c.type == "enum_body_declarations" for m in c.named_children]
        for member in members:
            if member.type == "field_declaration" and "static" not in _modifiers(member):
                for declarator in member.children_by_field_name("declarator"):
                    found[_text(declarator.child_by_field_name("name"))] = _Declared(member.child_by_field_name("type"), _is_array(declarator))
        return found

    def kind(self, declared: _Declared) -> tuple[str, str, object]:
        """("array" | "collection" | "string" | "class" | "other", the type's name, its declaration in this file)."""
        if declared.array or (declared.type is not None and declared.type.type == "array_type"):
            return "array", "", None
        base = declared.type
        if base is None:
            return "other", "", None
        if base.type == "generic_type":
            base = base.named_children[0]
        text = re.sub(r"\s+", "", _text(base))
        if base.type == "scoped_type_identifier":
            head, _, name = text.rpartition(".")
            if head == "java.util" and name in _COLLECTIONS:
                return "collection", name, None
            return ("string", name, None) if head == "java.lang" and name in _STRINGS else ("other", name, None)
        if base.type != "type_identifier":
            return "other", text, None
        root = self.node
        while root.parent is not None:
            root = root.parent
        declared_here, imported, parameters = _file_types(root)
        if text in parameters:
            return "other", text, None
        mine = declared_here.get(text, [])
        if text in _COLLECTIONS and imported.get(text) == f"java.util.{text}" and not mine:
            return "collection", text, None
        if text in _STRINGS and imported.get(text, f"java.lang.{text}") == f"java.lang.{text}" and not mine:
            return "string", text, None
        if len(mine) == 1 and text not in imported and mine[0].type in ("class_declaration", "record_declaration") and self._in_scope(mine[0]):
            return "class", text, mine[0]
        return "other", text, None

    def _in_scope(self, decl) -> bool:
        """Top level, or a member of a class around the method: its simple name means it there."""
        owner = decl.parent.parent if decl.parent is not None and decl.parent.type in ("class_body", "enum_body_declarations") else None
        if decl.parent is not None and decl.parent.type == "program":
            return True
        enclosing = self.decl
        while enclosing is not None:
            if owner is not None and (owner.id == enclosing.id or (owner.type == "enum_body" and owner.parent.id == enclosing.id)):
                return True
            enclosing = _enclosing_type(enclosing)
        return False


def _file_types(root) -> tuple[dict[str, list], dict[str, str], set[str]]:
    """(type declarations by simple name, single-type imports by simple name, type parameter names) of the file."""
    declared, imported, parameters = {}, {}, set()
    for node in descendants(root, named=False):
        if node.type in (*_TYPE_DECLARATIONS, "annotation_type_declaration"):
            declared.setdefault(_text(node.child_by_field_name("name")), []).append(node)
        elif node.type == "type_parameter":
            parameters.update(_text(c) for c in node.named_children[:1])
        elif node.type == "import_declaration":
            text = re.sub(r"\s+", " ", _text(node)).strip()
            match = re.fullmatch(r"import ([\w.]+)\s?;", text)
            if match:
                imported[match[1].rpartition(".")[2]] = match[1]
    return declared, imported, parameters


def _enclosing_type(node):
    parent = node.parent
    while parent is not None and parent.type not in _TYPE_DECLARATIONS:
        if parent.type in ("object_creation_expression", "block", "constructor_body", "enum_constant"):
            return None  # an anonymous or local class, or an enum constant's body: no fields known to be readable
        parent = parent.parent
    return parent


def _record_components(decl) -> list:
    parameters = decl.child_by_field_name("parameters") if decl.type == "record_declaration" else None
    return [p for p in parameters.named_children if p.type == "formal_parameter"] if parameters is not None else []


def _modifiers(node) -> set[str]:
    """Modifier keywords, and annotation names (``Deprecated``) without their package."""
    found = set()
    for modifiers in (c for c in node.children if c.type == "modifiers"):
        for child in modifiers.children:
            if child.type in ("marker_annotation", "annotation"):
                found.add(_text(child.child_by_field_name("name")).rpartition(".")[2])
            else:
                found.add(_text(child))
    return found


def _is_array(node) -> bool:
    return node.child_by_field_name("dimensions") is not None or any(c.type == "dimensions" for c in node.children)


def _unparenthesized(node):
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else "?"
