"""The command line's arguments: argparse for every command, and a plain hook call read without it."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from telemetry_inject import __version__

if TYPE_CHECKING:
    import argparse


def parser() -> argparse.ArgumentParser:
    import argparse  # not at the top: a plain hook call (every commit) parses its arguments without it

    parser = argparse.ArgumentParser(prog="telemetry-inject", description="Add telemetry spans to the functions you change.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        sub.add_argument("--format", choices=("text", "json"), default="text")
        sub.add_argument("-j", "--jobs", type=int, default=0, help="worker processes for large runs (default 0: one per core)")
        return sub

    run = command("run", "Instrument every function of the given files and directories.")
    run.add_argument("--dry-run", action="store_true", help="print a unified diff, write nothing")
    run.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    run.add_argument("-o", "--output", type=Path, metavar="DIR", help="write an instrumented copy under DIR")
    _diff_options(run)
    run.add_argument("--no-cache", action="store_true", help="neither read nor write .telemetry_cache")
    run.add_argument("--llm", choices=("off", "fallback", "enrich"), default="off",
                     help="off (default): templates only, no network; fallback: an LLM instruments languages without a template; "
                          "enrich: that, plus span attributes")
    _llm_options(run)
    run.add_argument("--budget", type=float, metavar="USD", help="hard cap, checked before each LLM call")
    run.add_argument("--max-parallel", type=int, default=12, help="LLM calls in flight at most (default 12)")
    run.add_argument("--no-parallel", action="store_true", help="one LLM call at a time")
    run.add_argument("--report", type=Path, metavar="FILE", help="write a Markdown cost report")
    run.add_argument("--report-json", type=Path, metavar="FILE", help="write a JSON cost report")
    run.add_argument("--learn", action="store_true",
                     help="when a retry succeeds on a failure class no lesson covers, record a lesson in the project's lessons directory "
                          "(config `lessons-dir`, default .telemetry-lessons)")
    budget = command("budget", "Estimate what --llm enrich would cost for these files or this diff, calling no model.")
    _diff_options(budget)
    _llm_options(budget)
    budget.add_argument("--max-usd", type=float, metavar="USD", help="exit 1 when the estimate is over this")
    strip = command("strip", "Remove exactly what telemetry-inject added.")
    strip.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would be removed")
    strip.add_argument("--remove-runtime", action="store_true", help="also delete the runtime files the tool wrote")
    command("status", "Show which functions are instrumented.")
    _hook_arguments(commands.add_parser("hook", help=HOOK_HELP))
    cache = commands.add_parser("cache", help="Inspect or manage .telemetry_cache.")
    cache.add_argument("action", choices=("stats", "clear", "prune"))
    cache.add_argument("--max-entries", type=int, help="prune: keep at most this many rows per table")
    cache.add_argument("--format", choices=("text", "json"), default="text")
    check_api = commands.add_parser("check-api", help="Make one minimal LLM call: provider, model, latency, or a clear error.")
    check_api.add_argument("--provider", choices=("anthropic", "openai", "ollama"))
    check_api.add_argument("--model", help="model name (default LLM_MODEL; the first of a comma-separated list)")
    check_api.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://localhost:11434/v1 (default LLM_BASE_URL)")
    check_api.add_argument("--api-key", help="default ANTHROPIC_API_KEY / OPENAI_API_KEY")
    configure = commands.add_parser("configure", help="Write LLM settings to .env (asks for what the flags don't give, on a terminal).")
    configure.add_argument("--provider", choices=("anthropic", "openai", "ollama"))
    configure.add_argument("--model")
    configure.add_argument("--base-url")
    configure.add_argument("--api-key")
    configure.add_argument("--env-file", type=Path, default=Path(".env"))
    configure.add_argument("--ask", action=argparse.BooleanOptionalAction, default=None, help="prompt for missing values (default: on a terminal)")
    models = commands.add_parser("list-models", help="The models the provider offers, with prices where known.")
    models.add_argument("--provider", choices=("anthropic", "openai", "ollama"))
    models.add_argument("--base-url")
    models.add_argument("--api-key")
    models.add_argument("--format", choices=("text", "json"), default="text")
    bot = commands.add_parser("bot", help="The GitHub Action's engine (needs the github extra); `bot --help` for more.", add_help=False)
    bot.add_argument("bot_args", nargs=argparse.REMAINDER)
    view = commands.add_parser("view", help="Show the call tree and hottest functions of a JSON Lines telemetry file.")
    view.add_argument("file", type=Path, metavar="FILE.jsonl")
    view.add_argument("--format", choices=("text", "json"), default="text")
    return parser


HOOK_HELP = "The pre-commit hook: instrument the touched functions of the given files."


def _hook_arguments(hook: argparse.ArgumentParser) -> argparse.ArgumentParser:
    hook.add_argument("files", nargs="*", type=Path, metavar="FILE")
    hook.add_argument("--check", action="store_true", help="only report touched functions without telemetry")
    return hook


def hook_parser() -> argparse.ArgumentParser:
    """The hook's own parser, for --help and mistakes; a plain call takes ``plain_hook_args``."""
    import argparse

    parser = _hook_arguments(argparse.ArgumentParser(prog="telemetry-inject hook", description=HOOK_HELP))
    parser.set_defaults(command="hook")
    return parser


def _llm_options(sub: argparse.ArgumentParser) -> None:
    llm = sub.add_argument_group("LLM (span attributes; needs the llm extra)")
    llm.add_argument("--provider", choices=("anthropic", "openai", "ollama"))
    llm.add_argument("--model", help="model, or a comma-separated list to rotate (default LLM_MODEL)")
    llm.add_argument("--base-url", help="OpenAI-compatible server (default LLM_BASE_URL)")
    llm.add_argument("--api-key", help="default ANTHROPIC_API_KEY / OPENAI_API_KEY")
    llm.add_argument("--max-retries", type=int, default=3, help="retries after a refused answer (default 3)")
    llm.add_argument("--reflection-threshold", type=int, default=2, help="refusals before a reflection call guides the next attempts (default 2)")


def _diff_options(sub: argparse.ArgumentParser) -> None:
    group = sub.add_argument_group("diff selection (only functions the diff touched)").add_mutually_exclusive_group()
    group.add_argument("--staged", action="store_true", help="the index against HEAD")
    group.add_argument("--base", metavar="REV", help="from the merge-base of REV and HEAD to the working tree (or --head)")
    group.add_argument("--diff", type=Path, metavar="FILE", help="a unified diff file")
    sub.add_argument("--head", metavar="REV", help="with --base: end of the range instead of the working tree")


def plain_hook_args(argv: list[str]) -> SimpleNamespace | None:
    """``hook [--check] [--] FILE...`` as pre-commit calls it, read without argparse (≈ 4 ms a commit); else None."""
    head = argv[: argv.index("--")] if "--" in argv else argv
    options = [a for a in head if a.startswith("-")]
    files = [a for a in head if not a.startswith("-")] + (argv[argv.index("--") + 1 :] if "--" in argv else [])
    if any(option != "--check" for option in options) or head[: len(options)] != options:
        return None  # --help, a typo, an abbreviation, options after files: argparse answers those
    return SimpleNamespace(command="hook", files=[Path(f) for f in files], check="--check" in options)
