"""``telemetry-inject bot …``: its own argument parser, so the main CLI stays small."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from telemetry_inject.errors import UserError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="telemetry-inject bot", description="The GitHub Action's engine: instrument a pull request's touched functions.")
    parser.add_argument("action", nargs="?", choices=("run", "apply", "sweep"), default="run",
                        help="run (default): on a pull_request event; apply ARTIFACT_DIR: post a fork PR's result; sweep: one PR for the whole repository")
    parser.add_argument("artifact_dir", nargs="?", type=Path, metavar="ARTIFACT_DIR", help="apply: the downloaded artifact")
    parser.add_argument("--mode", choices=("pull-request", "suggest", "push", "check"), default="pull-request")
    parser.add_argument("--llm", choices=("off", "fallback", "enrich"), default="off")
    parser.add_argument("--provider", type=_provider, metavar="anthropic|openai|ollama")
    parser.add_argument("--model", type=_optional)
    parser.add_argument("--base-url", type=_optional)
    parser.add_argument("--budget-usd", type=_budget, metavar="USD", help="hard cap for LLM spend; the PR's estimate is checked first")
    parser.add_argument("--fail-over-budget", type=_boolean, default=True, metavar="true|false")
    parser.add_argument("--token", type=_optional, help="default GITHUB_TOKEN (never printed)")
    parser.add_argument("--artifact-dir", dest="artifact_out", type=_optional_path, help="fork PRs: where the result goes (default $RUNNER_TEMP/telemetry-inject-artifact)")
    parser.add_argument("--max-parallel", type=int, default=12)
    parser.add_argument("--max-functions", type=int, default=200, help="sweep: at most this many functions per run")
    parser.add_argument("--shard", default="1/1", metavar="I/N", help="sweep: this job's share of the files, e.g. 2/4")
    return parser


def _optional(value: str) -> str | None:
    return value or None  # the action passes empty inputs as empty strings


def _optional_path(value: str) -> Path | None:
    return Path(value) if value else None


def _provider(value: str) -> str | None:
    if value and value not in ("anthropic", "openai", "ollama"):
        raise argparse.ArgumentTypeError(f"choose anthropic, openai or ollama, got {value!r}")
    return value or None


def _budget(value: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of dollars: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number


def _boolean(value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    from telemetry_inject.bot.context import read_runner

    runner = read_runner(token=args.token)
    if args.action == "apply":
        from telemetry_inject.bot.artifact import apply

        if args.artifact_dir is None:
            raise UserError("bot apply needs the artifact directory: telemetry-inject bot apply ARTIFACT_DIR")
        return apply(args.artifact_dir, runner, sys.stdout)
    from telemetry_inject.bot.gitops import Identity
    from telemetry_inject.bot.pull import Options

    options = Options(
        mode=args.mode, llm=args.llm, provider=args.provider, model=args.model, base_url=args.base_url,
        budget_usd=args.budget_usd, fail_over_budget=args.fail_over_budget, artifact_dir=args.artifact_out,
        identity=Identity(), max_parallel=args.max_parallel,
    )
    if args.action == "sweep":
        from telemetry_inject.bot.sweep import run_sweep

        return run_sweep(runner, options, args.max_functions, _shard(args.shard), sys.stdout)
    if args.artifact_dir is not None:
        raise UserError(f"unexpected argument {args.artifact_dir} (only `bot apply` takes a directory)")
    from telemetry_inject.bot.pull import run_pull_request

    return run_pull_request(runner, options, sys.stdout)


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise UserError(f"--shard must look like 2/4, got {text!r}") from None
    if not 1 <= index <= count:
        raise UserError(f"--shard {text}: the first number must be between 1 and the second")
    return index, count
