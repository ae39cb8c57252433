"""Per-file outcomes: every command (run, strip, status, the hook, the bot) reports from these."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from telemetry_inject.engine.inject import FunctionOutcome


class Changed(NamedTuple):
    path: Path
    functions: tuple[FunctionOutcome, ...]
    runtime_created: Path | None = None
    diff: str = ""


class Unchanged(NamedTuple):
    path: Path
    functions: tuple[FunctionOutcome, ...] = ()
    cached: bool = False  # known fixed point from the cache: not parsed at all


class Skipped(NamedTuple):
    path: Path
    reason: str


class Failed(NamedTuple):
    path: Path
    reason: str


FileResult = Changed | Unchanged | Skipped | Failed
