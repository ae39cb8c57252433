"""Languages the engine knows, one module each, listed explicitly."""
from __future__ import annotations

from pathlib import PurePath
from typing import Protocol

import tree_sitter

from telemetry_inject.engine.units import Edit, FunctionUnit
from telemetry_inject.languages.python import Python


class Language(Protocol):
    name: str
    extensions: tuple[str, ...]
    runtime_filename: str

    def parser(self) -> tree_sitter.Parser: ...
    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]: ...
    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None: ...
    def span_edit(self, unit: FunctionUnit, newline: bytes) -> Edit: ...
    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]: ...
    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None: ...


LANGUAGES: dict[str, Language] = {"python": Python()}
_BY_EXTENSION = {ext: lang for lang in LANGUAGES.values() for ext in lang.extensions}


def language_for(path: PurePath) -> Language | None:
    return _BY_EXTENSION.get(path.suffix)
