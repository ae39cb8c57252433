"""Languages the engine knows, one module each, listed explicitly."""
from __future__ import annotations

from pathlib import Path, PurePath
from typing import Protocol

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine.placement import RuntimeRef
from telemetry_inject.engine.units import Edit, FunctionUnit
from telemetry_inject.languages.go import Go
from telemetry_inject.languages.java import Java
from telemetry_inject.languages.javascript import JavaScript, TypeScript
from telemetry_inject.languages.python import Python
from telemetry_inject.languages.ruby import Ruby


class Language(Protocol):
    name: str
    extensions: tuple[str, ...]
    skipped_suffixes: tuple[str, ...]  # files never instrumented (Go's `_test.go`)
    runtime_filename: str

    def parser(self) -> tree_sitter.Parser: ...
    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]: ...
    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None: ...
    def span_edits(self, unit: FunctionUnit, newline: bytes, path: str = "") -> list[Edit]: ...  # path: repo-relative, for shapes that carry it
    def runtime(self, path: PurePath, settings: Settings) -> RuntimeRef: ...  # raises SourceError when it has none
    def is_runtime(self, path: PurePath) -> bool: ...
    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]: ...  # files to write for the runtime at ``path``
    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]: ...
    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None: ...


LANGUAGES: dict[str, Language] = {"python": Python(), "go": Go(), "java": Java(), "ruby": Ruby(), "javascript": JavaScript(), "typescript": TypeScript()}
_BY_EXTENSION = {ext: lang for lang in LANGUAGES.values() for ext in lang.extensions}


def language_for(path: PurePath) -> Language | None:
    language = _BY_EXTENSION.get(path.suffix)
    if language is not None and language.skipped_suffixes and path.name.endswith(language.skipped_suffixes):
        return None
    return language
