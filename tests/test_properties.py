"""Invariants over generated programs (hypothesmith): round trip, compiles, idempotent.

A program tree-sitter can't parse is refused (SourceError) and that's allowed;
a safety gate failing on a program that parses is a bug.
"""
from __future__ import annotations

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from telemetry_inject.engine.inject import inject, strip
from telemetry_inject.engine.source import SourceError
from telemetry_inject.languages import LANGUAGES

PYTHON = LANGUAGES["python"]
IMPORT = b"from pkg import _telemetry_utils as _tel"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def check_invariants(text: str) -> None:
    source = text.encode("utf-8")
    try:
        result = inject(source, PYTHON, IMPORT)
    except SourceError:
        assume(False)
        return
    output = result.source
    if output is not source:
        try:
            compile(output, "<generated>", "exec", dont_inherit=True)
        except SyntaxError:
            # Only statements we edited are compiled by the gate; the rest must have been broken already.
            with pytest.raises(SyntaxError):
                compile(source, "<generated>", "exec", dont_inherit=True)
    assert strip(output, PYTHON) == source
    assert inject(output, PYTHON, IMPORT).source == output
    assert output.count(b"@_tel.span") == len(result.instrumented)


@settings(SETTINGS, max_examples=40)  # libcst-built programs are slow to generate: ~1 s each
@given(hypothesmith.from_node())
def test_generated_from_libcst_nodes(text: str) -> None:
    check_invariants(text)


@SETTINGS
@given(hypothesmith.from_grammar())
def test_generated_from_grammar(text: str) -> None:
    check_invariants(text)


_NAMES = st.sampled_from(["a", "b", "run", "_private", "__init__", "value"])
_DECORATORS = st.lists(st.sampled_from(["@staticmethod", "@classmethod", "@property", "@functools.cache", "@overload", "@app.route('/x')"]), max_size=3)
_BODIES = st.sampled_from(["return 1", "yield x", "await thing()", "pass", '"""Doc."""\n{i}return None', "x = (yield)"])


@st.composite
def modules(draw) -> str:
    """Realistic shapes hypothesmith rarely produces: decorated methods, nesting, async, docstrings."""
    lines = []
    if draw(st.booleans()):
        lines += ['"""Module doc."""']
    if draw(st.booleans()):
        lines += ["from __future__ import annotations"]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    indent_unit = draw(st.sampled_from(["    ", "\t", "  "]))
    for _ in range(draw(st.integers(1, 4))):
        depth = draw(st.integers(0, 2))
        if depth:
            lines.append("class C:")
        prefix = indent_unit * depth
        for decorator in draw(_DECORATORS):
            lines.append(prefix + decorator)
        is_async = draw(st.booleans())
        body = draw(_BODIES).replace("{i}", prefix + indent_unit)
        lines.append(f"{prefix}{'async ' if is_async else ''}def {draw(_NAMES)}(x):")
        lines.append(prefix + indent_unit + body + draw(st.sampled_from(["", "  ", "  # comment"])))
    return newline.join(lines) + draw(st.sampled_from(["", newline]))


@SETTINGS
@given(modules())
def test_generated_realistic_modules(text: str) -> None:
    check_invariants(text)
