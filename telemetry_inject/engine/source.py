"""Bytes in, bytes out: encodings, BOMs and newline styles survive untouched.

Tree-sitter parses UTF-8. A file in another ASCII-compatible encoding (a PEP 263
coding cookie) is parsed from a UTF-8 copy; since every edit starts at a line
start, offsets map back to the original bytes by line number.
"""
from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from telemetry_inject.engine.units import Edit


class SourceError(Exception):
    """The file can't be handled as source text (binary, undecodable)."""


class SourceText(NamedTuple):
    raw: bytes
    parse_bytes: bytes  # what the parser sees: ``raw`` (less a UTF-8 BOM) unless transcoded
    text: str
    encoding: str
    newline: bytes
    bom: int = 0  # bytes of UTF-8 BOM kept out of the parser's view (edits go after it)
    transcoded: bool = False

    def to_raw(self, edits: list[Edit]) -> list[Edit]:
        """Map edits from parser offsets to offsets in ``raw``."""
        if not self.transcoded:
            return [Edit(e.start + self.bom, e.end + self.bom, e.text) for e in edits] if self.bom else edits
        starts = _line_starts(self.raw)

        def raw_offset(offset: int) -> int:
            if offset == len(self.parse_bytes):
                return len(self.raw)
            return starts[self.parse_bytes.count(b"\n", 0, offset)]

        return [Edit(raw_offset(e.start), raw_offset(e.end), e.text) for e in edits]


def read_source(raw: bytes) -> SourceText:
    if b"\x00" in raw:
        raise SourceError("binary file (NUL bytes)")
    encoding = _declared_encoding(raw)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r} in the coding declaration") from None
    if raw.startswith(codecs.BOM_UTF8):
        if codec != "utf-8":
            raise SourceError(f"UTF-8 BOM with a {encoding} coding declaration")
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"line {line}: not valid {encoding}") from None
    except LookupError:  # a codec for bytes, not text (rot13, hex, zlib...): Python refuses such a source file too
        raise SourceError(f"{encoding!r} in the coding declaration is not a text encoding") from None
    if codec in ("utf-8", "utf-8-sig"):
        bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
        return SourceText(raw, raw[bom:] if bom else raw, text, encoding, _newline(raw), bom)
    if "\n".encode(codec) != b"\n" or "_tel".encode(codec) != b"_tel":
        raise SourceError(f"encoding {encoding} is not ASCII-compatible")
    return SourceText(raw, text.encode("utf-8"), text, encoding, _newline(raw), transcoded=True)


# PEP 263, as the tokenize module applies it (without importing tokenize: the hook's start-up counts).
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def _declared_encoding(raw: bytes) -> str:
    lines = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    for line in lines.split(b"\n", 2)[:2]:
        match = _CODING.match(line)
        if match:
            return match.group(1).decode("ascii")
        if not _BLANK.match(line):
            break
    return "utf-8"


def _newline(raw: bytes) -> bytes:
    nl = raw.find(b"\n")
    return b"\r\n" if nl > 0 and raw[nl - 1 : nl] == b"\r" else b"\n"


def _line_starts(raw: bytes) -> list[int]:
    starts = [0]
    find = raw.find
    pos = find(b"\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = find(b"\n", pos + 1)
    return starts
