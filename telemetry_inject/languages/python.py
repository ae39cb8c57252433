"""Python: one ``@_tel.span`` decorator line directly above ``def``, one import per file.

The decorator sits below every existing decorator (``@staticmethod``,
``@property``, ``@x.setter``...), so it wraps the plain function and the
runtime picks the sync / async / generator wrapper at decoration time.
"""
from __future__ import annotations

import pkgutil
import re
from functools import cached_property
from pathlib import Path

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine import trees
from telemetry_inject.engine.placement import RuntimeRef, python_runtime
from telemetry_inject.engine.units import Edit, FunctionUnit
from telemetry_inject.engine.units import line_end as _line_end

DECORATOR = b"@_tel.span"
RUNTIME_FILENAME = "_telemetry_utils.py"
_IMPORT_RE = re.compile(rb"[ \t]*(?:from [\w.]+ import \w+|import [\w.]+) as _tel[ \t]*\r?\n?")
_SKIP_PRAGMA = b"telemetry: skip"
# A function that looks at its caller's frame would see our wrapper's frame instead (I1).
_FRAME_WORDS = (b"f_back", b"_getframe", b"currentframe", b"inspect.stack")
_FRAME_ACCESS = re.compile(rb"\bf_back\b|\b_getframe\b|\bcurrentframe\b|\binspect\.stack\b")
_OVERLOAD = frozenset({"overload", "typing.overload", "typing_extensions.overload", "t.overload"})
# Tracing compilers read the function's source or bytecode; a wrapper breaks them.
_COMPILED = frozenset({"jit", "njit", "numba.jit", "numba.njit", "torch.jit.script", "cython.cfunc", "cython.ccall"})


def _moved(unit: FunctionUnit, by: int, rows: int, scope: str = "") -> FunctionUnit:
    """``unit`` as found ``by`` bytes and ``rows`` lines further down the file, inside ``scope`` (``Class.``)."""
    return FunctionUnit(
        scope + unit.qualname, unit.line + rows, unit.def_line + rows, unit.end_line + rows, unit.start_byte + by, unit.end_byte + by,
        unit.def_line_start + by, unit.indent, unit.is_async, unit.is_generator, unit.decorators, unit.instrumented,
        tuple(a + by for a in unit.anchors), tuple((a + by, b + by) for a, b in unit.markers), unit.skip_reason,
    )


def _line_start(node: tree_sitter.Node) -> int:
    return node.start_byte - node.start_point.column


def _decorator_name(source: bytes, node: tree_sitter.Node) -> str:
    text = source[node.start_byte + 1 : node.end_byte].decode("utf-8", "replace").strip()
    return text.split("(", 1)[0].strip()


class Python:
    name = "python"
    extensions = (".py",)
    skipped_suffixes: tuple[str, ...] = ()
    runtime_filename = RUNTIME_FILENAME

    @cached_property
    def _language(self) -> tree_sitter.Language:
        from telemetry_inject.languages import grammar

        return grammar("tree_sitter_python")

    @cached_property
    def _query(self) -> tree_sitter.Query:
        # pkgutil rather than importlib.resources: the latter imports tempfile & co. on the hook's path.
        text = pkgutil.get_data("telemetry_inject.languages", "queries/python.scm").decode("utf-8")
        return tree_sitter.Query(self._language, text)

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self._language)

    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]:
        # Both are rare: units are scanned only when the file mentions them (substring tests are fast).
        hints = (_SKIP_PRAGMA in source, any(word in source for word in _FRAME_WORDS) and _FRAME_ACCESS.search(source) is not None)
        memo = trees.memo()
        if memo is None:
            return self._units_under(tree.root_node, source, hints)
        units = self._remembered_units(tree.root_node, source, hints, memo.units, "")
        memo.bound_units()
        return units

    def _remembered_units(self, block: tree_sitter.Node, source: bytes, hints: tuple[bool, bool], known: dict, prefix: str) -> list[FunctionUnit]:
        """A hook server's units: per statement of the module and of each class body, from its text when seen before."""
        units = []
        for statement in block.children:
            definition = statement.child_by_field_name("definition") if statement.type == "decorated_definition" else statement
            if definition is not None and definition.type == "class_definition" and definition.child_by_field_name("body") is not None:
                name = definition.child_by_field_name("name").text.decode("utf-8", "replace")
                units += self._remembered_units(definition.child_by_field_name("body"), source, hints, known, f"{prefix}{name}.")
                continue
            line = statement.start_byte - statement.start_point.column
            context = source[source.rfind(b"\n", 0, max(line - 1, 0)) + 1 : statement.start_byte]  # indentation, the pragma line
            key = (hints, context, source[statement.start_byte : statement.end_byte])
            found = known.get(key)
            if found is None:
                found = known[key] = [_moved(u, -statement.start_byte, -statement.start_point.row) for u in self._units_under(statement, source, hints)]
            units += [_moved(u, statement.start_byte, statement.start_point.row, prefix) for u in found]
        return units

    def _units_under(self, node: tree_sitter.Node, source: bytes, hints: tuple[bool, bool]) -> list[FunctionUnit]:
        captures = tree_sitter.QueryCursor(self._query).captures(node)
        generators = {_enclosing_function_id(n) for n in captures.get("yield", [])}
        return [
            self._unit(source, n, qualname, n.id in generators, hints)
            for n, qualname in _qualnames(captures.get("function", []), captures.get("class", []))
        ]

    def _unit(self, source: bytes, node: tree_sitter.Node, qualname: str, is_generator: bool, hints: tuple[bool, bool]) -> FunctionUnit:
        parent = node.parent
        decorator_nodes = [c for c in parent.children if c.type == "decorator"] if parent.type == "decorated_definition" else []
        decorators = tuple(_decorator_name(source, d) for d in decorator_nodes)
        first = decorator_nodes[0] if decorator_nodes else node
        def_line_start = _line_start(node)
        indent = source[def_line_start : node.start_byte]
        marker = next((d for d in decorator_nodes if source[d.start_byte : d.end_byte] == DECORATOR), None)
        return FunctionUnit(
            qualname=qualname,
            line=first.start_point.row + 1,
            def_line=node.start_point.row + 1,
            end_line=node.end_point.row + 1,
            start_byte=first.start_byte,
            end_byte=node.end_byte,
            def_line_start=def_line_start,
            indent=indent,
            is_async=node.children[0].type == "async",
            is_generator=is_generator,
            decorators=decorators,
            instrumented=marker is not None,
            anchors=(def_line_start,),
            markers=_marker_line(source, marker),
            skip_reason=_skip_reason(source, node, decorators, indent, first, hints),
        )

    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None:
        """Where the runtime import goes: after the docstring and ``from __future__`` imports."""
        if _runtime_imports(tree, source):
            return None
        statements = [c for c in tree.root_node.children if c.type != "comment"]
        preamble_end = -1
        index = 0
        if statements and _is_docstring(statements[0]):
            preamble_end = statements[0].end_point.row
            index = 1
        while index < len(statements) and statements[index].type == "future_import_statement":
            preamble_end = statements[index].end_point.row
            index += 1
        if index == len(statements):
            return None
        first = statements[index]
        if first.start_point.row > preamble_end:
            offset = _line_start(first)
        else:  # the statement shares a line with the docstring or a __future__ import
            offset = _line_end(source, statements[index - 1].end_byte)
            if offset == len(source) and not source.endswith(b"\n"):
                return None
        return Edit(offset, offset, line + newline)

    def span_edits(self, unit: FunctionUnit, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        return [Edit(unit.def_line_start, unit.def_line_start, unit.indent + DECORATOR + newline)]

    def runtime(self, path: Path, settings: Settings) -> RuntimeRef:
        return python_runtime(path, settings)

    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]:
        from telemetry_inject.runtimes import runtime_source

        return [(path, runtime_source(self))]

    def is_runtime(self, path: Path) -> bool:
        return path.name == RUNTIME_FILENAME

    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]:
        """Whole-line deletions of every injected decorator, `_tel.attr(...)` statement and the runtime import."""
        lines = _runtime_imports(tree, source) + [m for u in units for m in u.markers]
        if b"_tel.attr(" in source:  # enrichment (the LLM path) is rare: query only when present
            lines += self._attribute_lines(tree, source)
        return [Edit(start, end, b"") for start, end in sorted(lines)]

    @cached_property
    def _attr_query(self) -> tree_sitter.Query:
        text = pkgutil.get_data("telemetry_inject.languages", "queries/python_attr.scm").decode("utf-8")
        return tree_sitter.Query(self._language, text)

    def _attribute_lines(self, tree: tree_sitter.Tree, source: bytes) -> list[tuple[int, int]]:
        lines = []
        for node in tree_sitter.QueryCursor(self._attr_query).captures(tree.root_node).get("telemetry_attr", []):
            start, end = _line_start(node), _line_end(source, node.end_byte)
            if source[start:end].strip() == source[node.start_byte : node.end_byte].strip():
                lines.append((start, end))
        return lines

    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None:
        """CPython itself must accept the output (languages/python_compile.py)."""
        from telemetry_inject.languages.python_compile import compile_error

        return compile_error(tree, source, changed)


def _marker_line(source: bytes, decorator: tree_sitter.Node | None) -> tuple[tuple[int, int], ...]:
    """The whole line holding our decorator, when the line holds nothing else."""
    if decorator is None:
        return ()
    start = _line_start(decorator)
    end = _line_end(source, decorator.end_byte)
    return ((start, end),) if source[start:end].strip() == DECORATOR else ()


def _runtime_imports(tree: tree_sitter.Tree, source: bytes) -> list[tuple[int, int]]:
    """Whole lines of module-level runtime imports (``... as _tel``)."""
    lines = []
    for statement in tree.root_node.children:
        if statement.type in ("import_statement", "import_from_statement"):
            start = _line_start(statement)
            end = _line_end(source, statement.end_byte)
            if _IMPORT_RE.fullmatch(source[start:end]):
                lines.append((start, end))
    return lines


def _is_docstring(node: tree_sitter.Node) -> bool:
    return node.type == "expression_statement" and node.named_child_count == 1 and node.named_children[0].type in ("string", "concatenated_string")


def _enclosing_function_id(node: tree_sitter.Node) -> int | None:
    current = node.parent
    while current is not None:
        if current.type == "function_definition":
            return current.id
        if current.type in ("lambda", "class_definition"):
            return None
        current = current.parent
    return None


def _qualnames(functions: list[tree_sitter.Node], classes: list[tree_sitter.Node]) -> list[tuple[tree_sitter.Node, str]]:
    """Functions in source order with their ``__qualname__``, from one pass over the nested scopes."""
    scopes = sorted((*functions, *classes), key=lambda n: n.start_byte)
    stack: list[tuple[int, str]] = []  # (end_byte, prefix for names defined inside)
    named = []
    for node in scopes:
        while stack and stack[-1][0] <= node.start_byte:
            stack.pop()
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "replace") if name_node is not None else "?"
        qualname = (stack[-1][1] if stack else "") + name
        is_function = node.type == "function_definition"
        stack.append((node.end_byte, qualname + (".<locals>." if is_function else ".")))
        if is_function:
            named.append((node, qualname))
    return named


def _skip_reason(
    source: bytes, node: tree_sitter.Node, decorators: tuple[str, ...], indent: bytes, first: tree_sitter.Node, hints: tuple[bool, bool]
) -> str | None:
    has_pragma, has_frame_access = hints
    if indent.strip():
        return "`def` does not start its line"
    if any(name in _OVERLOAD for name in decorators):
        return "@overload stub"
    if any(name in _COMPILED for name in decorators):
        return "compiled by a tracing JIT"
    if has_frame_access and _FRAME_ACCESS.search(source, node.start_byte, node.end_byte):
        return "inspects its caller's frame (a wrapper frame would stand in between)"
    if not has_pragma:
        return None
    def_line = source[_line_start(node) : _line_end(source, node.start_byte)]
    above_start = _line_start(first)
    above = source[source.rfind(b"\n", 0, max(above_start - 1, 0)) + 1 : above_start] if above_start else b""
    if _SKIP_PRAGMA in def_line or (above.lstrip().startswith(b"#") and _SKIP_PRAGMA in above):
        return "`telemetry: skip` pragma"
    return None
