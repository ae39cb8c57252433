"""Java span attributes (``--llm enrich``): values that compile for sure, judged from the file alone.

    {I}telemetry_inject.Telemetry.attr("cart.size", () -> items.size());

The supplier runs only when the span is recorded and whatever it throws is
swallowed (the runtime's header), but javac still checks it: a captured local
must be effectively final, a member must exist on the declared type, and an
unreachable statement does not compile. So the value is one of a few shapes
whose validity the method's tree and its file show:

- a root: a parameter never reassigned in the method; a local declared with a
  value by a top-level statement above the line and never reassigned; ``this.f``
  or ``f``, a non-static field the enclosing class declares, in an instance
  method that is not a constructor (a final field may not be assigned yet),
  ``f`` only when no parameter or local of the method is named ``f``;
- alone, or with one member: ``.length`` of an array or varargs;
  ``.size()``/``.isEmpty()`` of a java.util collection or map (imported by name
  or written fully qualified); ``.length()`` of String, CharSequence or
  StringBuilder, ``.isEmpty()`` of String; a no-argument, non-void, non-private,
  non-static, not deprecated ``getX()``/``isX()`` that declares no ``throws`` (a
  Supplier may not throw a checked exception), or a record component's accessor,
  of a class or record declared in the same file.

javac reads a Unicode escape before anything else (``// \u000a x++;`` is an
increment), and a lone carriage return ends a ``//`` comment; the tree does not
see either, so a file with an escape of an ASCII character or a lone CR gets no
attribute.

What one file cannot show stays a small risk: a class named like a java.lang
type (``String``) in another file of the same package, or a member type
inherited from a superclass elsewhere that hides a same-named class of this file.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from telemetry_inject.llm.wrapped_attrs import Method, attribute_name, secret_in, straddling

RULES = """You add telemetry to one Java method or constructor.
Return it exactly as given, every line byte for byte, with these lines added:
after the line that opens the body (after a leading this(...) or super(...) call line in a constructor):
{open}
then one to five span attribute lines at the same indentation, statements of the method's own body
(never inside an if, a loop or a block), of the form
    telemetry_inject.Telemetry.attr("lowercase.dotted.name", () -> <value>);
and directly before the line that closes the body:
{close}
The value must compile and only read. It is a parameter, or a local declared with a value by a
statement above the attribute line, never reassigned in the method; or, in an instance method
that is not a constructor, this.field for a field the class declares. Alone, or with one of:
.length of an array, .size() or .isEmpty() of a java.util collection or map, .length() of a
String, .isEmpty() of a String, a getX()/isX() getter or record accessor of a class in this file.
No other calls, no `new`, no operators, no assignments. No attribute line after a return, throw,
loop, switch, try or if-else statement. Pick meaningful values: ids, sizes, counts, statuses.
Never secrets. If nothing qualifies, add no attribute line.
Use the span name, file and line given. Answer with the method only."""
ATTR_START = re.compile(r"[ \t]*telemetry_inject\.Telemetry\.attr\b")
METHOD_TYPES = ("method_declaration", "constructor_declaration", "compact_constructor_declaration")
_FORM = re.compile(r'(?P<indent>[ \t]*)telemetry_inject\.Telemetry\.attr\((?P<key>"[^"]*"), \(\) -> (?P<value>.+?)\);')
_VALUE = re.compile(r"(?:(?P<this>this)\.)?(?P<root>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?P<member>[A-Za-z_][A-Za-z0-9_]*)(?P<call>\(\))?)?")
_KEYWORDS = frozenset({"this", "super", "null", "true", "false", "class", "new", "var", "int", "long", "boolean", "_"})
_SHAPES = "a name or this.field, alone or with .length, .size(), .isEmpty(), .length() or a getter"
_COLLECTIONS = frozenset({
    "Collection", "List", "ArrayList", "LinkedList", "Vector", "Stack", "Set", "HashSet", "LinkedHashSet", "TreeSet", "SortedSet",
    "NavigableSet", "EnumSet", "Queue", "Deque", "ArrayDeque", "PriorityQueue", "Map", "HashMap", "LinkedHashMap", "TreeMap",
    "SortedMap", "NavigableMap", "EnumMap", "IdentityHashMap", "WeakHashMap", "Hashtable",
})
_STRINGS = frozenset({"String", "CharSequence", "StringBuilder"})
# Statements that complete normally whenever they are reached (JLS 14.22): an attribute after them is reachable.
_COMPLETES = frozenset({
    "local_variable_declaration", "expression_statement", "enhanced_for_statement", "assert_statement", "explicit_constructor_invocation",
    "line_comment", "block_comment", "class_declaration", "record_declaration", "enum_declaration", "interface_declaration",
})
_TYPE_DECLARATIONS = ("class_declaration", "record_declaration", "enum_declaration", "interface_declaration")
# What javac decodes or breaks lines at and the tree does not: a Unicode escape (an odd run of backslashes) of an ASCII
# character, and a carriage return without its line feed.
_HIDDEN_CODE = re.compile(rb"(?<!\\)(?:\\\\)*\\u+00[0-7][0-9a-fA-F]|\r(?!\n)")


class _Declared(NamedTuple):
    type: object  # the tree-sitter type node (None: not known)
    array: bool
    initialized: bool = True  # a local declared without a value is not definitely assigned


def check(line: str, pos: int, method: Method) -> tuple[str, str]:
    """(problem, attribute name) for one attribute line to be inserted at byte ``pos`` of the file."""
    form = _FORM.fullmatch(line)
    if form is None:
        return 'not the form telemetry_inject.Telemetry.attr("name", () -> value);', ""
    if form["indent"] != method.indent:
        return f"an attribute line goes at the body's indentation ({method.indent!r})", ""
    problem, name = attribute_name(form["key"])
    if not problem and _HIDDEN_CODE.search(method.source):
        problem = ("the file has a Unicode escape of an ASCII character or a lone carriage return: javac reads code there "
                   "(`// \\u000a x++;` increments x) that the names cannot be checked against")
    return (problem, "") if problem else ((_placement(method, pos) or _value(form["value"], pos, method)), name)


def _placement(method: Method, pos: int) -> str:
    body = method.node.child_by_field_name("body")
    inside = straddling(body, pos)
    if inside is not None:
        return f"an attribute must be a statement of the function's own body at its top level (here it would be inside a {inside.type})"
    for child in body.named_children:
        if child.end_byte <= pos and child.type not in _COMPLETES and not (child.type == "if_statement" and child.child_by_field_name("alternative") is None):
            return f"an attribute after a {child.type} may be unreachable (javac refuses unreachable statements): put it above"
    return ""


def _value(value: str, pos: int, method: Method) -> str:
    if re.search(r"\bnew\b", value):
        return "`new` is not allowed in an attribute value (only reads)"
    if re.search(r"(?<![=!<>])=(?!=)|\+\+|--", value):
        return "assignments are not allowed in an attribute value"
    if "_tel" in value:
        return "the runtime's own names (_tel…) are not attribute values"
    secret = secret_in(value)
    if secret:
        return f"`{secret}` looks like a secret"
    if re.search(r"\((?!\))", value):
        return "calls with arguments are not allowed in an attribute value"
    shape = _VALUE.fullmatch(value)
    if shape is None or shape["root"] in _KEYWORDS:
        return f"`{value}` is not allowed in an attribute value: it must be {_SHAPES}"
    scope = _Scope(method, pos)
    declared = scope.resolve(shape["root"], bool(shape["this"]))
    if isinstance(declared, str):
        return declared
    return _member(scope, shape["root"], declared, shape["member"], bool(shape["call"]))


def _member(scope: _Scope, root: str, declared: _Declared, member: str | None, call: bool) -> str:
    if member is None:
        return ""
    kind, name, decl = scope.kind(declared)
    described = _text(declared.type) + ("[]" if declared.array and declared.type is not None and declared.type.type != "array_type" else "")
    if not call:
        return "" if member == "length" and kind == "array" else f"`.{member}` is not allowed on `{root}` (declared `{described}`): only .length of an array"
    if (member in ("size", "isEmpty") and kind == "collection") or (member == "length" and kind == "string") or (member == "isEmpty" and kind == "string" and name == "String"):
        return ""
    if kind == "class":
        return _getter(decl, member)
    return (f"`.{member}()` is not allowed on `{root}` (declared `{described}`): only size()/isEmpty() of a java.util collection imported by name, "
            "length() of a String, or a getter of a class in this file")


def _getter(decl, member: str) -> str:
    body = decl.child_by_field_name("body")
    components = [_text(p.child_by_field_name("name")) for p in _record_components(decl)]
    own = [m for m in (body.named_children if body is not None else ()) if m.type == "method_declaration" and _text(m.child_by_field_name("name")) == member]
    if not re.fullmatch(r"(?:get|is)[A-Z]\w*", member) and member not in components:
        return f"`{member}()` is not a getter (getX(), isX()) or a record accessor"
    for method in own:
        parameters = method.child_by_field_name("parameters")
        modifiers = _modifiers(method)
        if (parameters is not None and not parameters.named_children and method.child_by_field_name("type").type != "void_type"
                and not {"private", "static", "Deprecated"} & modifiers and not any(c.type == "throws" for c in method.children)):
            return ""
    component = next((c for c in _record_components(decl) if _text(c.child_by_field_name("name")) == member), None)
    if component is not None and not own and "Deprecated" not in _modifiers(component):  # the accessor inherits the annotation
        return ""
    return (f"{_text(decl.child_by_field_name('name'))} declares no `{member}()` getter without parameters that is non-void, non-private, "
            "non-static, not deprecated and throws nothing checked (no throws clause)")


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
        for node in _walk(self.node):
            if node.type == "assignment_expression":
                names.add(_text(_unparenthesized(node.child_by_field_name("left"))))
            elif node.type == "update_expression":  # `(x)++` increments x too
                names.update(_text(_unparenthesized(c)) for c in node.named_children)
        return names

    def _declared_anywhere(self) -> set[str]:
        names = set()
        for node in _walk(self.node):
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
    for node in _walk(root):
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


def _walk(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else "?"
