"""The pure core: ``inject`` and ``strip`` map source bytes to source bytes.

Nothing here touches the disk, the network or git. Analysis runs on the tree,
edits are collected as byte ranges and applied to the original bytes; with no
edits the input object itself comes back.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import tree_sitter

from telemetry_inject.engine import trees
from telemetry_inject.engine.source import SourceError, SourceText, read_source
from telemetry_inject.engine.units import Edit, FunctionUnit, apply_edits, first_error_line
from telemetry_inject.engine.units import line_end as _line_end
from telemetry_inject.languages import Language

Selector = Callable[[FunctionUnit], bool]
T = TypeVar("T")
_INCREMENTAL_MAX_EDITS = 32
Lookup = Callable[[str], "tuple[bytes, str] | None"]  # cache key -> (cached edit text, its source)
Identity = tuple[str, int]  # (qualname, occurrence): survives line insertions
Insertions = tuple[tuple[int, bytes], ...]  # (lines of the function before it, a whole line to insert)
NEEDS_LLM = "needs-llm"  # a function of a language without a template, waiting for an LLM answer


class GateFailure(Exception):
    """A safety gate refused the output; the file must stay as it was."""


class FunctionOutcome(NamedTuple):
    qualname: str
    line: int
    status: str  # instrumented | already | skipped | not-selected
    reason: str | None = None
    source: str | None = None  # for instrumented functions: template | cache
    llm: str | None = None  # enrichment: llm | cache | refused | over-budget | error
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class Injection(NamedTuple):
    source: bytes  # the input object itself when nothing changed
    functions: tuple[FunctionOutcome, ...]
    cache_entries: tuple[tuple[str, bytes, str], ...] = ()  # (key, edit text, source) worth storing

    @property
    def complete(self) -> bool:
        """Every function is instrumented or deliberately skipped: a fixed point under any selection."""
        return all(f.status not in ("not-selected", NEEDS_LLM) for f in self.functions)

    @property
    def instrumented(self) -> tuple[FunctionOutcome, ...]:
        return tuple(f for f in self.functions if f.status == "instrumented")


def parse(language: Language, src: SourceText, old_tree: tree_sitter.Tree | None = None, memo_key: str = "") -> tree_sitter.Tree:
    """``src``'s tree (incremental from ``old_tree``, or from the trees a hook server remembers under ``memo_key``)."""
    parser = language.parser()
    memo = trees.memo() if memo_key else None
    if memo is not None and old_tree is None:
        tree = memo.parse(parser, src.parse_bytes, (language.name, memo_key))
    else:
        tree = parser.parse(src.parse_bytes, old_tree) if old_tree is not None else parser.parse(src.parse_bytes)
        if memo is not None:
            memo.remember((language.name, memo_key), src.parse_bytes, tree)
    if tree.root_node.has_error:
        raise SourceError(f"line {first_error_line(tree.root_node)}: syntax error (file left as is)")
    return tree


def inject(
    raw: bytes,
    language: Language,
    import_line: bytes,
    selected: Selector | None = None,
    *,
    gates: bool = True,
    lookup: Lookup | None = None,
    level: str = "spans",
    enrichments: dict[Identity, Insertions] | None = None,
    path: str = "",
) -> Injection:
    """Instrument the selected functions of ``raw``; raises SourceError or GateFailure, never writes.

    ``lookup`` reads the function cache; every hit is re-verified against what
    the template would write before it is used, and misses come back in
    ``cache_entries`` for the caller to store once the file passed its gates.
    """
    src = read_source(raw)
    tree = parse(language, src, memo_key=path)
    units = language.function_units(tree, src.parse_bytes)
    outcomes, edits, texts = _plan(language, tree, src, units, import_line, selected, enrichments, path)
    if enrichments:
        edits += _enrichment_edits(src.parse_bytes, units, outcomes, enrichments)
    if not edits:
        return Injection(raw, outcomes)
    templated = lookup is not None and _has_template(language)
    outcomes, entries = _through_cache(language, src, units, outcomes, texts, lookup, level) if templated else (outcomes, ())
    output = apply_edits(raw, src.to_raw(edits))
    if gates:
        strip_edits = language.strip_edits(tree, src.parse_bytes, units)
        bare = apply_edits(raw, src.to_raw(strip_edits)) if strip_edits else raw
        wanted = None if selected is None else _identities(units, lambda u: u.instrumented or selected(u))
        changed = _inserted_ranges(edits)
        # With a few insertions (the hook's case) the input's tree, told about them, makes the
        # output's parse incremental; with many it saves nothing and tree.edit's cost grows fast.
        old_tree = _edited_tree(tree, src.parse_bytes, edits) if len(edits) <= _INCREMENTAL_MAX_EDITS and not src.transcoded else None
        verify(bare, output, language, import_line, wanted, old_tree, changed, memo_key=path)
    return Injection(output, outcomes, entries)


def strip(raw: bytes, language: Language) -> bytes:
    """Remove exactly what ``inject`` added; ``raw`` itself when there is nothing to remove."""
    src = read_source(raw)
    tree = parse(language, src)
    edits = language.strip_edits(tree, src.parse_bytes, language.function_units(tree, src.parse_bytes))
    return apply_edits(raw, src.to_raw(edits)) if edits else raw


def verify(
    bare: bytes,
    output: bytes,
    language: Language,
    import_line: bytes,
    wanted: set[tuple[str, int]] | None = None,
    old_tree: tree_sitter.Tree | None = None,
    changed: list[tuple[int, int]] | None = None,
    memo_key: str = "",
) -> None:
    """The gates every written file passes: parses, compiles, strips back to ``bare`` exactly, re-injects to itself.

    ``bare`` is the input with any earlier telemetry stripped (the input itself when it had none).
    ``wanted`` names the selected functions (by qualified name and occurrence) when
    only some were: the second injection uses that same selection. ``old_tree``
    (the input's tree, edited) makes the reparse incremental; ``changed`` (inserted
    byte ranges of the output) lets the compile gate skip statements we did not touch.
    """
    try:
        src = read_source(output)
        tree = parse(language, src, old_tree, memo_key)
    except SourceError as exc:
        raise GateFailure(f"output does not parse: {exc}") from None
    error = language.compile_error(tree, src.parse_bytes, changed)
    if error:
        input_error = language.compile_error(None, read_source(bare).parse_bytes, None)
        if input_error:  # the input itself is broken: not ours to fix, not a gate failure
            raise SourceError(f"{input_error} (does not compile; file left as is)")
        raise GateFailure(f"output does not compile: {error}")
    units = language.function_units(tree, src.parse_bytes)
    strip_edits = language.strip_edits(tree, src.parse_bytes, units)
    if apply_edits(output, src.to_raw(strip_edits)) != bare:
        raise GateFailure("strip(output) is not byte-identical to the input")
    again_selected = None if wanted is None else _member_of(units, wanted)
    _, again, _ = _plan(language, tree, src, units, import_line, again_selected)
    if again:
        raise GateFailure("a second injection would change the output again")


def _has_template(language: Language) -> bool:
    return getattr(language, "template", True)


def _plan(
    language: Language,
    tree: tree_sitter.Tree,
    src: SourceText,
    units: list[FunctionUnit],
    import_line: bytes,
    selected: Selector | None,
    provided: dict[Identity, Insertions] | None = None,
    path: str = "",
) -> tuple[tuple[FunctionOutcome, ...], list[Edit], dict[int, bytes]]:
    """Each unit's outcome, the template's edits, and each templated unit's edit text (by unit index).
    Without a template, a unit is instrumented only through ``provided`` (verified LLM insertions,
    applied by the caller)."""
    template = _has_template(language)
    carries_lines = getattr(language, "carries_lines", False)  # JS/TS write each function's output line into it
    outcomes = []
    edits: list[Edit] = []
    texts: dict[int, bytes] = {}
    # Shapes that carry line numbers count the import line above each unit; the others look for it only when needed.
    import_edit = language.import_edit(tree, src.parse_bytes, import_line, src.newline) if carries_lines else None
    refresh = getattr(language, "refresh_edits", None)  # telemetry lines that carry a name a rename made stale
    enriched: list[Edit] = []  # the attribute lines (``provided``) of the units so far, for the line numbers below them
    for index, (identity, unit) in enumerate(identified(units)):
        fresh = []
        if unit.instrumented and refresh and (selected is None or selected(unit)):
            shift = _lines_above(unit, edits + enriched, import_edit, src) if carries_lines else None
            fresh = refresh(unit, src.parse_bytes, src.newline, path, shift)
        if fresh:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "instrumented", "telemetry line refreshed", source="template"))
            texts[index] = b"\0".join(e.text for e in fresh)
            edits += fresh
        elif unit.instrumented:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "already"))
        elif unit.skip_reason:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "skipped", unit.skip_reason))
        elif selected is not None and not selected(unit):
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "not-selected"))
        elif template:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "instrumented", source="template"))
            unit_edits = language.span_edits(unit, src.newline, path, _lines_above(unit, edits + enriched, import_edit, src) if carries_lines else None)
            texts[index] = b"\0".join(e.text for e in unit_edits)
            edits += unit_edits
            if carries_lines and provided and identity in provided:  # its attribute lines move the functions below it too
                enriched += _unit_enrichment(src.parse_bytes, unit, provided[identity])
        elif provided and identity in provided:
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, "instrumented", source="llm"))
        else:
            reason = f"no template for {language.name}: `--llm fallback` has an LLM write it"
            outcomes.append(FunctionOutcome(unit.qualname, unit.def_line, NEEDS_LLM, reason))
    if any(u.instrumented for u in units) or any(o.status == "instrumented" for o in outcomes):
        if not carries_lines:
            import_edit = language.import_edit(tree, src.parse_bytes, import_line, src.newline)
        if import_edit is not None:
            edits.insert(0, import_edit)
    return tuple(outcomes), edits, texts


def _lines_above(unit: FunctionUnit, edits: list[Edit], import_edit: Edit | None, src: SourceText) -> int:
    """Lines this run inserts above ``unit``'s first line (the edits so far are those of the units before it)."""
    top = src.parse_bytes.rfind(b"\n", 0, unit.start_byte) + 1
    return sum(e.text.count(b"\n") for e in (*edits, *([import_edit] if import_edit else ())) if e.start <= top)


def candidates(raw: bytes, language: Language, selected: Selector | None = None) -> list[tuple[Identity, bytes]]:
    """The functions ``inject`` would instrument, with their text from the `def` line (for the LLM)."""
    return [(identity, text) for identity, _, text in candidate_units(raw, language, selected)[0]]


def candidate_units(
    raw: bytes, language: Language, selected: Selector | None = None, import_line: bytes = b""
) -> tuple[list[tuple[Identity, FunctionUnit, bytes]], bytes, bool]:
    """(each function ``inject`` would instrument or hand to the LLM, with its unit and text; the file's newline;
    whether instrumenting would add ``import_line``, when one is given)."""
    src = read_source(raw)
    tree = parse(language, src)
    needs_import = bool(import_line) and language.import_edit(tree, src.parse_bytes, import_line, src.newline) is not None
    units = language.function_units(tree, src.parse_bytes)
    outcomes, _, _ = _plan(language, tree, src, units, b"", selected)
    found = []
    for (identity, unit), outcome in zip(identified(units), outcomes):
        if outcome.status in ("instrumented", NEEDS_LLM):
            found.append((identity, unit, src.parse_bytes[unit.def_line_start : _line_end(src.parse_bytes, unit.end_byte)]))
    return found, src.newline, needs_import


def _enrichment_edits(
    source: bytes, units: list[FunctionUnit], outcomes: tuple[FunctionOutcome, ...], enrichments: dict[Identity, Insertions]
) -> list[Edit]:
    edits = []
    for (identity, unit), outcome in zip(identified(units), outcomes):
        insertions = enrichments.get(identity)
        if outcome.status != "instrumented" or not insertions:
            continue
        edits += _unit_enrichment(source, unit, insertions)
    return edits


def _unit_enrichment(source: bytes, unit: FunctionUnit, insertions: Insertions) -> list[Edit]:
    """One function's verified insertions, each (lines of the function before it, text), as edits."""
    lines = source[unit.def_line_start : _line_end(source, unit.end_byte)].splitlines(keepends=True)
    starts = [unit.def_line_start]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return [Edit(starts[before], starts[before], text) for before, text in insertions]


def identified(items: Sequence[T]) -> list[tuple[Identity, T]]:
    """Each unit (or outcome) with (qualname, occurrence): an identity that survives line insertions."""
    seen: dict[str, int] = {}
    pairs = []
    for item in items:
        seen[item.qualname] = seen.get(item.qualname, -1) + 1
        pairs.append(((item.qualname, seen[item.qualname]), item))
    return pairs


def _identities(units: list[FunctionUnit], keep: Selector) -> set[tuple[str, int]]:
    return {identity for identity, unit in identified(units) if keep(unit)}


def _member_of(units: list[FunctionUnit], wanted: set[tuple[str, int]]) -> Selector:
    chosen = {id(unit) for identity, unit in identified(units) if identity in wanted}
    return lambda unit: id(unit) in chosen


def _through_cache(
    language: Language,
    src: SourceText,
    units: list[FunctionUnit],
    outcomes: tuple[FunctionOutcome, ...],
    texts: dict[int, bytes],
    lookup: Lookup,
    level: str,
) -> tuple[tuple[FunctionOutcome, ...], tuple[tuple[str, bytes, str], ...]]:
    """Mark instrumented functions served by the cache; collect the entries it lacks."""
    from telemetry_inject.engine.cache import function_key

    markers = [m for u in units for m in u.markers]
    marked = []
    entries = []
    for index, (unit, outcome) in enumerate(zip(units, outcomes)):
        if outcome.status != "instrumented":
            marked.append(outcome)
            continue
        key = function_key(_stripped_text(src.parse_bytes, unit, markers), language.name, level)
        expected = texts[index]
        hit = lookup(key)
        if hit is not None and hit[0] == expected:  # re-verified: exactly what the template writes
            marked.append(outcome._replace(source="cache"))
        else:
            marked.append(outcome._replace(source="template"))
            entries.append((key, expected, "template"))
    return tuple(marked), tuple(entries)


def _stripped_text(source: bytes, unit: FunctionUnit, markers: list[tuple[int, int]]) -> bytes:
    """The function's own text without telemetry lines of functions nested inside it."""
    inside = [m for m in markers if unit.start_byte <= m[0] < unit.end_byte]
    if not inside:
        return source[unit.start_byte : unit.end_byte]
    return apply_edits(source[: unit.end_byte], [Edit(a, b, b"") for a, b in inside])[unit.start_byte :]


def _inserted_ranges(edits: list[Edit]) -> list[tuple[int, int]]:
    """Where the inserted text lands in the output (parser coordinates)."""
    ranges = []
    shift = 0
    for edit in sorted(edits, key=lambda e: e.start):
        start = edit.start + shift
        ranges.append((start, start + len(edit.text)))
        shift += len(edit.text) - (edit.end - edit.start)
    return ranges


def _edited_tree(tree: tree_sitter.Tree, source: bytes, edits: list[Edit]) -> tree_sitter.Tree:
    """Tell ``tree`` about our insertions (last first, so earlier positions stay valid)."""
    ordered = sorted(edits, key=lambda e: e.start)
    rows = []
    row, cursor = 0, 0
    for edit in ordered:
        row += source.count(b"\n", cursor, edit.start)
        cursor = edit.start
        rows.append(row)
    for edit, row in zip(reversed(ordered), reversed(rows)):
        column = edit.start - (source.rfind(b"\n", 0, edit.start) + 1)
        added_rows = edit.text.count(b"\n")
        tail = len(edit.text) - (edit.text.rfind(b"\n") + 1)
        end_point = (row + added_rows, tail if added_rows else column + len(edit.text))
        tree.edit(edit.start, edit.end, edit.start + len(edit.text), (row, column), (row, column), end_point)
    return tree
