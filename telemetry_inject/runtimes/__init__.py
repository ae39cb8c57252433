"""The runtime modules the tool copies into users' repositories (one per language)."""
from __future__ import annotations

from importlib import resources


def runtime_source(language: str) -> bytes:
    return resources.files("telemetry_inject.runtimes").joinpath(language, "_telemetry_utils.py").read_bytes()
