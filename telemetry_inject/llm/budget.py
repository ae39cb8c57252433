"""``telemetry-inject budget``: what enriching a diff would cost, without calling any model.

Cache-aware: a function whose verified answer is cached costs 0. The estimate
is pessimistic (whole prompt plus every allowed output token, one attempt per
function); the worst case adds every retry.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, TextIO

from telemetry_inject.config import Settings
from telemetry_inject.engine.cache import Cache
from telemetry_inject.engine.run import WriteMode, llm_jobs, touched_selector
from telemetry_inject.engine.source import SourceError
from telemetry_inject.languages import language_for
from telemetry_inject.llm.enrich import LLMSession


class Estimate(NamedTuple):
    functions: int
    cached: int
    usd: float
    worst_usd: float


def estimate(paths: list[Path], settings: Settings, session: LLMSession, scope, cache: Cache | None, llm_mode: str = "enrich") -> Estimate:
    mode = WriteMode(write=False, scope=scope, llm=session, llm_mode=llm_mode)
    functions = cached = 0
    usd = 0.0
    for path in paths:
        language = language_for(path)
        in_diff, selected = touched_selector(path, scope)
        if not in_diff or language is None:
            continue
        try:
            jobs = llm_jobs(path.read_bytes(), path, language, selected, settings, mode)
        except (SourceError, OSError):
            continue
        for _, key, text, task in jobs:
            functions += 1
            if cache is not None and cache.get_function(key) is not None:
                cached += 1
                continue
            usd += session.estimate(text, task.system)
    return Estimate(functions, cached, usd, usd * (1 + session.max_retries))


def write_estimate(result: Estimate, session: LLMSession, max_usd: float | None, out: TextIO, fmt: str) -> int:
    over = max_usd is not None and result.usd > max_usd
    if fmt == "json":
        import json

        json.dump(
            {
                "provider": session.provider.provider,
                "models": list(session.provider.models),
                "functions": result.functions,
                "cached": result.cached,
                "estimated_cost_usd": round(result.usd, 6),
                "worst_case_usd": round(result.worst_usd, 6),
                "max_usd": max_usd,
                "over_budget": over,
            },
            out,
        )
        out.write("\n")
    else:
        limit = f"; limit ${max_usd:.4f}: {'OVER' if over else 'within'}" if max_usd is not None else ""
        out.write(
            f"{result.functions} functions to enrich ({result.cached} cached, free) with {session.provider.provider} "
            f"{session.provider.models[0]}: about ${result.usd:.4f}, at most ${result.worst_usd:.4f} with every retry{limit}\n"
        )
    return 1 if over else 0
