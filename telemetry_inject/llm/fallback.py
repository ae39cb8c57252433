"""``--llm fallback``: languages without a template get their telemetry lines written by the LLM.

The two lines are fully determined by the function (its name, file and line),
so the verifier accepts exactly one answer; the prompt says which, and a
refusal says what was wrong. Asking at all is the point: the same path takes
any language with a grammar, with the runtime's shape as the only rule.
"""
from __future__ import annotations

from pathlib import PurePath

from telemetry_inject.engine.units import FunctionUnit
from telemetry_inject.languages.wrapped import expected_lines
from telemetry_inject.llm.enrich import Task
from telemetry_inject.llm.verify import verify_wrapped

PROMPT_VERSION = "fallback-1"


def wrap_task(language, unit: FunctionUnit, text: bytes, path: PurePath, newline: bytes, lessons: str = "") -> Task:
    """The question for one function of a template-less language, and its exact verifier."""
    opening, closing = expected_lines(language.shape, unit, path, newline)
    open_at = text.count(b"\n", 0, unit.anchors[0] - unit.def_line_start)
    close_at = text.count(b"\n", 0, unit.anchors[1] - unit.def_line_start)
    system = language.rules.format(open="    <the opening line given below>", close="    <the closing line given below>")
    if lessons:
        system += "\n\n" + lessons
    fence = language.name
    user = (
        f"```{fence}\n{text.decode('utf-8', 'replace')}```\n\n"
        f"Opening line (after line {open_at} of the function):\n{opening.decode().rstrip()}\n"
        f"Closing line (before line {close_at + 1}):\n{closing.decode().rstrip()}"
    )
    return Task(system, user, lambda answer: verify_wrapped(text, answer, opening, closing, open_at, close_at, language.shape), language.name)


def task_key(language, unit: FunctionUnit, text: bytes, path: PurePath, newline: bytes, level: str, models: tuple[str, ...]) -> str:
    """The cache key: the function, the exact lines it must get, the prompt version and the models."""
    from telemetry_inject.engine.cache import function_key

    opening, _ = expected_lines(language.shape, unit, path, newline)
    return function_key(text, language.name, level, f"{PROMPT_VERSION}:{opening.decode()}:{','.join(models)}")
