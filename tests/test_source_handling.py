"""Bytes survive: encodings, BOM, CRLF, tabs; bad input is refused with file and line, never touched."""
from __future__ import annotations

import pytest

from telemetry_inject.engine.inject import inject, strip
from telemetry_inject.engine.source import SourceError
from telemetry_inject.languages import LANGUAGES

PYTHON = LANGUAGES["python"]
IMPORT = b"import _telemetry_utils as _tel"


def roundtrip(source: bytes) -> bytes:
    out = inject(source, PYTHON, IMPORT).source
    assert out != source
    assert strip(out, PYTHON) == source
    assert inject(out, PYTHON, IMPORT).source == out
    return out


def test_crlf_newlines_are_kept() -> None:
    out = roundtrip(b"def f():\r\n    return 1\r\n")
    assert out == b"import _telemetry_utils as _tel\r\n@_tel.span\r\ndef f():\r\n    return 1\r\n"


def test_utf8_bom_is_kept() -> None:
    out = roundtrip(b'\xef\xbb\xbf"""d\xc3\xa9j\xc3\xa0."""\ndef f():\n    return "\xc3\xa9"\n')
    assert out.startswith(b"\xef\xbb\xbf")


def test_latin1_with_coding_cookie() -> None:
    source = b"# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'\n\ndef f():\n    return '\xe9'\n"
    out = roundtrip(source)
    assert out == b"# -*- coding: latin-1 -*-\nimport _telemetry_utils as _tel\ns = '\xe9t\xe9'\n\n@_tel.span\ndef f():\n    return '\xe9'\n"
    assert compile(out, "x.py", "exec")


def test_tabs_and_trailing_whitespace() -> None:
    out = roundtrip(b"class A:\n\tdef f(self):  \n\t\treturn 1\t\n")
    assert b"\t@_tel.span\n\tdef f(self):  \n" in out


def test_mixed_newlines_round_trip() -> None:
    roundtrip(b"def f():\n    return 1\r\n\r\ndef g():\r\n    return 2\n")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"def f(:\n    pass\n", "line 1"),
        (b"x = 1\n\ndef g()\n    return 1\n", "line 3"),
        (b"def f():\n    return '\xff\xfe'\n", "line 2: not valid utf-8"),
        (b"\x00\x01\x02binary", "binary"),
        (b"# -*- coding: nonsense -*-\nx = 1\n", "encoding"),
        (b"# -*- coding: rot13 -*-\nk = 1\n", "'rot13' in the coding declaration is not a text encoding"),
        (b"# coding=hex\nx = 1\n", "not a text encoding"),
    ],
)
def test_bad_input_is_refused_with_line(source: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        inject(source, PYTHON, IMPORT)


def test_empty_file_is_returned_as_is() -> None:
    source = b""
    assert inject(source, PYTHON, IMPORT).source is source


def test_large_file() -> None:
    body = b"".join(b"def f%d(x):\n    return x + %d  # a comment long enough to pass 5 MB\n\n\n" % (i, i) for i in range(120_000))
    assert len(body) > 5_000_000
    out = inject(body, PYTHON, IMPORT)
    assert len(out.instrumented) == 120_000
    assert strip(out.source, PYTHON) == body


def test_input_that_tree_sitter_accepts_but_cpython_rejects_is_refused_with_its_line() -> None:
    source = b"class A:\n    x = 1\n\n    def m(self):\n        nonlocal y\n"
    with pytest.raises(SourceError, match="line 5: no binding for nonlocal 'y' found"):
        inject(source, PYTHON, IMPORT)


def test_python2_print_statement_is_refused() -> None:
    with pytest.raises(SourceError, match="line 2"):
        inject(b"def f():\n    print 'hello'\n", PYTHON, IMPORT)


def test_utf8_bom_with_many_functions_compiles_whole_file() -> None:
    source = b"\xef\xbb\xbf" + b"".join(b"def f%d():\n    return 1\n" % i for i in range(40))
    out = roundtrip(source)
    assert out.startswith(b"\xef\xbb\xbfimport _telemetry_utils as _tel\n")
