"""The runtime modules the tool copies into users' repositories (one per language)."""
from __future__ import annotations

import pkgutil


def runtime_source(language) -> bytes:
    """The runtime file for ``language`` (a Language), as shipped in this package.

    ``pkgutil`` rather than ``importlib.resources``, which imports ``tempfile`` and more on the hook's path.
    """
    data = pkgutil.get_data("telemetry_inject.runtimes", f"{language.name}/{language.runtime_filename}")
    if data is None:
        raise FileNotFoundError(f"the {language.name} runtime is missing from this installation")
    return data
