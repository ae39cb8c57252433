"""``--llm fallback``: languages without a template get their telemetry lines written by the LLM.

The two lines are fully determined by the function (its name, file and line),
so the verifier accepts exactly one answer; the prompt says which, and a
refusal says what was wrong. Asking at all is the point: the same path takes
any language with a grammar, with the runtime's shape as the only rule.

Under ``--llm enrich`` the same single call also asks for span attribute lines
between the two (``wrapped_attrs``): its own prompt version, so its own cache keys.
"""
from __future__ import annotations

from pathlib import Path, PurePath

from telemetry_inject.engine.units import FunctionUnit
from telemetry_inject.languages.wrapped import expected_lines
from telemetry_inject.llm.enrich import Task
from telemetry_inject.llm.verify import verify_wrapped

PROMPT_VERSION = "fallback-1"
ENRICH_PROMPT_VERSION = "wrapped-enrich-2"


def wrap_task(
    language, unit: FunctionUnit, text: bytes, path: PurePath, newline: bytes, lessons: str = "", enrich: bool = False, raw: bytes = b""
) -> Task:
    """The question for one function of a template-less language, and its exact verifier; with ``enrich``
    (``raw``: the whole file, which the attribute checker reads) attribute lines are asked for too."""
    opening, closing = expected_lines(language.shape, unit, path, newline)
    open_at = text.count(b"\n", 0, unit.anchors[0] - unit.def_line_start)
    close_at = text.count(b"\n", 0, unit.anchors[1] - unit.def_line_start)
    rules = language.rules
    if enrich:
        from telemetry_inject.llm.wrapped_attrs import checker

        rules = checker(language.name).RULES
    system = rules.format(open="    <the opening line given below>", close="    <the closing line given below>")
    if lessons:
        system += "\n\n" + lessons
    fence = language.name
    user = (
        f"```{fence}\n{text.decode('utf-8', 'replace')}```\n\n"
        f"Opening line (after line {open_at} of the function):\n{opening.decode().rstrip()}\n"
        f"Closing line (before line {close_at + 1}):\n{closing.decode().rstrip()}"
    )
    if not enrich:
        return Task(system, user, lambda answer: verify_wrapped(text, answer, opening, closing, open_at, close_at, language.shape), language.name)
    from telemetry_inject.llm.wrapped_attrs import locator, verify_wrapped_enrichment

    user += f"\n\nAttribute lines: one to five, between them, at the indentation of the opening line ({unit.indent.decode('utf-8', 'replace')!r})."
    locate = locator(language, raw, unit.start_byte, unit.indent)
    return Task(system, user, lambda answer: verify_wrapped_enrichment(
        text, answer, opening, closing, open_at, close_at, language.shape, language.name, locate, unit.def_line_start), language.name)


def task_key(
    language, unit: FunctionUnit, text: bytes, path: PurePath, newline: bytes, level: str, models: tuple[str, ...], enrich: bool = False
) -> str:
    """The cache key: the function, the exact lines it must get, the prompt version (fallback or enrich) and the models."""
    from telemetry_inject.engine.cache import function_key

    opening, _ = expected_lines(language.shape, unit, path, newline)
    version = ENRICH_PROMPT_VERSION if enrich else PROMPT_VERSION
    return function_key(text, language.name, level, f"{version}:{opening.decode()}:{','.join(models)}")


ATTRIBUTE_LESSONS = ("no-secrets",)  # shipped for every language (lessons/common), but about attribute lines


def wrapped_lessons(directory: Path | None, language: str, enrich: bool) -> str:
    """The prompt lessons for ``language``; those about attribute lines (``attr-*.md``) only under enrich."""
    from telemetry_inject.llm.lessons import project, shipped

    entries = shipped(language) + project(directory, language)
    return "\n\n".join(text for slug, text in entries if enrich or not (slug.startswith("attr-") or slug in ATTRIBUTE_LESSONS))


def renumbered(language, found: list, needs_import: bool, answers: dict, path: PurePath, newline: bytes) -> dict:
    """``answers`` (Enrichments by identity) with each opening line's {LINE} where the function really lands:
    the prompt counted two lines for every function above, but a refusal adds none and attributes add more.
    The opening line is fully determined, so the tool writes it itself (as ``refresh_opening`` does)."""
    added = 1 if needs_import else 0
    fixed = dict(answers)
    for identity, unit, _ in found:
        answer = answers.get(identity)
        if answer is None or not answer.insertions:
            continue
        (before, opening), *rest = answer.insertions
        line = expected_lines(language.shape, unit._replace(def_line=unit.def_line + added), path, newline)[0]
        if language.shape.open_re.fullmatch(opening) and line != opening:
            fixed[identity] = answer._replace(insertions=((before, line), *rest))
        added += len(answer.insertions)
    return fixed
