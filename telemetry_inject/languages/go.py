"""Go: one ``defer _tel.Start("pkg.Func").End()`` line at the top of the body, one import per file.

The runtime is a package inside the user's module (``internal/telemetry`` by
default), imported by its path under the module path read from ``go.mod``.
The import is its own declaration after the last existing one, so gofmt has
nothing to re-sort, and the user's import block is never touched.
"""
from __future__ import annotations

import pkgutil
import re
from functools import cached_property
from pathlib import Path, PurePath

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine.placement import RuntimeRef
from telemetry_inject.engine.source import SourceError
from telemetry_inject.engine.units import Edit, FunctionUnit, line_start, syntax_error
from telemetry_inject.engine.units import line_end as _line_end

ALIAS = b"_tel"
RUNTIME_FILENAME = "telemetry.go"
_DEFER = re.compile(rb'[ \t]*defer _tel\.Start\("(?:[^"\\\n]|\\.)*"\)\.End\(\)[ \t]*\r?\n')
# What `--llm enrich` writes (llm/golang.py), in gofmt's form, as a top-level statement of the body.
_ATTR = re.compile(rb'[ \t]*_tel\.Attr\("[a-z0-9_.]+", func\(\) interface\{\} \{ return [^\n]* \}\)[ \t]*\r?\n')
_IMPORT = re.compile(rb'[ \t]*import _tel "[^"\n]+"[ \t]*\r?\n')
_BLOCK_SPEC = re.compile(rb'[ \t]*_tel "[^"\n]+"[ \t]*\r?\n')
_GENERATED = re.compile(rb"^// Code generated .* DO NOT EDIT\.$", re.MULTILINE)
_SKIP_PRAGMA = b"telemetry: skip"
# Compiler directives that a deferred call would break (stack checks, write barriers, linknamed symbols).
_UNSAFE_DIRECTIVES = (b"//go:nosplit", b"//go:systemstack", b"//go:nowritebarrier", b"//go:nowritebarrierrec", b"//go:norace",
                      b"//go:linkname", b"//go:yeswritebarrierrec", b"//go:uintptrkeepalive", b"//go:uintptrescapes")


class Go:
    name = "go"
    extensions = (".go",)
    skipped_suffixes = ("_test.go",)  # tests are instrumented only when asked for (not yet)
    runtime_filename = RUNTIME_FILENAME

    @cached_property
    def _language(self) -> tree_sitter.Language:
        from telemetry_inject.languages import grammar  # on first use: a Python-only repository's hook never loads it

        return grammar("tree_sitter_go")

    @cached_property
    def _query(self) -> tree_sitter.Query:
        text = pkgutil.get_data("telemetry_inject.languages", "queries/go.scm").decode("utf-8")
        return tree_sitter.Query(self._language, text)

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self._language)

    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]:
        package = _package_name(tree, source)
        generated = _GENERATED.search(source[: _package_offset(tree)]) is not None
        units = []
        for _, match in tree_sitter.QueryCursor(self._query).matches(tree.root_node):
            node, name, body = match["function"][0], match["name"][0], match["body"][0]
            receiver = match.get("receiver", [None])[0]
            qualname = _text(source, name) if receiver is None else f"{_receiver_type(source, receiver)}.{_text(source, name)}"
            units.append(self._unit(source, node, body, qualname, package, generated))
        return units

    def _unit(self, source: bytes, node, body, qualname: str, package: str, generated: bool) -> FunctionUnit:
        func_line_start = line_start(source, node.start_byte)
        line = source[func_line_start : node.start_byte]
        indent = line[: len(line) - len(line.lstrip(b" \t"))]  # only whitespace: `/* c */ func f()` keeps its comment
        after_brace = _line_end(source, body.start_byte)
        marker = _defer_line(source, body)
        return FunctionUnit(
            qualname=qualname,
            line=node.start_point.row + 1,
            def_line=node.start_point.row + 1,
            end_line=node.end_point.row + 1,
            start_byte=node.start_byte,
            end_byte=node.end_byte,
            def_line_start=func_line_start,
            indent=indent + b"\t",
            is_async=False,
            is_generator=False,
            decorators=(f"{package}.{qualname}",),  # the span name the defer line carries
            anchors=(after_brace,),
            instrumented=marker is not None,
            markers=((marker,) if marker else ()) + _attribute_lines(source, body),
            skip_reason=_skip_reason(source, node, body, generated),
        )

    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None:
        """After the last import declaration; with none, after the package clause and a blank line."""
        if _runtime_imports(tree, source):
            return None
        imports = [c for c in tree.root_node.children if c.type == "import_declaration"]
        if imports:
            offset = _line_end(source, imports[-1].end_byte)
            return Edit(offset, offset, line + newline) if source[offset - 1 : offset] == b"\n" else None
        clause = next((c for c in tree.root_node.children if c.type == "package_clause"), None)
        if clause is None:
            return None
        offset = _line_end(source, clause.end_byte)
        return Edit(offset, offset, newline + line + newline) if source[offset - 1 : offset] == b"\n" else None

    def span_edits(self, unit: FunctionUnit, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        offset = unit.anchors[0]
        name = unit.decorators[0].replace("\\", "\\\\").replace('"', '\\"').encode()
        return [Edit(offset, offset, unit.indent + b'defer _tel.Start("' + name + b'").End()' + newline)]

    def refresh_edits(self, unit: FunctionUnit, source: bytes, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        """The defer line again when the function was renamed since: its span name must follow (touched functions only)."""
        start, end = unit.markers[0]
        line = source[start:end]
        written = re.search(rb'Start\("((?:[^"\\\n]|\\.)*)"\)', line)
        expected = unit.decorators[0].replace("\\", "\\\\").replace('"', '\\"').encode()
        if written is None or written.group(1) == expected:
            return []
        ending = line[len(line.rstrip(b"\r\n")):]
        return [Edit(start, end, line[: written.start(1)] + expected + line[written.end(1) : len(line) - len(ending)] + ending)]

    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]:
        lines = _runtime_imports(tree, source) + [m for u in units for m in u.markers]
        return [Edit(start, end, b"") for start, end in sorted(lines)]

    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None:
        """No Go compiler in-process: the tree must be free of syntax errors (the tests run go build and vet)."""
        return syntax_error(tree if tree is not None else self.parser().parse(source))

    def runtime(self, path: PurePath, settings: Settings) -> RuntimeRef:
        module_dir, module = _module(Path(path), settings.root)
        package_dir = module_dir / settings.go_runtime_dir
        if Path(path).resolve().parent == package_dir.resolve():
            raise SourceError("inside the runtime package itself")
        import_path = f"{module}/{PurePath(settings.go_runtime_dir).as_posix()}"
        return RuntimeRef(package_dir / RUNTIME_FILENAME, b'import _tel "' + import_path.encode() + b'"')

    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]:
        from telemetry_inject.runtimes import runtime_source

        return [(path, runtime_source(self))]

    def is_runtime(self, path: PurePath) -> bool:
        from telemetry_inject.languages import carries_runtime_marker

        return path.name == RUNTIME_FILENAME and carries_runtime_marker(path)


def _defer_line(source: bytes, body) -> tuple[int, int] | None:
    """Our defer line among the body's own statements, wherever a later edit moved it (the first line, usually)."""
    for statement in _statements(body):
        if statement.type == "defer_statement":
            start = line_start(source, statement.start_byte)
            end = _line_end(source, statement.end_byte)
            if _DEFER.fullmatch(source[start:end]):
                return start, end
    return None


def _attribute_lines(source: bytes, body) -> tuple[tuple[int, int], ...]:
    """Whole lines of ``_tel.Attr(…)`` statements of the body's own (after the defer line, which stays first in markers)."""
    if b"_tel.Attr(" not in source[body.start_byte : body.end_byte]:
        return ()
    found = []
    for statement in _statements(body):
        if statement.type == "expression_statement":
            start, end = line_start(source, statement.start_byte), _line_end(source, statement.end_byte)
            if _ATTR.fullmatch(source[start:end]):
                found.append((start, end))
    return tuple(found)


def _statements(body) -> list:
    # The block holds a statement_list (tree-sitter-go 0.25), beside comments (`{ // why`) that come before it.
    return [s for child in body.named_children for s in (child.named_children if child.type == "statement_list" else [child])]


def _text(source: bytes, node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _receiver_type(source: bytes, receiver) -> str:
    """``(s *Store[T])`` → ``Store``."""
    for node in receiver.named_children:
        kind = node.child_by_field_name("type")
        while kind is not None and kind.type in ("pointer_type", "generic_type", "parenthesized_type"):
            kind = kind.child_by_field_name("type") or (kind.named_children[0] if kind.named_children else None)
        if kind is not None:
            return _text(source, kind)
    return "?"


def _package_offset(tree: tree_sitter.Tree) -> int:
    clause = next((c for c in tree.root_node.children if c.type == "package_clause"), None)
    return clause.start_byte if clause is not None else 0


def _package_name(tree: tree_sitter.Tree, source: bytes) -> str:
    clause = next((c for c in tree.root_node.children if c.type == "package_clause"), None)
    name = clause.named_children[0] if clause is not None and clause.named_children else None
    return _text(source, name) if name is not None else "main"


def _runtime_imports(tree: tree_sitter.Tree, source: bytes) -> list[tuple[int, int]]:
    """Whole lines of ``import _tel "…"`` and, when it is the file's only import, the blank line inject put before it."""
    found = []
    declarations = [c for c in tree.root_node.children if c.type == "import_declaration"]
    for declaration in declarations:
        start = line_start(source, declaration.start_byte)
        end = _line_end(source, declaration.end_byte)
        for spec_list in (c for c in declaration.named_children if c.type == "import_spec_list"):
            # goimports/gopls may have merged our import into the block: the spec's own line is ours
            for spec in spec_list.named_children:
                spec_start, spec_end = line_start(source, spec.start_byte), _line_end(source, spec.end_byte)
                if spec.type == "import_spec" and _BLOCK_SPEC.fullmatch(source[spec_start:spec_end]):
                    before = line_start(source, spec_start - 1) if spec_start else 0
                    closing = source[spec_end : _line_end(source, spec_end)].strip() == b")"
                    if closing and spec_start and source[before:spec_start].strip() == b"":
                        spec_start = before  # the blank line goimports put before its own group
                    found.append((spec_start, spec_end))
        if _IMPORT.fullmatch(source[start:end]):
            if len(declarations) == 1 and start >= 2 and source[start - 1 : start] == b"\n":
                blank = line_start(source, start - 1)
                before = line_start(source, blank - 1) if blank else 0
                clause = next((c for c in tree.root_node.children if c.type == "package_clause"), None)
                if source[blank:start].strip() == b"" and clause is not None and before <= clause.start_byte < blank:
                    start = blank
            found.append((start, end))
    return found


def _skip_reason(source: bytes, node, body, generated: bool) -> str | None:
    if generated:
        return "generated file"
    if body.start_point.row == body.end_point.row:
        return "one-line body"
    rest = source[body.start_byte + 1 : _line_end(source, body.start_byte)].strip()
    if rest and not rest.startswith(b"//"):
        return "body starts on the signature line"
    comments = _comments_above(source, line_start(source, node.start_byte)) + source[node.start_byte : _line_end(source, body.start_byte)]
    if _SKIP_PRAGMA in comments:
        return "telemetry: skip"
    if any(directive in comments for directive in _UNSAFE_DIRECTIVES):
        return "compiler directive (a deferred call would break it)"
    return None


def _comments_above(source: bytes, offset: int) -> bytes:
    """The block of ``//`` lines directly above ``offset`` (doc comment and compiler directives)."""
    lines = []
    while offset > 0:
        start = line_start(source, offset - 1)
        line = source[start:offset].strip()
        if not line.startswith(b"//"):
            break
        lines.append(line)
        offset = start
    return b"\n".join(reversed(lines))


def _module(path: Path, root: Path) -> tuple[Path, str]:
    """(the directory of the nearest go.mod, its module path)."""
    directory = path.resolve().parent
    root = root.resolve()
    while True:
        go_mod = directory / "go.mod"
        if go_mod.is_file():
            match = re.search(rb"^module\s+\"?([^\s\"]+)\"?", go_mod.read_bytes(), re.MULTILINE)
            if match is None:
                raise SourceError(f"{go_mod}: no module line")
            return directory, match.group(1).decode()
        if directory == root or directory.parent == directory:
            raise SourceError("no go.mod above this file: Go files are instrumented inside a module")
        directory = directory.parent
