"""``--llm enrich`` for the languages without a template (Java, Ruby): the two telemetry lines plus span attributes.

One call per function. The answer must be the exact ``--llm fallback`` answer
(``verify_wrapped``) plus one to five attribute lines between its opening and
closing line, each in the language's canonical form at the body's indentation
and a statement of the method's own body at its top level. The language's
checker (``java_attrs``, ``ruby_attrs``) reads the value against the method's
tree in the whole file: nothing is compiled, run or evaluated (I9).

An answer without any attribute line is the fallback answer and is accepted:
refusing it would cost the method its span, not just its attributes.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from typing import NamedTuple

from telemetry_inject.llm.verify import MAX_ATTRIBUTES, Verdict, answer_lines, verify_wrapped

# The language's checker module: ATTR_START (what marks an attribute line), METHOD_TYPES, RULES, check().
CHECKERS = {"java": "telemetry_inject.llm.java_attrs", "ruby": "telemetry_inject.llm.ruby_attrs"}
SENSITIVE = ("password", "passwd", "secret", "token", "key", "auth", "cookie", "session", "credential", "private")
ATTRIBUTE_NAME = re.compile(r'"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)"')


class Method(NamedTuple):
    """What a checker sees of the function being enriched."""

    source: bytes  # the whole file, as parsed
    node: object  # the method's tree-sitter node in it
    indent: str  # the body's indentation: the opening line's


def checker(language: str):
    return import_module(CHECKERS[language])


def locator(language, raw: bytes, start_byte: int, indent: bytes) -> Callable[[], Method | str]:
    """The method at ``start_byte`` of the file ``raw``, parsed on first use (a cached answer is verified too)."""
    found: list = []

    def locate() -> Method | str:
        if not found:
            found.append(_locate(language, raw, start_byte, indent))
        return found[0]

    return locate


def _locate(language, raw: bytes, start_byte: int, indent: bytes) -> Method | str:
    from telemetry_inject.engine.source import SourceError, read_source

    try:
        source = read_source(raw).parse_bytes
    except SourceError as exc:
        return f"the file cannot be read: {exc}"
    node = language.parser().parse(source).root_node.descendant_for_byte_range(start_byte, start_byte)
    while node is not None and not (node.type in checker(language.name).METHOD_TYPES and node.start_byte == start_byte):
        node = node.parent
    if node is None:
        return "the method is not where the file says it is"
    return Method(source, node, indent.decode("utf-8", "replace"))


def verify_wrapped_enrichment(
    original: bytes, answer: str, opening: bytes, closing: bytes, open_at: int, close_at: int, shape, language: str,
    locate: Callable[[], Method | str], def_line_start: int,
) -> Verdict:
    """Accept the exact fallback answer plus at most MAX_ATTRIBUTES attribute lines between its two lines,
    each one the checker accepts where it stands; refuse anything else with the first reason."""
    lines = answer_lines(original, answer)
    if isinstance(lines, Verdict):
        return lines
    _, got, newline, trailing = lines
    rules = checker(language)
    attrs = {index for index, line in enumerate(got) if rules.ATTR_START.match(line)}
    kept = [line for index, line in enumerate(got) if index not in attrs]
    fallback = verify_wrapped(original, "\n".join(kept) + "\n", opening, closing, open_at, close_at, shape)
    if not fallback.accepted:
        return fallback
    if not attrs:
        return fallback
    if len(attrs) > MAX_ATTRIBUTES:
        return Verdict(False, f"{len(attrs)} attributes; at most {MAX_ATTRIBUTES}", original)
    method = locate()
    if isinstance(method, str):
        return Verdict(False, method, original)
    offsets = [0]
    for line in original.split(b"\n"):
        offsets.append(offsets[-1] + len(line) + 1)
    names, insertions, kept_before = [], [], 0
    for index, line in enumerate(got):
        if index not in attrs:
            if kept_before == open_at:
                insertions.append((open_at, opening))
            elif kept_before == close_at + 1:
                insertions.append((close_at, closing))
            kept_before += 1
            continue
        # kept lines before it: the original's lines before the opening, the opening, then body lines
        if not open_at + 1 <= kept_before <= close_at + 1:
            return Verdict(False, f"answer line {index + 1}: attribute lines go between the opening and the closing telemetry line", original)
        before = kept_before - 1
        problem, name = rules.check(line, def_line_start + offsets[before], method)
        if problem:
            return Verdict(False, f"answer line {index + 1}: {problem}", original)
        names.append(name)
        insertions.append((before, (line + newline).encode()))
    enriched = (newline.join(got) + (newline if trailing else "")).encode()
    return Verdict(True, "", enriched, tuple(names), tuple(insertions))


def attribute_name(key: str) -> tuple[str, str]:
    """(problem, name) for the attribute name's string literal."""
    match = ATTRIBUTE_NAME.fullmatch(key)
    if match is None:
        return "the attribute name must be a lowercase dotted string literal", ""
    if any(word in match[1] for word in SENSITIVE):
        return f"attribute {match[1]!r} looks like a secret", ""
    return "", match[1]


def secret_in(value: str) -> str | None:
    """The first name in ``value`` that looks sensitive."""
    return next((word for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", value) if any(s in word.lower() for s in SENSITIVE)), None)


def straddling(body, pos: int):
    """The child of ``body`` a line inserted at ``pos`` would land inside, if any (comments and heredocs count)."""
    return next((c for c in body.children if c.start_byte < pos < c.end_byte), None)
