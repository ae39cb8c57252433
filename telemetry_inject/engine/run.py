"""The outer layer: read files, call the pure core, write results atomically."""
from __future__ import annotations

import os
from collections.abc import Callable
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

from telemetry_inject.config import Settings
from telemetry_inject.engine.cache import Cache, file_key
from telemetry_inject.engine.diff import DiffScope
from telemetry_inject.engine.files import write_atomic
from telemetry_inject.engine import trees
from telemetry_inject.engine.inject import GateFailure, candidate_units, identified, inject, parse, strip
from telemetry_inject.engine.source import SourceError, read_source
from telemetry_inject.languages import language_for
from telemetry_inject.results import Changed, Failed, FileResult, Skipped, Unchanged


class WriteMode(NamedTuple):
    write: bool = True  # False: --check / --dry-run
    diff: bool = False  # keep a unified diff on each Changed
    output_dir: Path | None = None  # write an instrumented copy here instead
    scope: DiffScope | None = None  # only functions this diff touched; None: every function
    use_cache: bool = True
    gates: bool = True  # off only where nothing is written or shown (the check hook)
    llm: object | None = None  # an llm.enrich.LLMSession (one process only)
    llm_mode: str = "enrich"  # enrich: Python attributes + languages without a template; fallback: only the latter


def run_file(path: Path, settings: Settings, mode: WriteMode) -> FileResult:
    language = language_for(path)
    if language is None:
        return Skipped(path, "no template for this file type")
    in_diff, selected = touched_selector(path, mode.scope)
    if not in_diff:
        if mode.output_dir is None:  # not in the diff: not even parsed (I6)
            return Unchanged(path)
        selected = _nothing  # an instrumented copy still gets the file, unchanged
    raw = _read(path, settings)
    if not isinstance(raw, bytes):
        return raw
    if mode.llm is None and not getattr(language, "template", True) and b"_tel" not in raw:
        # (a file with telemetry goes on: its touched functions' telemetry lines are refreshed without any LLM)
        return Skipped(path, f"no template for {language.name}: `--llm fallback` has an LLM write it")
    try:
        runtime = language.runtime(path, settings)
    except SourceError as exc:
        return Skipped(path, str(exc))
    cache = open_cache(settings.root) if mode.use_cache else None
    fixed_point = file_key(raw, language.name, settings.level, runtime.import_line) if cache else ""
    if cache and mode.output_dir is None and cache.has_file(fixed_point):
        return Unchanged(path, cached=True)
    try:
        enriched = _enrich(raw, path, language, selected, settings, mode, cache) if mode.llm is not None else {}
        result = inject(
            raw,
            language,
            runtime.import_line,
            selected,
            gates=mode.gates,
            lookup=cache.get_function if cache else None,
            level=settings.level,
            enrichments={identity: e.insertions for identity, e in enriched.items() if e.insertions},
            path=_relative(path, settings).as_posix(),
        )
        if enriched:
            result = result._replace(functions=_with_enrichment(result.functions, enriched))
    except SourceError as exc:
        return Skipped(path, str(exc))
    except GateFailure as exc:
        return Failed(path, f"safety gate: {exc}")
    if cache and mode.gates:  # only verified results are cached
        done = [file_key(result.source, language.name, settings.level, runtime.import_line)] if result.complete else []
        cache.put_many(list(result.cache_entries), done)
    diff = _unified_diff(path, raw, result.source) if mode.diff and result.source is not raw else ""
    target = _target(path, settings, mode)
    if mode.output_dir is not None and result.source is raw:
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, raw)
        return Unchanged(path, result.functions)
    if result.source is raw:
        return Unchanged(path, result.functions)
    created = None
    if target is not None:
        for runtime_file, data in language.runtime_payload(runtime.path):  # the main file first, then its companions
            runtime_path = _target(runtime_file, settings, mode)
            if not runtime_path.exists():
                runtime_path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(runtime_path, data)
                created = created or runtime_path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, result.source)
    return Changed(path, result.instrumented, created, diff)


def runtime_paths(result: Changed) -> list[Path]:
    """Every file of the runtime ``result`` created (the main one first): JS ships four, to be added together."""
    if result.runtime_created is None:
        return []
    return [path for path, _ in language_for(result.path).runtime_payload(result.runtime_created)]


def touched_selector(path: Path, scope: DiffScope | None) -> tuple[bool, Callable | None]:
    """(is the file in the diff, which of its functions are selected); no scope: every function."""
    if scope is None:
        return True, None
    touched = scope.for_path(path)
    return (False, None) if touched is None else (True, touched.touches)


def _nothing(unit) -> bool:
    return False


def _enrich(raw: bytes, path: Path, language, selected, settings: Settings, mode: WriteMode, cache: Cache | None) -> dict:
    """Ask the LLM (or the cache) for each function about to be instrumented; only verified answers come back."""
    put = (lambda k, value: cache.put_function(k, value, "llm")) if cache else None
    answers = {
        identity: mode.llm.enrich(text, cache.get_function if cache else None, put, key, task)
        for identity, key, text, task in llm_jobs(raw, path, language, selected, settings, mode)
    }
    if getattr(language, "template", True) or not answers:
        return answers
    from telemetry_inject.llm.fallback import renumbered

    found, newline, needs_import = candidate_units(raw, language, selected, language.runtime(path, settings).import_line)
    found = [job for job in found if not job[1].instrumented]
    return renumbered(language, found, needs_import, answers, _relative(path, settings), newline)


def llm_jobs(raw: bytes, path: Path, language, selected, settings: Settings, mode: WriteMode) -> list[tuple]:
    """(identity, cache key, function text, task) for each function this run asks the LLM about."""
    template = getattr(language, "template", True)
    if template and (language.name not in ENRICHERS or mode.llm_mode != "enrich"):
        return []
    import_line = language.runtime(path, settings).import_line if not template else b""
    found, newline, needs_import = candidate_units(raw, language, selected, import_line)
    session = mode.llm
    if template:
        from importlib import import_module

        enricher = import_module(ENRICHERS[language.name])
        jobs = []
        for identity, unit, text in found:
            task = enricher.enrich_task(session, text, unit, raw)  # None: this function takes no attributes
            if task is not None:
                jobs.append((identity, enrichment_key(text, language, settings, session, enricher.PROMPT_VERSION), text, task))
        return jobs
    from telemetry_inject.llm.fallback import task_key, wrap_task, wrapped_lessons

    shown_path = _relative(path, settings)
    enrich = mode.llm_mode == "enrich"  # the same call also asks for attribute lines (llm/wrapped_attrs.py)
    lessons = wrapped_lessons(session.project_lessons, language.name, enrich)
    # {LINE} is the function's line in the output: the lines this run adds above it, counted as if
    # every function asked about gets its two lines (``_enrich`` renumbers once the answers are in).
    import_above = 1 if needs_import else 0
    found = [job for job in found if not job[1].instrumented]  # a touched one's opening line is refreshed without asking
    jobs = []
    for identity, unit, text in found:
        above = sum(2 for _, other, _ in found if other.end_byte <= unit.start_byte)
        placed = unit._replace(def_line=unit.def_line + above + import_above)
        jobs.append((identity, task_key(language, placed, text, shown_path, newline, settings.level, session.provider.models, enrich), text,
                     wrap_task(language, placed, text, shown_path, newline, lessons, enrich, raw)))
    return jobs


# Languages with a template whose functions `--llm enrich` gives attributes: the module whose
# ``enrich_task(session, text, unit, raw) -> Task | None`` asks for them and verifies the answer, and whose
# ``PROMPT_VERSION`` (in the cache key) changes whenever its prompt or its verifier does.
ENRICHERS = {
    "python": "telemetry_inject.llm.enrich",
    "javascript": "telemetry_inject.llm.javascript",
    "typescript": "telemetry_inject.llm.typescript",
    "go": "telemetry_inject.llm.golang",
}


def _relative(path: Path, settings: Settings) -> Path:
    try:
        return path.resolve().relative_to(settings.root)
    except ValueError:
        return Path(path.name)


def enrichment_key(text: bytes, language, settings: Settings, session, prompt_version: str) -> str:
    """The cache key of a function's attributes: its text, the language's prompt version and the models."""
    from telemetry_inject.engine.cache import function_key

    return function_key(text, language.name, settings.level, "enrich:" + prompt_version + ":" + ",".join(session.provider.models))


def prefetch_enrichments(paths: list[Path], settings: Settings, mode: WriteMode, on_done=None) -> None:
    """Every function the run will enrich, asked for up front so calls overlap (``--max-parallel``)."""
    jobs = []
    for path in paths:
        language = language_for(path)
        in_diff, selected = touched_selector(path, mode.scope)
        raw = _read(path, settings) if in_diff else None
        if language is None or not isinstance(raw, bytes):
            continue
        try:
            jobs += [(key, task) for _, key, _, task in llm_jobs(raw, path, language, selected, settings, mode)]
        except SourceError:
            continue  # reported when the file itself is processed
    cache = open_cache(settings.root) if mode.use_cache else None
    put = (lambda k, value: cache.put_function(k, value, "llm")) if cache else None
    mode.llm.prefetch(jobs, cache.get_function if cache else None, put, on_done)


def _with_enrichment(functions: tuple, enriched: dict) -> tuple:
    annotated = []
    for identity, outcome in identified(functions):
        e = enriched.get(identity)
        if e is not None and outcome.status in ("instrumented", "needs-llm"):
            outcome = outcome._replace(
                llm=e.status, reason=e.reason or None, input_tokens=e.input_tokens, output_tokens=e.output_tokens, cost_usd=e.cost_usd
            )
        annotated.append(outcome)
    return tuple(annotated)


def remember_files(paths: list[Path], settings: Settings, budget: int) -> None:
    """Parse ``paths`` (up to ``budget`` bytes of them) into the hook server's memo (engine/trees.py); nothing without one.

    A new hook server reads the files of the call that started it: the next commit touching them reparses its edits only.
    """
    if trees.memo() is None:
        return
    for path in paths:
        language = language_for(path)
        try:
            size = path.stat().st_size
            if language is None or not getattr(language, "template", True) or size > min(budget, settings.max_file_bytes):
                continue
            budget -= size
            src = read_source(path.read_bytes())
            language.function_units(parse(language, src, memo_key=_relative(path, settings).as_posix()), src.parse_bytes)
        except (OSError, SourceError):
            continue  # the run that needs the file reads it itself, and says what is wrong with it


def open_cache(root: Path) -> Cache:
    """One cache connection per process (a forked worker opens its own)."""
    key = (os.getpid(), root)
    if key not in _CACHES:
        _CACHES[key] = Cache(root)
    return _CACHES[key]


# Per-process connections: SQLite handles must not cross fork(), so entries are keyed by pid.
_CACHES: dict[tuple[int, Path], Cache] = {}


def close_caches(broken_only: bool = False) -> None:
    """Close this process's cache connections (the hook server, between calls): all, or those given up on."""
    for key, cache in list(_CACHES.items()):
        if not broken_only or cache.broken:
            del _CACHES[key]
            cache.close()


def strip_file(path: Path, settings: Settings, write: bool) -> FileResult:
    language = language_for(path)
    if language is None:
        return Skipped(path, "no template for this file type")
    raw = _read(path, settings)
    if not isinstance(raw, bytes):
        return raw
    try:
        stripped = strip(raw, language)
    except SourceError as exc:
        return Skipped(path, str(exc))
    if stripped is raw:
        return Unchanged(path)
    if write:
        write_atomic(path, stripped)
    return Changed(path, (), None, "")


PARALLEL_MIN_FILES = 48  # below this, starting worker processes costs more than it saves


def run_all(paths: list[Path], action: Callable[[Path], FileResult], progress: Callable[[], None] | None = None, jobs: int = 1) -> list:
    """``action`` on every path, in order; across ``jobs`` processes for large batches.

    ``action`` must be picklable (a module-level function or a ``functools.partial`` of one).
    """
    if jobs <= 1 or len(paths) < PARALLEL_MIN_FILES:
        results = []
        for path in paths:
            results.append(_guarded(action, path))
            if progress is not None:
                progress()
        return results
    import multiprocessing  # only for large batches: keeps the hook's start-up lean
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
    try:
        results = []
        for result in pool.map(_guarded, repeat(action), paths, chunksize=max(1, min(16, len(paths) // (jobs * 8)))):
            results.append(result)
            if progress is not None:
                progress()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: don't start queued files
        raise
    pool.shutdown()
    return results


def _guarded(action: Callable[[Path], FileResult], path: Path) -> FileResult:
    try:
        return action(path)
    except OSError as exc:
        return Failed(path, f"{exc.strerror or exc}")


def _read(path: Path, settings: Settings) -> bytes | FileResult:
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            return Skipped(path, f"over the size limit ({size} > {settings.max_file_bytes} bytes, config `max-file-bytes`)")
        return path.read_bytes()
    except OSError as exc:
        return Failed(path, f"cannot read: {exc.strerror or exc}")


def _target(path: Path, settings: Settings, mode: WriteMode) -> Path | None:
    if mode.output_dir is not None:
        try:
            return mode.output_dir / path.resolve().relative_to(settings.root)
        except ValueError:
            return mode.output_dir / path.name
    return path if mode.write else None


def _unified_diff(path: Path, before: bytes, after: bytes) -> str:
    a = before.decode("utf-8", "replace").splitlines(keepends=True)
    b = after.decode("utf-8", "replace").splitlines(keepends=True)
    import difflib  # --dry-run only: kept off the hook's import path

    return "".join(difflib.unified_diff(a, b, f"a/{path.as_posix()}", f"b/{path.as_posix()}"))


class Coverage(NamedTuple):
    path: Path
    instrumented: int
    missing: int
    skipped: int


def coverage_file(path: Path, settings: Settings) -> Coverage | FileResult:
    language = language_for(path)
    if language is None:
        return Skipped(path, "no template for this file type")
    raw = _read(path, settings)
    if not isinstance(raw, bytes):
        return raw
    try:
        outcomes = inject(raw, language, b"", gates=False).functions
    except SourceError as exc:
        return Skipped(path, str(exc))
    count = lambda *statuses: sum(1 for f in outcomes if f.status in statuses)  # noqa: E731
    return Coverage(path, count("already"), count("instrumented", "needs-llm"), count("skipped"))
