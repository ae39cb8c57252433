"""Input/output case files: tests/cases/<language>/NAME.<ext> → NAME.expected.<ext> (absent: no change)."""
from __future__ import annotations

from pathlib import Path

import pytest

from telemetry_inject.engine.inject import inject, strip
from telemetry_inject.languages import LANGUAGES

CASES = Path(__file__).parent / "cases"
# (language, extension, the runtime import line the cases expect)
SUITES = [
    ("python", ".py", b"import _telemetry_utils as _tel"),
    ("go", ".go", b'import _tel "example.com/app/internal/telemetry"'),
]
INPUTS = [
    (LANGUAGES[name], path, line)
    for name, ext, line in SUITES
    for path in sorted((CASES / name).glob(f"*{ext}"))
    if not path.name.endswith(f".expected{ext}")
]


def _expected(case: Path) -> Path:
    return case.with_name(case.stem + ".expected" + case.suffix)


@pytest.mark.parametrize(("language", "case", "line"), INPUTS, ids=lambda v: v.name if isinstance(v, Path) else "")
def test_case(language, case: Path, line: bytes) -> None:
    source = case.read_bytes()
    expected_path = _expected(case)
    expected = expected_path.read_bytes() if expected_path.exists() else source
    result = inject(source, language, line)
    assert result.source == expected
    if not expected_path.exists():
        assert result.source is source, "no edits must return the input object itself"


@pytest.mark.parametrize(("language", "case", "line"), INPUTS, ids=lambda v: v.name if isinstance(v, Path) else "")
def test_case_round_trip_and_idempotence(language, case: Path, line: bytes) -> None:
    source = case.read_bytes()
    once = inject(source, language, line).source
    # Cases that start instrumented strip to their own stripped form; the rest strip back exactly.
    if b"_tel." not in source:
        assert strip(once, language) == source
    assert inject(once, language, line).source == once
    assert strip(strip(once, language), language) == strip(once, language)


@pytest.mark.parametrize(("name", "ext"), [(name, ext) for name, ext, _ in SUITES])
def test_cases_exist(name: str, ext: str) -> None:
    inputs = [case for language, case, _ in INPUTS if language.name == name]
    assert len(inputs) >= 5
    assert any((CASES / name).glob(f"*.expected{ext}"))


def test_the_registry_lists_each_languages_own_extensions() -> None:
    from telemetry_inject.languages import REGISTRY

    for name, (_, _, extensions) in REGISTRY.items():
        assert LANGUAGES[name].name == name and LANGUAGES[name].extensions == extensions
