"""The pure core: ``inject`` and ``strip`` map source bytes to source bytes.

Nothing here touches the disk, the network or git. Analysis runs on the tree,
edits are collected as byte ranges and applied to the original bytes; with no
edits the input object itself comes back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter

from telemetry_inject.engine.source import SourceError, SourceText, read_source
from telemetry_inject.engine.units import Edit, FunctionUnit, apply_edits
from telemetry_inject.languages import Language

Selector = Callable[[FunctionUnit], bool]


class GateFailure(Exception):
    """A safety gate refused the output; the file must stay as it was."""


@dataclass(frozen=True)
class FunctionOutcome:
    qualname: str
    line: int
    status: str  # instrumented | already | skipped | not-selected
    reason: str | None = None


@dataclass(frozen=True)
class Injection:
    source: bytes  # the input object itself when nothing changed
    functions: tuple[FunctionOutcome, ...]

    @property
    def instrumented(self) -> tuple[FunctionOutcome, ...]:
        return tuple(f for f in self.functions if f.status == "instrumented")


def parse(language: Language, src: SourceText) -> tree_sitter.Tree:
    tree = language.parser().parse(src.parse_bytes)
    if tree.root_node.has_error:
        raise SourceError(f"line {_first_error_line(tree.root_node)}: syntax error (file left as is)")
    return tree


def inject(raw: bytes, language: Language, import_line: bytes, selected: Selector | None = None, *, gates: bool = True) -> Injection:
    """Instrument the selected functions of ``raw``; raises SourceError or GateFailure, never writes."""
    src = read_source(raw)
    tree = parse(language, src)
    units = language.function_units(tree, src.parse_bytes)
    outcomes, edits = _plan(language, tree, src, units, import_line, selected)
    if not edits:
        return Injection(raw, outcomes)
    output = apply_edits(raw, src.to_raw(edits))
    if gates:
        strip_edits = language.strip_edits(tree, src.parse_bytes, units)
        bare = apply_edits(raw, src.to_raw(strip_edits)) if strip_edits else raw
        verify(bare, output, language, import_line)
    return Injection(output, outcomes)


def strip(raw: bytes, language: Language) -> bytes:
    """Remove exactly what ``inject`` added; ``raw`` itself when there is nothing to remove."""
    src = read_source(raw)
    tree = parse(language, src)
    edits = language.strip_edits(tree, src.parse_bytes, language.function_units(tree, src.parse_bytes))
    return apply_edits(raw, src.to_raw(edits)) if edits else raw


def verify(bare: bytes, output: bytes, language: Language, import_line: bytes) -> None:
    """The gates every written file passes: parses, compiles, strips back to ``bare`` exactly, re-injects to itself.

    ``bare`` is the input with any earlier telemetry stripped (the input itself when it had none).
    """
    try:
        src = read_source(output)
        # A full reparse: tree-sitter's incremental reparse saved nothing here (every function is edited).
        tree = parse(language, src)
    except SourceError as exc:
        raise GateFailure(f"output does not parse: {exc}") from None
    error = language.compile_error(src.text, "<output>")
    if error:
        input_error = language.compile_error(read_source(bare).text, "<input>")
        if input_error:  # the input itself is broken: not ours to fix, not a gate failure
            raise SourceError(f"{input_error} (does not compile; file left as is)")
        raise GateFailure(f"output does not compile: {error}")
    units = language.function_units(tree, src.parse_bytes)
    strip_edits = language.strip_edits(tree, src.parse_bytes, units)
    if apply_edits(output, src.to_raw(strip_edits)) != bare:
        raise GateFailure("strip(output) is not byte-identical to the input")
    _, again = _plan(language, tree, src, units, import_line, None)
    if again:
        raise GateFailure("a second injection would change the output again")


def _plan(
    language: Language,
    tree: tree_sitter.Tree,
    src: SourceText,
    units: list[FunctionUnit],
    import_line: bytes,
    selected: Selector | None,
) -> tuple[tuple[FunctionOutcome, ...], list[Edit]]:
    outcomes = []
    edits = []
    for unit in units:
        if unit.instrumented:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "already"))
        elif unit.skip_reason:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "skipped", unit.skip_reason))
        elif selected is not None and not selected(unit):
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "not-selected"))
        else:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "instrumented"))
            edits.append(language.span_edit(unit, src.newline))
    if any(u.instrumented for u in units) or edits:
        import_edit = language.import_edit(tree, src.parse_bytes, import_line, src.newline)
        if import_edit is not None:
            edits.insert(0, import_edit)
    return tuple(outcomes), edits


def _first_error_line(node: tree_sitter.Node) -> int:
    while True:
        if node.type == "ERROR" or node.is_missing:
            return node.start_point.row + 1
        child = next((c for c in node.children if c.has_error), None)
        if child is None:
            return node.start_point.row + 1
        node = child
