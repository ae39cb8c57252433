"""The runtime modules the tool copies into users' repositories (one per language)."""
from __future__ import annotations

from importlib import resources


def runtime_source(language) -> bytes:
    """The runtime file for ``language`` (a Language), as shipped in this package."""
    return resources.files("telemetry_inject.runtimes").joinpath(language.name, language.runtime_filename).read_bytes()
