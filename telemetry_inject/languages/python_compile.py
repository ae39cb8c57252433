"""Python's compile gate: CPython must accept the output, and with a few changed definitions only those are compiled."""
from __future__ import annotations

import bisect

import tree_sitter

from telemetry_inject.engine.units import line_start

_MAX_SNIPPETS = 16


def compile_error(tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None:
    """CPython itself must accept the output.

    With ``changed`` (inserted byte ranges) and only a few definitions
    changed (the hook's case), just those are compiled: a top-level
    statement, or for a method the innermost class member (inside
    ``if 1:``), after the module's ``__future__`` imports. Every other
    statement is byte for byte the input's. Otherwise the whole file is.
    """
    members = _changed_members(tree.root_node.children, changed) if tree is not None and changed is not None else None
    if members is None or len(members) > _MAX_SNIPPETS:
        snippets = [(source.decode("utf-8-sig", "surrogateescape"), 0)]
    else:
        snippets = _compile_snippets(tree, source, members)
    for text, line_shift in snippets:
        try:
            compile(text, "<output>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            where = f"line {line + line_shift}" if line else "?"
            return f"{where}: {exc.msg if isinstance(exc, SyntaxError) else exc}"
    return None


def _compile_snippets(tree: tree_sitter.Tree, source: bytes, members: list[tree_sitter.Node]) -> list[tuple[str, int]]:
    """(text, line shift) per changed definition; the shift maps the snippet's lines back to the file's."""
    future = [s for s in tree.root_node.children if s.type == "future_import_statement"]
    preamble = "".join(source[s.start_byte : s.end_byte].decode("utf-8-sig", "surrogateescape") + "\n" for s in future)
    snippets = []
    for node in members:
        if node.parent is not None and node.parent.type == "module":
            text = source[node.start_byte : node.end_byte].decode("utf-8-sig", "surrogateescape")
            snippets.append((preamble + text, node.start_point.row - len(future)))
        else:
            text = source[line_start(source, node.start_byte) : node.end_byte].decode("utf-8-sig", "surrogateescape")
            snippets.append((preamble + "if 1:\n" + text, node.start_point.row - len(future) - 1))
    return snippets


def _changed_members(nodes: list[tree_sitter.Node], changed: list[tuple[int, int]]) -> list[tree_sitter.Node]:
    """The innermost statements holding an insertion, descending through class bodies only."""
    starts = [start for start, _ in changed]  # sorted, non-overlapping

    def overlaps(lo: int, hi: int) -> bool:
        i = bisect.bisect_left(starts, hi)  # ranges starting before hi
        return i > 0 and changed[i - 1][1] > lo

    found = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if not overlaps(node.start_byte, node.end_byte):
            continue
        definition = node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        body = definition.child_by_field_name("body") if definition is not None and definition.type == "class_definition" else None
        members = body.children if body is not None else []
        if not members or overlaps(node.start_byte, members[0].start_byte - members[0].start_point.column):
            found.append(node)  # a function, a plain statement, or a class whose header changed
        else:
            stack.extend(reversed(members))
    return found
