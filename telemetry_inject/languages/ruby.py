"""Ruby: no template; with ``--llm fallback`` an LLM wraps each method body in a block.

    def total(items)
      TelemetryInject.span("Shop::Cart#total", "lib/shop/cart.rb", 3) do
      … the body's lines, untouched …
      end
    end

plus one ``require_relative`` line per file for the runtime
(``telemetry_inject.rb``, beside the nearest Gemfile or gemspec, else at the
repository root). ``return`` inside the block returns from the method, and
``yield``, ``block_given?`` and ``super`` still see the method's own.
"""
from __future__ import annotations

import os
import re
from pathlib import Path, PurePath

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine.placement import RuntimeRef
from telemetry_inject.engine.units import Edit, FunctionUnit, line_start
from telemetry_inject.engine.units import line_end as _line_end
from telemetry_inject.languages.wrapped import Shape, WrappedLanguage, wrapped_unit

RUNTIME_FILENAME = "telemetry_inject.rb"
_STRING = rb'"(?:[^"\\\n#]|\\.|#(?![{@$]))*"'  # no interpolation: `#{`, `#@`, `#$` only escaped
SHAPE = Shape(
    open_template="{indent}::TelemetryInject.span({name}, {file}, {line}) do",  # `::`: found from BasicObject subclasses too
    close_template="{indent}end",
    open_re=re.compile(rb"[ \t]*(?:::)?TelemetryInject\.span\(" + _STRING + rb", " + _STRING + rb", \d+\) do[ \t]*\r?\n"),
    close_re=re.compile(rb"[ \t]*end[ \t]*\r?\n"),
    import_re=re.compile(rb'require_relative "(?:[^"\n#]*/)?telemetry_inject"[ \t]*\r?\n'),
    interpolates=True,
    attr_re=re.compile(rb"[ \t]*(?:::)?TelemetryInject\.attr\(" + _STRING + rb"\) \{ [^\r\n]* \}[ \t]*\r?\n"),
)
RULES = """You add telemetry to one Ruby method.
Return it exactly as given, every line byte for byte, with exactly two lines added:
directly after the `def` line:
{open}
and directly before the method's closing `end` line:
{close}
Use the span name, file and line given. Add nothing else. Answer with the method only."""
_CONTAINERS = ("module", "class", "singleton_class")


def _block_body(call):
    """The body of the block a call is given (`do … end` or `{ … }`), if any."""
    block = call.child_by_field_name("block")
    return block.child_by_field_name("body") if block is not None else None


class Ruby(WrappedLanguage):
    name = "ruby"
    extensions = (".rb",)
    skipped_suffixes = ("_spec.rb", "_test.rb")
    runtime_filename = RUNTIME_FILENAME
    shape = SHAPE
    rules = RULES
    grammar = "tree_sitter_ruby"

    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]:
        units = []
        stack = [(tree.root_node, "", False)]  # (node, enclosing module path + "::", inside `class << self`)
        while stack:
            node, prefix, singleton = stack.pop()
            for child in node.named_children:
                if child.type == "singleton_class":  # `class << self`: its methods are the owner's class methods
                    body = child.child_by_field_name("body")
                    if body is not None:
                        stack.append((body, prefix, True))
                elif child.type in _CONTAINERS:
                    name = child.child_by_field_name("name")
                    body = child.child_by_field_name("body")
                    if name is not None and body is not None:
                        stack.append((body, f"{prefix}{_text(source, name)}::", False))
                elif child.type in ("method", "singleton_method"):
                    units.append(self._unit(source, child, prefix, singleton))
                elif child.type in ("body_statement", "begin"):
                    stack.append((child, prefix, singleton))
                elif child.type == "call":
                    block = _block_body(child)
                    if block is not None:  # `Struct.new(:x) do … end`, `included do`, `class_methods do`: defs in a block
                        stack.append((block, prefix, _text(source, child.child_by_field_name("method")) == "class_methods"))
                    elif child.child_by_field_name("receiver") is None:
                        # `private def x`, `protected def x`, `module_function def x`: the def is the call's argument
                        arguments = child.child_by_field_name("arguments")
                        if arguments is not None and any(a.type in ("method", "singleton_method") for a in arguments.named_children):
                            stack.append((arguments, prefix, singleton))
                elif child.type == "assignment":  # `Point = Struct.new(:x, :y) do … end`: its defs are Point's
                    left, right = child.child_by_field_name("left"), child.child_by_field_name("right")
                    block = _block_body(right) if right is not None and right.type == "call" else None
                    if block is not None and left is not None and left.type == "constant":
                        stack.append((block, f"{prefix}{_text(source, left)}::", False))
        return sorted(units, key=lambda u: u.start_byte)

    def _unit(self, source: bytes, node, prefix: str, singleton: bool) -> FunctionUnit:
        name = _text(source, node.child_by_field_name("name"))
        owner = prefix[:-2] if prefix else "Object"
        qualname = f"{owner}.{name}" if singleton or node.type == "singleton_method" else f"{owner}#{name}"
        params = node.child_by_field_name("parameters")
        header_end = params.end_byte if params is not None else node.child_by_field_name("name").end_byte
        open_after = _line_end(source, header_end)
        close_at = line_start(source, node.end_byte - 1)
        found = _span_block(source, node)
        reason = "telemetry block not around the whole body: strip and run again" if found is False else None
        reason = reason or _skip_reason(source, node, header_end, open_after, close_at)
        return wrapped_unit(source, qualname, node, open_after, close_at, SHAPE, reason, found or None)

    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None:
        """After the leading comments (magic comments must stay first) and any leading require lines."""
        if any(SHAPE.import_re.fullmatch(line) for line in source.splitlines(keepends=True) if b"telemetry_inject" in line):
            return None  # a whole line: a comment that mentions it does not count
        offset = 0
        for child in tree.root_node.children:
            is_require = child.type == "call" and _text(source, child).startswith(("require ", "require_relative ", "require(", "require_relative("))
            if child.type == "comment" or is_require:
                offset = _line_end(source, child.end_byte)
                continue
            break
        if offset and source[offset - 1 : offset] != b"\n":
            return None
        return Edit(offset, offset, line + newline)

    def runtime(self, path: PurePath, settings: Settings) -> RuntimeRef:
        home = _project_dir(Path(path), settings.root)
        runtime = home / RUNTIME_FILENAME
        relative = os.path.relpath(home / "telemetry_inject", Path(path).resolve().parent).replace(os.sep, "/")
        if not relative.startswith("."):
            relative = "./" + relative
        return RuntimeRef(runtime, f'require_relative "{relative}"'.encode())

    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]:
        from telemetry_inject.runtimes import runtime_source

        return [(path, runtime_source(self))]

    def is_runtime(self, path: PurePath) -> bool:
        return path.name == RUNTIME_FILENAME


def _span_block(source: bytes, method) -> tuple[tuple[int, int], ...] | None | bool:
    """Our ``TelemetryInject.span(…) do … end`` among the method's statements, from the tree: its header
    line and the line of its own ``end`` (a user's ``end`` after it is never taken for ours), then the
    ``--llm enrich`` attribute lines among the block's own statements.
    None: no telemetry; False: our header is there, but not as a whole-line block (left alone)."""
    body = method.child_by_field_name("body")
    if body is None:
        return None
    for statement in body.named_children:
        start = line_start(source, statement.start_byte)
        header = source[start : _line_end(source, statement.start_byte)]
        if statement.type == "call" and SHAPE.open_re.fullmatch(header):
            block = statement.child_by_field_name("block")
            if block is None or block.type != "do_block":
                return False
            end_start = line_start(source, block.end_byte - 1)
            end_line = (end_start, _line_end(source, block.end_byte - 1))
            if not SHAPE.close_re.fullmatch(source[end_line[0] : end_line[1]]):
                return False
            return (start, start + len(header)), end_line, *_attribute_lines(source, block)
    return None


def _attribute_lines(source: bytes, block) -> list[tuple[int, int]]:
    """Whole lines in the form ``--llm enrich`` writes that are statements of our block's own body."""
    body = next((c for c in block.named_children if c.type == "body_statement"), None)
    found = []
    for statement in body.named_children if body is not None else ():
        start, end = line_start(source, statement.start_byte), _line_end(source, statement.start_byte)
        if statement.type == "call" and statement.end_byte <= end and SHAPE.attr_re.fullmatch(source, start, end):
            found.append((start, end))
    return found


def _skip_reason(source: bytes, node, header_end: int, open_after: int, close_at: int) -> str | None:
    if node.start_point.row == node.end_point.row or not source[node.end_byte - 3 : node.end_byte] == b"end":
        return "one-line or endless method"
    if source[header_end:open_after].strip().lstrip(b")").strip() not in (b"",) and not source[header_end:open_after].strip().startswith(b"#"):
        return "body starts on the def line"
    if source[close_at : node.end_byte - 3].strip():
        return "the closing `end` shares its line with code"
    if close_at <= open_after:
        return "empty method"
    return None


def _text(source: bytes, node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _project_dir(path: Path, root: Path) -> Path:
    directory = path.resolve().parent
    root = root.resolve()
    while True:
        if (directory / "Gemfile").is_file() or any(directory.glob("*.gemspec")):
            return directory
        if directory == root or directory.parent == directory:
            return root
        directory = directory.parent
