"""Per-file outcomes: every command (run, strip, status, the hook, the bot) reports from these."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from telemetry_inject.engine.inject import FunctionOutcome


@dataclass(frozen=True)
class Changed:
    path: Path
    functions: tuple[FunctionOutcome, ...]
    runtime_created: Path | None = None
    diff: str = ""


@dataclass(frozen=True)
class Unchanged:
    path: Path
    functions: tuple[FunctionOutcome, ...] = ()
    cached: bool = False  # known fixed point from the cache: not parsed at all


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass(frozen=True)
class Failed:
    path: Path
    reason: str


FileResult = Changed | Unchanged | Skipped | Failed


@dataclass
class Summary:
    results: list[FileResult] = field(default_factory=list)

    @property
    def changed(self) -> list[Changed]:
        return [r for r in self.results if isinstance(r, Changed)]

    @property
    def problems(self) -> list[Skipped | Failed]:
        return [r for r in self.results if isinstance(r, (Skipped, Failed))]
