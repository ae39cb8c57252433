"""Input/output case files: tests/cases/python/NAME.py → NAME.expected.py (absent: no change)."""
from __future__ import annotations

from pathlib import Path

import pytest

from telemetry_inject.engine.inject import inject, strip
from telemetry_inject.languages import LANGUAGES

CASES = Path(__file__).parent / "cases" / "python"
IMPORT = b"import _telemetry_utils as _tel"
PYTHON = LANGUAGES["python"]
INPUTS = sorted(p for p in CASES.glob("*.py") if not p.name.endswith(".expected.py"))


@pytest.mark.parametrize("case", INPUTS, ids=lambda p: p.stem)
def test_case(case: Path) -> None:
    source = case.read_bytes()
    expected_path = case.with_name(case.stem + ".expected.py")
    expected = expected_path.read_bytes() if expected_path.exists() else source
    result = inject(source, PYTHON, IMPORT)
    assert result.source == expected
    if not expected_path.exists():
        assert result.source is source, "no edits must return the input object itself"


@pytest.mark.parametrize("case", INPUTS, ids=lambda p: p.stem)
def test_case_round_trip_and_idempotence(case: Path) -> None:
    source = case.read_bytes()
    once = inject(source, PYTHON, IMPORT).source
    # Cases that start instrumented strip to their own stripped form; the rest strip back exactly.
    if b"_tel.span" not in source:
        assert strip(once, PYTHON) == source
    assert inject(once, PYTHON, IMPORT).source == once
    assert strip(strip(once, PYTHON), PYTHON) == strip(once, PYTHON)


def test_cases_exist() -> None:
    assert len(INPUTS) >= 10
    assert any(CASES.glob("*.expected.py"))
