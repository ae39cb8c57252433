"""What a Go attribute value may read, proven from the source alone (no compiler, nothing run).

A value's root is a name the function declares: a parameter, the receiver, a named
result, or a local of a top-level statement above the line. Its type is known only
when written in the declaration; without one (``:=``, ``var x = …``, a name declared
twice) only the bare name, and only when its value is surely a number or a string (a
literal, the builtin ``len(…)``, an untyped constant of a literal that fits an int32 or
a float64: ``const big = 1 << 100`` compiles until something reads it). Fields are
followed only through structs declared in the same file (``T`` or ``*T``, fields the
struct itself declares, never the blank ``_``); ``len`` only of a slice, array, map,
string or channel, through types of the same file, and only while nothing (the file,
a parameter, a local, a type parameter, a local type) takes the name ``len``. The
value itself must be written as it is, not through fmt (which prints every field of a
struct or pointer, and runs String methods, which may lock or write): a predeclared
bool, number or string type, time.Time or time.Duration; never a type declared in the
package (``type Level int`` may have a String method in any of its files). Copying such
a value is never go vet's copylocks.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from telemetry_inject.engine.units import descendants

if TYPE_CHECKING:
    from telemetry_inject.llm.go_scope import FunctionFacts

PREDECLARED = frozenset("any bool byte comparable complex64 complex128 error float32 float64 int int8 int16 int32 int64 "
                        "rune string uint uint8 uint16 uint32 uint64 uintptr".split())
SCALARS = PREDECLARED - {"any", "comparable", "error"}
PRINTED_QUALIFIED = frozenset({("time", "Time"), ("time", "Duration")})
# A variadic parameter's type is its declaration (`xs ...int`): a slice.
_LEN_KINDS = frozenset({"slice_type", "array_type", "map_type", "channel_type", "variadic_parameter_declaration"})


class TypeRef(NamedTuple):
    node: object  # a tree-sitter type node, pointers taken off
    pointers: int


class FileTypes(NamedTuple):
    types: dict  # type name -> its declared type node
    generic: frozenset  # types with type parameters: their fields' types are not followed
    imports: dict  # package name -> import path
    len_declared: bool  # something in the package scope of this file is named len


def parse(source: bytes):
    from telemetry_inject.languages import LANGUAGES

    return LANGUAGES["go"].parser().parse(source)  # a parser per call: verifiers run on threads


@lru_cache(maxsize=4)
def file_types(raw: bytes) -> FileTypes:
    """The type declarations and imports of one Go file."""
    tree = parse(raw)
    types, generic, imports, names = {}, set(), {}, set()
    for declaration in tree.root_node.named_children:
        if declaration.type == "type_declaration":
            for spec in (s for s in declaration.named_children if s.type in ("type_spec", "type_alias")):
                name, kind = spec.child_by_field_name("name"), spec.child_by_field_name("type")
                if name is not None and kind is not None:
                    types[name.text.decode()] = kind
                    names.add(name.text.decode())
                    if spec.child_by_field_name("type_parameters") is not None:
                        generic.add(name.text.decode())
        elif declaration.type == "import_declaration":
            for spec in (n for n in descendants(declaration) if n.type == "import_spec"):
                path = spec.child_by_field_name("path").text.decode().strip('"`')
                alias = spec.child_by_field_name("name")
                imports[alias.text.decode() if alias is not None else path.rsplit("/", 1)[-1]] = path
        elif declaration.type in ("function_declaration", "var_declaration", "const_declaration"):
            names.update(n.text.decode() for n in descendants(declaration) if n.type == "identifier" and n.parent.type in
                         ("function_declaration", "var_spec", "const_spec"))
    if tree.root_node.has_error:
        return FileTypes({}, frozenset(), {}, True)
    return FileTypes(types, frozenset(generic), imports, "len" in names or "len" in imports)


def type_ref(node) -> TypeRef:
    pointers = 0
    while node.type in ("pointer_type", "parenthesized_type") and node.named_children:
        pointers += node.type == "pointer_type"
        node = node.named_children[-1]
    return TypeRef(node, pointers)


def resolve(facts: FunctionFacts, node):
    """The type node a named type stands for (through file-level declarations), or None when unknown."""
    for _ in range(16):
        if node.type == "parenthesized_type" and node.named_children:
            node = node.named_children[-1]
            continue
        if node.type != "type_identifier":
            return node
        name = node.text.decode()
        if name in facts.shadowed or name in facts.file.generic:
            return None
        if name not in facts.file.types:
            return node if name in PREDECLARED else None
        node = facts.file.types[name]
    return None


def struct_of(facts: FunctionFacts, ref: TypeRef):
    if ref.pointers > 1:
        return None
    underlying = resolve(facts, ref.node)
    return underlying if underlying is not None and underlying.type == "struct_type" else None


def field_type(struct, name: str) -> TypeRef | None:
    fields = next((c for c in struct.named_children if c.type == "field_declaration_list"), None)
    for declaration in (fields.named_children if fields is not None else []):
        kind = declaration.child_by_field_name("type")
        if declaration.type != "field_declaration" or kind is None:
            continue
        names = declaration.children_by_field_name("name")
        if names:
            if any(n.text.decode() == name for n in names):
                return type_ref(kind)
        else:  # embedded: the field is named after its type
            base = kind.child_by_field_name("name") if kind.type == "qualified_type" else kind
            if base is not None and base.type == "type_identifier" and base.text.decode() == name:
                return TypeRef(kind, int(any(c.type == "*" for c in declaration.children)))
    return None


def has_len(facts: FunctionFacts, ref: TypeRef) -> bool:
    underlying = resolve(facts, ref.node) if ref.pointers == 0 else None
    return underlying is not None and (underlying.type in _LEN_KINDS or (underlying.type == "type_identifier" and underlying.text == b"string"))


def printable(facts: FunctionFacts, ref: TypeRef) -> bool:
    """A value the runtime writes without running user code: a predeclared bool, number or string type, time.Time,
    time.Duration. A type declared in the package goes through fmt, which runs its String method if it has one."""
    if ref.pointers:
        return False
    if ref.node.type == "qualified_type":
        package, name = ref.node.child_by_field_name("package"), ref.node.child_by_field_name("name")
        return package is not None and name is not None and (facts.file.imports.get(package.text.decode()), name.text.decode()) in PRINTED_QUALIFIED
    name = ref.node.text.decode()
    return ref.node.type == "type_identifier" and name in SCALARS and name not in facts.file.types and name not in facts.shadowed


def builtin_len(facts: FunctionFacts) -> bool:
    """``len`` is the builtin: nothing in the file or the function (a parameter, a local, a type parameter, a local type) takes the name."""
    return not facts.file.len_declared and "len" not in facts.bindings and "len" not in facts.shadowed


def shown(ref: TypeRef) -> str:
    return "*" * ref.pointers + ref.node.text.decode()
