"""Where a Python file's runtime module lives and how the file imports it.

Inside a package the runtime sits in the top-level package and is imported
absolutely (``from mypkg import _telemetry_utils as _tel``); beside a loose
script it is a sibling module. Config can pin one module for the whole repo.
"""
from __future__ import annotations

import keyword
from pathlib import Path
from typing import NamedTuple

from telemetry_inject.config import Settings


class RuntimeRef(NamedTuple):
    path: Path  # the runtime file
    import_line: bytes


def python_runtime(path: Path, settings: Settings) -> RuntimeRef:
    if settings.python_runtime_module and settings.python_runtime_path:
        return RuntimeRef(settings.root / settings.python_runtime_path, _import_line(settings.python_runtime_module))
    directory = path.resolve().parent
    if not (directory / "__init__.py").is_file():
        return RuntimeRef(directory / "_telemetry_utils.py", _import_line("_telemetry_utils"))
    depth = 0
    while (directory.parent / "__init__.py").is_file():
        directory = directory.parent
        depth += 1
    if not directory.name.isidentifier() or keyword.iskeyword(directory.name):
        # `tests/async/` can't be imported absolutely; a relative import reaches the same module.
        return RuntimeRef(directory / "_telemetry_utils.py", f"from {'.' * (depth + 1)} import _telemetry_utils as _tel".encode())
    return RuntimeRef(directory / "_telemetry_utils.py", _import_line(f"{directory.name}._telemetry_utils"))


def _import_line(module: str) -> bytes:
    package, _, name = module.rpartition(".")
    return (f"from {package} import {name} as _tel" if package else f"import {name} as _tel").encode()
