"""JavaScript and TypeScript: the body wrapped between two whole lines, one import per file.

The versions of JavaScript people run have no statement-level RAII, so the body is
wrapped (DESIGN §3): an OPEN line after the line holding `{` and a CLOSE line before
the line holding `}` (try/catch/finally; an async body runs inside an async arrow so
its span stays current across awaits); an arrow whose body is an expression (or a
block that cannot take the two lines) is wrapped in place, ``_tel.call(…, () => EXPR)``.
Every original line stays byte-identical but for those in-line insertions. The shapes
and the skip rules are the runtime's (runtimes/js/_telemetry_utils.cjs, header);
js_units.py and js_skips.py apply them, js_shapes.py writes and recognises the text.

The runtime lives once per package, beside the nearest package.json (else at the
repository root), as four files: the CommonJS runtime, its ES module face and the
declarations of both. Each file imports it in its own module system.

What the Language protocol does not carry, and what is done instead:
- {FILE}: the engine passes the repo-relative path to ``span_edits``; the pure core
  called without one (case files) writes ``FILEPATH``.
- {LINE}: the function's line in the output; the engine passes how many lines the run adds
  above it (``line_shift``); without one (a direct call) every pending function is assumed done.
- TSX: ``parser()`` is not told the file name; a TypeScript parse with errors is tried
  again with the TSX grammar (a .ts file cannot hold JSX, a .tsx file no `<T>x` casts).
"""
from __future__ import annotations

import json
import os
import pkgutil
import re
from functools import cached_property
from pathlib import Path, PurePath

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine.placement import RuntimeRef
from telemetry_inject.engine.units import Edit, FunctionUnit, syntax_error
from telemetry_inject.languages import js_shapes, js_units
from telemetry_inject.languages.js_shapes import ESM, ESM_FROM_CJS, IMPORT_REQUIRE, LINE_SHAPES, REQUIRE

RUNTIME_FILENAME = "_telemetry_utils.cjs"
RUNTIME_FILES = (RUNTIME_FILENAME, "_telemetry_utils.mjs", "_telemetry_utils.d.cts", "_telemetry_utils.d.mts")
FILEPATH = ""  # {FILE} when no path is given: see the module docstring
_TESTS = (".test", ".spec")  # test files are instrumented only when asked for (not yet), as Go's _test.go


_ATTR = re.compile(rb'[ \t]*_tel\.attr\("[a-z0-9_.]+", \(\) => [^\n]*\);[ \t]*\r?\n')


def _attribute_lines(source: bytes) -> list[tuple[int, int]]:
    """Whole lines in the exact form ``--llm enrich`` writes, ``_tel.attr("name", () => value);``, as
    Python's strip removes its own form; a hand-written call in any other form stays (and keeps its import)."""
    if b'_tel.attr("' not in source:
        return []
    found = []
    offset = 0
    while offset < len(source):
        end = source.find(b"\n", offset) + 1 or len(source)
        if _ATTR.fullmatch(source, offset, end):
            found.append((offset, end))
        offset = end
    return found


class JavaScript:
    carries_lines = True  # {LINE} is the function's line in the output: the engine passes line_shift
    name = "javascript"
    extensions = (".js", ".mjs", ".cjs", ".jsx")
    skipped_suffixes = tuple(f"{kind}{ext}" for kind in (".min", *_TESTS) for ext in (".js", ".mjs", ".cjs", ".jsx"))
    runtime_filename = RUNTIME_FILENAME
    _typescript = False
    _query_file = "queries/javascript.scm"

    @cached_property
    def _languages(self) -> tuple[tree_sitter.Language, ...]:
        from telemetry_inject.languages import grammar  # on first use: the hook of a repository without JS never loads it

        return (grammar("tree_sitter_javascript"),)

    @cached_property
    def _queries(self) -> list[tuple[tree_sitter.Language, tree_sitter.Query]]:
        # pkgutil rather than importlib.resources: the latter imports tempfile & co. on the hook's path.
        text = pkgutil.get_data("telemetry_inject.languages", self._query_file).decode("utf-8")
        return [(language, tree_sitter.Query(language, text)) for language in self._languages]

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self._languages[0])

    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]:
        query = next((q for language, q in self._queries if tree.language == language), self._queries[0][1])
        return js_units.function_units(tree, source, query, self._typescript)

    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None:
        """Before the first statement: after a hashbang, leading comments and the directive prologue."""
        root = tree.root_node
        if js_units.import_lines(root, source):
            return None
        offset = js_units.import_offset(root, source)
        if offset is None:
            return None
        return Edit(offset, offset, js_shapes.adapted_import(line, root) + newline)

    def span_edits(self, unit: FunctionUnit, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        name, shape, line = unit.decorators[0], unit.decorators[1], int(unit.decorators[2])
        if line_shift is not None:  # the engine knows exactly which lines this run adds above the function
            line = unit.def_line + line_shift
        first, second = unit.anchors
        if shape in LINE_SHAPES:
            return [
                Edit(first, first, unit.indent + js_shapes.open_line(shape, name, path or FILEPATH, line) + newline),
                Edit(second, second, unit.indent + js_shapes.close_line(shape) + newline),
            ]
        return [Edit(first, first, js_shapes.call_prefix(shape, name, path or FILEPATH, line)), Edit(second, second, js_shapes.SUFFIX)]

    def refresh_edits(self, unit: FunctionUnit, source: bytes, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]:
        """A touched function's OPEN line again when its name, file or line changed since it was written."""
        name, shape = unit.decorators[0], unit.decorators[1]
        if not path or shape not in LINE_SHAPES or len(unit.markers) != 2:
            return []
        start, end = unit.markers[0]
        line = source[start:end]
        ending = line[len(line.rstrip(b"\r\n")):]
        indent = line[: len(line) - len(line.lstrip(b" \t"))]
        wanted = indent + js_shapes.open_line(shape, name, path, unit.def_line + (line_shift or 0)) + ending
        return [] if wanted == line else [Edit(start, end, wanted)]

    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]:
        """The units' OPEN/CLOSE lines and in-line insertions, and the import line unless code that
        stays still uses it (a hand-written ``_tel.attr(…)`` keeps working, outside a span a no-op)."""
        markers = sorted(m for u in units for m in u.markers) + _attribute_lines(source)
        imports = js_units.import_lines(tree.root_node, source)
        if js_units.uses_runtime_outside(tree.root_node, source, sorted(markers + imports)):
            imports = []
        return [Edit(start, end, b"") for start, end in sorted(markers + imports)]

    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None:
        """No JavaScript engine in-process: the tree must be free of syntax errors (the tests run node and tsc)."""
        return syntax_error(tree if tree is not None else self.parser().parse(source))

    def runtime(self, path: PurePath, settings: Settings) -> RuntimeRef:
        file = Path(path).resolve()
        root = Path(settings.root).resolve()
        package, is_module = _nearest_package(file.parent, root)
        directory = package or root
        relative = Path(os.path.relpath(directory, file.parent)).as_posix()
        prefix = "./" if relative == "." else (relative + "/" if relative.startswith("../") or relative == ".." else "./" + relative + "/")
        return RuntimeRef(directory / RUNTIME_FILENAME, js_shapes.import_line(self._import_form(file.suffix, is_module), prefix))

    def _import_form(self, suffix: str, is_module: bool) -> str:
        if suffix == ".mjs":
            return ESM
        if suffix == ".cjs":
            return REQUIRE
        return ESM if is_module else REQUIRE

    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]:
        """The .cjs runtime first, then its ES module face and the declarations of both, side by side."""
        return [(path.parent / name, pkgutil.get_data("telemetry_inject.runtimes", f"js/{name}")) for name in RUNTIME_FILES]

    def is_runtime(self, path: PurePath) -> bool:
        from telemetry_inject.languages import carries_runtime_marker

        return path.name in RUNTIME_FILES and carries_runtime_marker(path)


class TypeScript(JavaScript):
    """The JavaScript shapes; type annotations are never touched. Also see js_units: derived
    constructors keep super() first (TS2401) and bodies declaring functions are skipped (TS1250)."""

    name = "typescript"
    extensions = (".ts", ".tsx", ".mts", ".cts")
    skipped_suffixes = (".d.ts", ".d.mts", ".d.cts") + tuple(f"{kind}{ext}" for kind in _TESTS for ext in (".ts", ".tsx", ".mts", ".cts"))
    _typescript = True
    _query_file = "queries/typescript.scm"

    @cached_property
    def _languages(self) -> tuple[tree_sitter.Language, ...]:
        from telemetry_inject.languages import grammar

        return (grammar("tree_sitter_typescript", "language_typescript"), grammar("tree_sitter_typescript", "language_tsx"))

    def parser(self) -> _DialectParser:
        return _DialectParser(tree_sitter.Parser(self._languages[0]), tree_sitter.Parser(self._languages[1]))

    def _import_form(self, suffix: str, is_module: bool) -> str:
        if suffix == ".mts":
            return ESM
        if suffix == ".cts":
            return IMPORT_REQUIRE
        return ESM if is_module else ESM_FROM_CJS  # tsc compiles `import * as` to require() there


class _DialectParser:
    """``tree_sitter.Parser``'s ``parse`` for TypeScript, retried with TSX when the TypeScript grammar fails."""

    def __init__(self, typescript: tree_sitter.Parser, tsx: tree_sitter.Parser) -> None:
        self._typescript = typescript
        self._tsx = tsx

    def parse(self, source: bytes, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
        if old_tree is not None:  # an incremental parse keeps the grammar of the tree it starts from
            parser = self._tsx if old_tree.language == self._tsx.language else self._typescript
            return parser.parse(source, old_tree)
        tree = self._typescript.parse(source)
        if tree.root_node.has_error:
            tsx = self._tsx.parse(source)
            if not tsx.root_node.has_error:
                return tsx
        return tree


def _nearest_package(directory: Path, root: Path) -> tuple[Path | None, bool]:
    """(the directory of the nearest package.json up to ``root``, whether its "type" is "module")."""
    current = directory
    while True:
        manifest = current / "package.json"
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_bytes())
            except (OSError, ValueError):
                data = None  # node refuses a broken package.json; instrument as CommonJS all the same
            return current, isinstance(data, dict) and data.get("type") == "module"
        if current == root or current.parent == current:
            return None, False
        current = current.parent
