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

from telemetry_inject.llm.java_types import _Declared, _modifiers, _record_components, _Scope, _text
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
# Statements that complete normally whenever they are reached (JLS 14.22): an attribute after them is reachable.
_COMPLETES = frozenset({
    "local_variable_declaration", "expression_statement", "enhanced_for_statement", "assert_statement", "explicit_constructor_invocation",
    "line_comment", "block_comment", "class_declaration", "record_declaration", "enum_declaration", "interface_declaration",
})
# What javac decodes or breaks lines at and the tree does not: a Unicode escape (an odd run of backslashes) of an ASCII
# character, and a carriage return without its line feed.
_HIDDEN_CODE = re.compile(rb"(?<!\\)(?:\\\\)*\\u+00[0-7][0-9a-fA-F]|\r(?!\n)")


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
