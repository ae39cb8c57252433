"""Prompt lessons: the shipped ones (``lessons/common/*.md`` and ``lessons/<language>/*.md``), the project's own (config
``lessons-dir``), and ``--learn``, which records a lesson for a failure class nothing covered yet.

A failure class is the kind of refusal the verifier gave (a changed line, an unsafe value…);
its slug names the lesson file, so a class is learned once: the file's existence dedupes.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

MAX_PROJECT_LESSONS = 8
# Refusal reasons (llm/verify.py) → the failure class a lesson file is named after.
_CLASSES = (
    (re.compile(r"was changed|changed or removed|the function has \d+ lines"), "keep-every-line"),
    (re.compile(r"no telemetry statement was added"), "add-at-least-one-attribute"),
    (re.compile(r"attributes; at most"), "at-most-five-attributes"),
    (re.compile(r"looks like a secret"), "no-secrets"),
    (re.compile(r"lowercase dotted string literal"), "attribute-names"),
    (re.compile(r"not a single `_tel\.(attr|Attr)|not a statement|takes exactly a name and a lambda|not the form"), "only-attr-statements"),
    # Go, Java, TypeScript: a value the compiler would reject (checked without one); Ruby: a bare name is a call.
    (re.compile(r"is not a parameter|not declared yet|declared without a value|is reassigned in the method|declares no |is not a getter"
                r"|is not a struct declared|cannot be checked|is not known to be|is redeclared|not attribute values in a|bare name is a method call"
                r"|is not allowed on|has no property|is optional|not typed|no `this`"),
     "values-that-compile"),
    (re.compile(r"never reached|may be unreachable|last statement|before its \w+ clause"), "attributes-where-they-run"),
    (re.compile(r"lambda without parameters|not allowed in an attribute value|private attribute|dunder name|constant subscripts|only call allowed"
                r"|may have side effects|must be a func literal|runtime's own names"),
     "side-effect-free-values"),
    (re.compile(r"statement of the function's own body|go between the opening and the closing|attributes go (in|before)|body's indentation"),
     "own-body-only"),
    (re.compile(r"does not parse"), "answer-must-parse"),
    (re.compile(r"opening line|closing line|opening telemetry line|telemetry lines must go|exactly once each|only the two telemetry lines"),
     "exact-telemetry-lines"),
)


def failure_class(reason: str) -> str | None:
    return next((slug for pattern, slug in _CLASSES if pattern.search(reason)), None)


def shipped(language: str) -> list[tuple[str, str]]:
    """(slug, text) of the lessons shipped for every language (``lessons/common``), then for ``language``
    (packaged as telemetry_inject/lessons)."""
    found = []
    for folder_name in ("common", language):
        folder = resources.files("telemetry_inject").joinpath("lessons", folder_name)
        if folder.is_dir():
            entries = sorted((e for e in folder.iterdir() if e.name.endswith(".md")), key=lambda e: e.name)
            found += [(e.name[:-3], e.read_text(encoding="utf-8").strip()) for e in entries]
    return found


def project(directory: Path | None, language: str) -> list[tuple[str, str]]:
    """(slug, text) of the project's own lessons for ``language``, in name order."""
    folder = directory / language if directory else None
    if folder is None or not folder.is_dir():
        return []
    return [(p.stem, p.read_text(encoding="utf-8").strip()) for p in sorted(folder.glob("*.md"))][:MAX_PROJECT_LESSONS]


def prompt_lessons(directory: Path | None, language: str) -> str:
    return "\n\n".join(text for _, text in shipped(language) + project(directory, language))


def learn(directory: Path, language: str, reason: str) -> Path | None:
    """Record a lesson for the class of ``reason`` unless a shipped or project lesson covers it; the new file, or None."""
    slug = failure_class(reason)
    if slug is None or slug in {s for s, _ in shipped(language)}:
        return None
    path = directory / language / f"{slug}.md"
    if path.exists():
        return None
    title = slug.replace("-", " ").capitalize()
    # A fixed text per class: the refusal itself quotes user code and model output, which must not
    # end up in a file meant to be committed and sent in later prompts.
    text = (f"# {title}\n\nAnswers were refused for this reason ({slug}), and a retry that was told so succeeded. "
            "Follow the rules on this point exactly the first time.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as out:  # "x": two runs learning at once write it once
            out.write(text)
    except FileExistsError:
        return None
    return path
