"""``telemetry-inject``: run, strip, status, view, hook, cache.

Exit codes: 0 nothing changed, 1 changed / would change / a check failed,
2 usage or config error, 3 internal error (traceback in a log file), 130 Ctrl-C.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from telemetry_inject.cli_args import hook_parser, parser, plain_hook_args
from telemetry_inject.errors import UserError
from telemetry_inject.launch import INTERRUPTED, tolerant_stdout

if TYPE_CHECKING:
    import argparse

DEFAULT_LESSONS_DIR = ".telemetry-lessons"  # where --learn writes when config `lessons-dir` is not set


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    tolerant_stdout()
    try:  # `bot` has its own parser (telemetry_inject/bot/cli.py), options and --help included
        if argv[:1] == ["bot"]:
            args = SimpleNamespace(command="bot", bot_args=argv[1:])
        elif argv[:1] == ["hook"]:
            args = plain_hook_args(argv[1:]) or hook_parser().parse_args(argv[1:])
        else:
            args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, bad usage 2
        return int(exc.code or 0)
    try:
        return _dispatch(args)
    except UserError as exc:
        print(f"telemetry-inject: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - the one place that turns a bug into exit 3 and a log
        import tempfile
        import traceback

        log = Path(tempfile.gettempdir(), "telemetry-inject-crash.log")
        log.write_text(traceback.format_exc(), encoding="utf-8")
        print(f"telemetry-inject: internal error (a bug); traceback written to {log}", file=sys.stderr)
        return 3


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "view":
        from telemetry_inject.view import view

        return view(args.file, sys.stdout, args.format)
    if args.command == "bot":
        from telemetry_inject.bot.cli import main as bot_main

        return bot_main(args.bot_args)
    if args.command == "check-api":
        return _check_api(args)
    if args.command == "list-models":
        return _list_models(args)
    if args.command == "configure":
        from telemetry_inject.llm.configure import configure

        ask = sys.stdin.isatty() if args.ask is None else args.ask
        return configure(args.env_file, args.provider, args.model, args.base_url, args.api_key, ask, sys.stdout)
    from telemetry_inject.config import find_root, load_settings

    settings = load_settings(find_root(Path.cwd()))
    if args.command == "hook":
        from telemetry_inject.hook import run_hook

        return run_hook(args.files, settings, args.check, sys.stdout)
    if args.command == "cache":
        from telemetry_inject.engine.cache import Cache

        return _cache_command(Cache(settings.root), args)
    from telemetry_inject import report
    from telemetry_inject.engine import files, run

    paths = files.discover(args.paths, settings)
    if args.command == "budget":
        from telemetry_inject.engine.cache import Cache
        from telemetry_inject.llm.budget import estimate, write_estimate

        session = _llm_session(args, settings, require_key=False)
        result = estimate(paths, settings, session, _diff_scope(args, settings.root), Cache(settings.root))
        return write_estimate(result, session, args.max_usd, sys.stdout, args.format)
    if args.command == "status":
        rows = _with_progress(paths, functools.partial(run.coverage_file, settings=settings), args)
        report.write_status(rows, sys.stdout, sys.stderr, args.format)
        return 0
    if args.command == "strip":
        results = _with_progress(paths, functools.partial(run.strip_file, settings=settings, write=not args.check), args)
        if args.remove_runtime and not args.check:
            results += _remove_runtimes(args.paths, settings)
        report.write_run(results, sys.stdout, sys.stderr, args.format, "stripped", args.check)
        return 1 if any(isinstance(r, (run.Changed, run.Failed)) for r in results) else 0
    if args.output and (args.check or args.dry_run):
        raise UserError("--output cannot be combined with --check or --dry-run")
    if args.head and not args.base:
        raise UserError("--head needs --base")
    scope = _diff_scope(args, settings.root)
    session = _llm_session(args, settings) if args.llm != "off" else None
    if session is not None:
        args.jobs = 1  # one budget, one session: calls are made from this process
    mode = run.WriteMode(
        write=not (args.check or args.dry_run), diff=args.dry_run, output_dir=args.output, scope=scope, use_cache=not args.no_cache, llm=session,
        llm_mode=args.llm,
    )
    if session is not None:
        if args.max_parallel < 1:
            raise UserError(f"--max-parallel must be at least 1, got {args.max_parallel}")
        session.max_parallel = 1 if args.no_parallel else args.max_parallel
        with _llm_progress(args) as on_done:
            run.prefetch_enrichments(paths, settings, mode, on_done)
    results = _with_progress(paths, functools.partial(run.run_file, settings=settings, mode=mode), args)
    report.write_run(results, sys.stdout, sys.stderr, args.format, "instrumented", not mode.write and mode.output_dir is None)
    if args.report or args.report_json:
        from telemetry_inject.llm.costreport import cost_report, write_markdown

        data = cost_report(results, session)
        if args.report_json:
            import json

            args.report_json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        if args.report:
            args.report.write_text(write_markdown(data), encoding="utf-8")
    if session is not None and args.format == "text":
        limit = f" of ${session.budget.limit:.4f}" if session.budget.limit is not None else ""
        unpriced = " (some models unpriced, counted as $0)" if session.unpriced else ""
        aside = f"; set aside after repeated errors: {', '.join(session.set_aside())}" if session.set_aside() else ""
        print(f"LLM: {session.calls} calls, ${session.budget.spent:.4f}{limit}{unpriced}{aside}")
        for lesson in session.learned:
            print(f"learned a lesson: {lesson.relative_to(settings.root).as_posix()} (review it, then commit it)")
    return 1 if any(isinstance(r, (run.Changed, run.Failed)) for r in results) else 0


def _llm_session(args: argparse.Namespace, settings, require_key: bool = True):
    from telemetry_inject.llm import providers
    from telemetry_inject.llm.enrich import LLMSession

    if getattr(args, "budget", None) is not None and args.budget < 0:
        raise UserError(f"--budget must be 0 or more, got {args.budget}")
    if args.max_retries < 0:
        raise UserError(f"--max-retries must be 0 or more, got {args.max_retries}")
    provider = providers.resolve(args.provider, args.model, args.base_url, args.api_key, dotenv=Path.cwd() / ".env", require_key=require_key)
    learn = getattr(args, "learn", False) and not (getattr(args, "check", False) or getattr(args, "dry_run", False))
    directory = settings.lessons_dir or (DEFAULT_LESSONS_DIR if learn else None)
    lessons = settings.root / directory if directory else None
    return LLMSession(provider, getattr(args, "budget", None), args.max_retries, reflection_threshold=args.reflection_threshold,
                      project_lessons=lessons, learn=learn)


def _diff_scope(args: argparse.Namespace, root: Path):
    from telemetry_inject.engine import diff

    if args.diff:
        try:  # git writes a/ b/ paths relative to the top of the work tree
            top = diff.git_root(Path.cwd())
        except UserError:
            top = root
        return diff.file_scope(args.diff, top)
    if args.staged or args.base:
        top = diff.git_root(Path.cwd())
        return diff.staged_scope(top) if args.staged else diff.range_scope(top, args.base, args.head)
    return None


def _check_api(args: argparse.Namespace) -> int:
    from telemetry_inject.llm import providers

    settings = providers.resolve(args.provider, args.model, args.base_url, args.api_key, dotenv=Path.cwd() / ".env")
    model = settings.models[0]
    try:
        reply = providers.complete(settings, model, "You are a health check.", "Reply with the single word OK.", max_tokens=5)
    except providers.ProviderError as exc:
        print(f"telemetry-inject: check-api failed: {exc}", file=sys.stderr)
        return 1
    where = f" at {settings.base_url}" if settings.base_url else ""
    print(f"{settings.provider} {model}{where}: answered {reply.text.strip()[:40]!r} in {reply.seconds * 1000:.0f} ms "
          f"({reply.input_tokens} input + {reply.output_tokens} output tokens)")
    return 0


def _list_models(args: argparse.Namespace) -> int:
    from telemetry_inject.llm import providers
    from telemetry_inject.llm.cost import price

    settings = providers.resolve(args.provider, "-", args.base_url, args.api_key, dotenv=Path.cwd() / ".env")
    try:
        names = providers.list_models(settings)
    except providers.ProviderError as exc:
        print(f"telemetry-inject: list-models failed: {exc}", file=sys.stderr)
        return 1
    rows = []
    for name in names:
        per_in, per_out = price(settings.provider, name, 1_000_000, 0), price(settings.provider, name, 0, 1_000_000)
        rows.append({"model": name, "input_per_mtok": per_in.usd if per_in.priced else None, "output_per_mtok": per_out.usd if per_out.priced else None})
    if args.format == "json":
        import json

        print(json.dumps({"provider": settings.provider, "models": rows}))
        return 0
    for row in rows:
        known = row["input_per_mtok"] is not None
        cost = f"${row['input_per_mtok']:.2f} in / ${row['output_per_mtok']:.2f} out per 1M tokens" if known else "price unknown"
        print(f"{row['model']}: {cost}")
    return 0


def _cache_command(cache, args: argparse.Namespace) -> int:
    import json

    if args.action == "clear":
        cache.clear()
    elif args.action == "prune":
        removed = cache.prune(args.max_entries)
        if args.format == "text":
            print(f"pruned {removed} entries")
    stats = cache.stats()
    if args.format == "json":
        print(json.dumps({"path": str(stats.path), "functions": stats.functions, "files": stats.files, "bytes": stats.bytes}))
    else:
        print(f"{stats.path}: {stats.functions} functions, {stats.files} files, {stats.bytes / 1024:.0f} KiB")
    return 0


def _remove_runtimes(paths: Sequence[Path], settings) -> list:
    from telemetry_inject.engine.files import runtime_files
    from telemetry_inject.results import Changed

    removed = []
    for runtime in runtime_files(paths, settings):
        runtime.unlink()
        removed.append(Changed(runtime, ()))
    return removed


@contextlib.contextmanager
def _llm_progress(args: argparse.Namespace):
    """A live line on the terminal while LLM calls run: functions answered and the running cost (stderr only)."""
    if args.format != "text" or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("LLM", total=None)

        def on_done(done: int, total: int, spent: float) -> None:
            progress.update(task, completed=done, total=total, description=f"LLM ${spent:.4f}")

        yield on_done


def _with_progress(paths: list[Path], action: Callable, args: argparse.Namespace) -> list:
    from telemetry_inject.engine.run import run_all

    if args.jobs < 0:
        raise UserError(f"--jobs must be 0 (one per core) or more, got {args.jobs}")
    args.jobs = args.jobs or os.cpu_count() or 1
    if args.format != "text" or len(paths) < 200 or not sys.stderr.isatty() or os.environ.get("CI"):
        return run_all(paths, action, jobs=args.jobs)
    from rich.console import Console  # only on a terminal, never on the hook's path
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:  # stdout keeps the report
        task = progress.add_task(args.command, total=len(paths))
        return run_all(paths, action, lambda: progress.advance(task), jobs=args.jobs)
