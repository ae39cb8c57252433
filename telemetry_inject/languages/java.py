"""Java: no template; with ``--llm fallback`` an LLM wraps each method body in two lines.

    {indent}final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Cart.total", "src/Cart.java", 12); try {
    … the body's lines, untouched …
    {indent}} catch (Throwable _tel$e) { _tel$.fail(_tel$e); throw _tel$e; } finally { _tel$.end(); }

The runtime class ``telemetry_inject.Telemetry`` sits in the source root (the
directory the file's ``package`` declaration is relative to) and is referred to
fully qualified, so no import line is ever added.
"""
from __future__ import annotations

import re
from pathlib import Path, PurePath

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine.placement import RuntimeRef
from telemetry_inject.engine.source import SourceError
from telemetry_inject.engine.units import Edit, FunctionUnit, line_start
from telemetry_inject.engine.units import line_end as _line_end
from telemetry_inject.languages.wrapped import Shape, WrappedLanguage, wrapped_unit

RUNTIME_FILENAME = "Telemetry.java"
_STRING = rb'"(?:[^"\\\n]|\\[^u\n])*"'  # no \\u escapes: javac decodes them before parsing
SHAPE = Shape(
    open_template="{indent}final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start({name}, {file}, {line}); try {{",
    close_template="{indent}}} catch (Throwable _tel$e) {{ _tel$.fail(_tel$e); throw _tel$e; }} finally {{ _tel$.end(); }}",
    open_re=re.compile(rb"[ \t]*final telemetry_inject\.Telemetry\.Span _tel\$ = telemetry_inject\.Telemetry\.start\(" + _STRING + rb", " + _STRING
                       + rb", \d+\); try \{[ \t]*\r?\n"),
    close_re=re.compile(rb"[ \t]*\} catch \(Throwable _tel\$e\) \{ _tel\$\.fail\(_tel\$e\); throw _tel\$e; \} finally \{ _tel\$\.end\(\); \}[ \t]*\r?\n"),
    import_re=None,
    attr_re=re.compile(rb"[ \t]*telemetry_inject\.Telemetry\.attr\(" + _STRING + rb", \(\) -> [^\r\n]*\);[ \t]*\r?\n"),
)
RULES = """You add telemetry to one Java method or constructor.
Return it exactly as given, every line byte for byte, with exactly two lines added:
after the line that opens the body (after a leading this(...) or super(...) call line in a constructor):
{open}
and directly before the line that closes the body:
{close}
Use the span name, file and line given. Add nothing else. Answer with the method only."""


class Java(WrappedLanguage):
    name = "java"
    extensions = (".java",)
    skipped_suffixes = ("module-info.java", "package-info.java")
    runtime_filename = RUNTIME_FILENAME
    shape = SHAPE
    rules = RULES
    grammar = "tree_sitter_java"

    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]:
        units = []
        stack = [(tree.root_node, "")]
        while stack:
            node, prefix = stack.pop()
            for child in reversed(node.children):
                kind = child.type
                if kind in ("class_declaration", "enum_declaration", "record_declaration", "interface_declaration"):
                    name = child.child_by_field_name("name")
                    body = child.child_by_field_name("body")
                    if name is not None and body is not None:
                        stack.append((body, f"{prefix}{_text(source, name)}."))
                elif kind in ("class_body", "enum_body", "enum_body_declarations", "interface_body", "program"):
                    stack.append((child, prefix))
                elif kind == "enum_constant":  # `PLUS { int apply(…) {…} }`: the constant's own methods
                    name = child.child_by_field_name("name")
                    body = child.child_by_field_name("body")
                    if name is not None and body is not None:
                        stack.append((body, f"{prefix}{_text(source, name)}."))
                elif kind in ("method_declaration", "constructor_declaration", "compact_constructor_declaration"):
                    unit = self._unit(source, child, prefix)
                    if unit is not None:
                        units.append(unit)
        return sorted(units, key=lambda u: u.start_byte)

    def _unit(self, source: bytes, node, prefix: str) -> FunctionUnit | None:
        body = node.child_by_field_name("body")
        if body is None:
            return None  # abstract, interface or native: nothing to wrap
        name = node.child_by_field_name("name")
        qualname = prefix + ("<init>" if node.type != "method_declaration" else _text(source, name))
        open_after = _line_end(source, body.start_byte)
        if node.type == "constructor_declaration":
            first = next((c for c in body.named_children if c.type != "line_comment" and c.type != "block_comment"), None)
            if first is not None and first.type == "explicit_constructor_invocation":
                open_after = _line_end(source, first.end_byte)  # this(...)/super(...) must stay the first statement
        close_at = line_start(source, body.end_byte - 1)
        reason = _skip_reason(source, body, open_after, close_at)
        if _SHADOWING.search(source):
            reason = "the file uses the name telemetry_inject, which would hide the runtime's package"
        return wrapped_unit(source, qualname, node, open_after, close_at, SHAPE, reason, _telemetry_lines(source, body))

    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None:
        return None  # the runtime is referred to fully qualified

    def runtime(self, path: PurePath, settings: Settings) -> RuntimeRef:
        root = _source_root(Path(path))
        return RuntimeRef(root / "telemetry_inject" / RUNTIME_FILENAME, b"")

    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]:
        from importlib import resources

        return [(path, resources.files("telemetry_inject.runtimes").joinpath("java", "telemetry_inject", RUNTIME_FILENAME).read_bytes())]

    def is_runtime(self, path: PurePath) -> bool:
        return path.name == RUNTIME_FILENAME and PurePath(path).parent.name == "telemetry_inject"


_SHADOWING = re.compile(rb"\btelemetry_inject\b(?!\.Telemetry\b)")


def _telemetry_lines(source: bytes, body) -> tuple[tuple[int, int], ...] | None:
    """Our OPEN line and the last CLOSE line after it, anywhere in the body's own lines (an edit may have put
    a statement above them), then the attribute lines in our try block; None when the body has no OPEN line."""
    opening = closing = None
    offset = _line_end(source, body.start_byte)
    while offset < body.end_byte:
        end = _line_end(source, offset)
        line = source[offset:end]
        if opening is None and SHAPE.open_re.fullmatch(line):
            opening = (offset, end)
        elif opening is not None and SHAPE.close_re.fullmatch(line):
            closing = (offset, end)
        offset = end
    return (opening, closing, *_attribute_lines(source, body, opening)) if opening and closing else None


def _attribute_lines(source: bytes, body, opening: tuple[int, int]) -> list[tuple[int, int]]:
    """Whole lines in the form ``--llm enrich`` writes that are statements of the try block our OPEN line opens."""
    found = []
    for child in body.named_children:
        block = child.child_by_field_name("body") if child.type == "try_statement" and opening[0] <= child.start_byte < opening[1] else None
        for statement in block.named_children if block is not None else ():
            start, end = line_start(source, statement.start_byte), _line_end(source, statement.start_byte)
            if statement.type == "expression_statement" and statement.end_byte <= end and SHAPE.attr_re.fullmatch(source, start, end):
                found.append((start, end))
    return found


def _skip_reason(source: bytes, body, open_after: int, close_at: int) -> str | None:
    if body.start_point.row == body.end_point.row:
        return "one-line body"
    rest = source[body.start_byte + 1 : _line_end(source, body.start_byte)].strip()
    if rest and not rest.startswith(b"//") and not (rest.startswith(b"/*") and rest.endswith(b"*/")):
        return "body starts on the signature line"
    if source[close_at : body.end_byte - 1].strip():
        return "the closing brace shares its line with code"
    return None


def _text(source: bytes, node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _source_root(path: Path) -> Path:
    """The directory ``package a.b;`` is relative to: the file's directory, minus the package's path."""
    try:
        head = path.read_bytes()[:20000]
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}") from None
    match = re.search(rb"^\s*package\s+([\w.]+)\s*;", head, re.MULTILINE)
    directory = path.resolve().parent
    if match is None:
        return directory
    parts = match.group(1).decode().split(".")
    if list(directory.parts[-len(parts):]) != parts:
        raise SourceError(f"package {match.group(1).decode()} does not match the directory {directory}")
    return Path(*directory.parts[: -len(parts)])
