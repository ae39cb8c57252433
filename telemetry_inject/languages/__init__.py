"""Languages the engine knows, one module each, listed explicitly.

A language's module is imported the first time a file of its kind is seen:
the pre-commit hook on a Python repository never loads the JavaScript, Go,
Java or Ruby modules (a test keeps the hook's import path lean).
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from typing import Protocol

import tree_sitter

from telemetry_inject.config import Settings
from telemetry_inject.engine.placement import RuntimeRef
from telemetry_inject.engine.units import Edit, FunctionUnit


class Language(Protocol):
    name: str
    extensions: tuple[str, ...]
    skipped_suffixes: tuple[str, ...]  # files never instrumented (Go's `_test.go`)
    runtime_filename: str

    def parser(self) -> tree_sitter.Parser: ...
    def function_units(self, tree: tree_sitter.Tree, source: bytes) -> list[FunctionUnit]: ...
    def import_edit(self, tree: tree_sitter.Tree, source: bytes, line: bytes, newline: bytes) -> Edit | None: ...
    def span_edits(self, unit: FunctionUnit, newline: bytes, path: str = "", line_shift: int | None = None) -> list[Edit]: ...  # path: repo-relative; line_shift: lines this run adds above the unit (for shapes that carry them)
    def runtime(self, path: PurePath, settings: Settings) -> RuntimeRef: ...  # raises SourceError when it has none
    def is_runtime(self, path: PurePath) -> bool: ...
    def runtime_payload(self, path: Path) -> list[tuple[Path, bytes]]: ...  # files to write for the runtime at ``path``
    def strip_edits(self, tree: tree_sitter.Tree, source: bytes, units: list[FunctionUnit]) -> list[Edit]: ...
    def compile_error(self, tree: tree_sitter.Tree | None, source: bytes, changed: list[tuple[int, int]] | None) -> str | None: ...


# name: (module, class, file extensions). The extensions are repeated here so that finding a file's
# language needs no import; tests/test_cases.py checks they match each class's own.
REGISTRY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "python": ("telemetry_inject.languages.python", "Python", (".py",)),
    "go": ("telemetry_inject.languages.go", "Go", (".go",)),
    "javascript": ("telemetry_inject.languages.javascript", "JavaScript", (".js", ".mjs", ".cjs", ".jsx")),
    "typescript": ("telemetry_inject.languages.javascript", "TypeScript", (".ts", ".tsx", ".mts", ".cts")),
    "java": ("telemetry_inject.languages.java", "Java", (".java",)),
    "ruby": ("telemetry_inject.languages.ruby", "Ruby", (".rb",)),
}


class _Languages(Mapping):
    """``LANGUAGES["go"]``: the language object, its module imported on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, Language] = {}

    def __getitem__(self, name: str) -> Language:
        if name not in self._loaded:
            module, cls, _ = REGISTRY[name]
            self._loaded[name] = getattr(importlib.import_module(module), cls)()
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)


LANGUAGES: Mapping[str, Language] = _Languages()
_BY_EXTENSION = {ext: name for name, (_, _, extensions) in REGISTRY.items() for ext in extensions}


RUNTIME_MARKER = b"by telemetry-inject"  # in the header of every runtime file the tool writes


def carries_runtime_marker(path: PurePath) -> bool:
    """Whether the file at ``path`` starts like a runtime file this tool wrote."""
    try:
        with open(path, "rb") as f:
            return RUNTIME_MARKER in f.read(600)
    except OSError:
        return False


def grammar(package: str, function: str = "language") -> tree_sitter.Language:
    """The tree-sitter language a grammar wheel's compiled ``_binding`` gives, loaded without running
    the package's ``__init__``: that imports ``importlib.resources`` for the highlight queries (and with it
    ``tempfile``, ``shutil``, ``random``, ``bz2``, ``lzma``): ≈ 5 ms of the hook's start-up for nothing."""
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec(package)  # finds the package without importing it
    for location in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(location) / f"_binding{suffix}"
            if path.is_file():
                loader = importlib.machinery.ExtensionFileLoader(f"{package}._binding", str(path))
                binding = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
                loader.exec_module(binding)
                sys.modules.setdefault(loader.name, binding)  # a later `import <package>` finds it
                return tree_sitter.Language(getattr(binding, function)())
    return tree_sitter.Language(getattr(importlib.import_module(package), function)())  # a wheel laid out otherwise


def language_for(path: PurePath) -> Language | None:
    name = _BY_EXTENSION.get(path.suffix)
    language = LANGUAGES[name] if name is not None else None
    if language is not None and language.skipped_suffixes and path.name.endswith(language.skipped_suffixes):
        return None
    return language
