"""Fork pull requests: the bot's result as an artifact, posted later by `bot apply`.

The run on a fork's PR has a read-only token and no secrets, so it writes the
report and the patch here; a `workflow_run` workflow with a write token
downloads the artifact and runs `bot apply`, which never checks out or runs
the PR's code. The artifact was produced next to untrusted code, so `apply`
treats it as data: validated field by field, bounded in size, rendered by us,
and posted only on the PR whose head commit it names.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from telemetry_inject.bot import render
from telemetry_inject.bot.context import PullRequest, Runner
from telemetry_inject.errors import UserError

FILE = "telemetry-inject.json"
VERSION = 1
MAX_BYTES = 2_000_000
_STR_FIELDS = ("file", "function", "source", "status", "language", "reason")


def write(directory: Path, repository: str, pr: PullRequest, outcome: render.Outcome, comments: list[dict], unplaced: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    data = {
        "version": VERSION,
        "repository": repository,
        "pull_request": pr.number,
        "head_sha": pr.head_sha,
        "mode": outcome.mode,
        "functions": outcome.functions,
        "cost": outcome.cost,
        "runtime_files": outcome.runtime_files,
        "patch": outcome.patch,
        "suggestions": comments,
        "unplaced": unplaced,
    }
    path = directory / FILE
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read(directory: Path, repository: str) -> dict:
    path = directory / FILE
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError(f"{path}: larger than {MAX_BYTES} bytes; refusing it")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; download the artifact the pull request's run uploaded") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a telemetry-inject artifact: {exc}") from None
    return _validated(data, path, repository)


_SOURCES = ("template", "cache", "llm")
_STATUSES = ("instrumented", "refused", "over-budget", "error")


def _validated(data, path: Path, repository: str) -> dict:
    def fail(what: str):
        raise UserError(f"{path}: invalid artifact: {what}")

    if not isinstance(data, dict) or data.get("version") != VERSION:
        fail(f"expected version {VERSION}")
    if not isinstance(data.get("pull_request"), int) or data["pull_request"] <= 0:
        fail("pull_request must be a positive number")
    sha = data.get("head_sha")
    if not (isinstance(sha, str) and len(sha) in (40, 64) and all(c in "0123456789abcdef" for c in sha)):
        fail("head_sha must be a commit id")
    if data.get("mode") not in ("pull-request", "suggest", "push", "check"):
        fail("unknown mode")
    if data.get("repository") != repository:
        fail(f"it was made for {data.get('repository')!r}, not {repository}")
    functions = data.get("functions")
    if not isinstance(functions, list) or not all(isinstance(f, dict) and all(isinstance(f.get(k, ""), str) for k in _STR_FIELDS) for f in functions):
        fail("functions must be a list of records")
    if not all(f.get("source") in _SOURCES and f.get("status", "instrumented") in _STATUSES for f in functions):
        fail("unknown function source or status")
    for key in ("patch",):
        if not isinstance(data.get(key), str):
            fail(f"{key} must be text")
    for key in ("runtime_files", "unplaced"):
        if not (isinstance(data.get(key), list) and all(isinstance(x, str) for x in data[key])):
            fail(f"{key} must be a list of strings")
    suggestions = data.get("suggestions")
    if not isinstance(suggestions, list) or not all(_valid_comment(c) for c in suggestions):
        fail("suggestions must be review comments (path, line, side, body) whose body is one suggestion block")
    cost = data.get("cost")
    if not isinstance(cost, dict):
        fail("cost must be a record")
    clean_cost = {
        "total_cost_usd": _number(cost.get("total_cost_usd")),
        "input_tokens": int(_number(cost.get("input_tokens"))),
        "output_tokens": int(_number(cost.get("output_tokens"))),
        "calls": int(_number(cost.get("calls"))),
        "budget_usd": None if cost.get("budget_usd") is None else _number(cost.get("budget_usd")),
        "budget_exceeded": bool(cost.get("budget_exceeded")),
        "estimate_usd": None if cost.get("estimate_usd") is None else _number(cost.get("estimate_usd")),
    }
    clean_functions = [{**{k: f.get(k, "") for k in _STR_FIELDS}, "cost_usd": _number(f.get("cost_usd"))} for f in functions]
    return {**data, "functions": clean_functions, "cost": clean_cost}


def _valid_comment(comment) -> bool:
    from telemetry_inject.bot.suggest import suggestion_block

    if not isinstance(comment, dict) or set(comment) - {"path", "line", "side", "body", "start_line", "start_side"}:
        return False
    lines_ok = all(isinstance(comment.get(k), int) and comment[k] > 0 for k in ("line", *(("start_line",) if "start_line" in comment else ())))
    body = comment.get("body")
    if not (lines_ok and isinstance(comment.get("path"), str) and isinstance(body, str) and comment.get("side") == "RIGHT"):
        return False
    # Only what we would have written: one suggestion block (rendered as code), no free markdown around it.
    inner = body.split("\n")[1:-1]
    return body == suggestion_block(inner)


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        return 0.0
    return float(value)


def apply(directory: Path, runner: Runner, out: TextIO) -> int:
    """Post an artifact's report (and suggestions) on its pull request, if that PR still points at the same commit."""
    from telemetry_inject.bot.github_api import connect
    from telemetry_inject.bot.outputs import write_outputs, write_summary

    data = read(directory, runner.repository)
    run = runner.event.get("workflow_run") or {}
    if run and run.get("head_sha") and run["head_sha"] != data["head_sha"]:
        raise UserError(f"the artifact names commit {data['head_sha'][:7]} but the workflow run was for {run['head_sha'][:7]}; refusing it")
    github = connect(runner.api_url, runner.token, runner.repository)
    pull = github.pull(data["pull_request"])
    if pull.head.sha != data["head_sha"]:
        print(f"telemetry-inject bot: #{data['pull_request']} moved on to {pull.head.sha[:7]}; this artifact is stale, nothing posted", file=out)
        return 0
    outcome = render.Outcome(
        data["mode"], data["head_sha"], data["functions"], data["cost"], data["runtime_files"], [],
        note=render.FORK_NOTE,
        patch=data["patch"],
    )
    body = render.comment(outcome)
    action = github.sticky_comment(data["pull_request"], body)
    print(f"telemetry-inject bot: report comment {action} on #{data['pull_request']}", file=out)
    if data["mode"] == "suggest" and data["suggestions"]:
        from telemetry_inject.bot.suggest import MAX_COMMENTS

        marker = f"<!-- telemetry-inject:review:{data['head_sha']} -->"
        if not github.has_review(data["pull_request"], marker):
            github.review(data["pull_request"], data["head_sha"], f"{marker}\ntelemetry-inject suggests telemetry for the touched functions.",
                          data["suggestions"][:MAX_COMMENTS], marker)
            print(f"telemetry-inject bot: posted a review with {min(len(data['suggestions']), MAX_COMMENTS)} suggestions", file=out)
    write_summary(runner.summary_file, body.replace(render.MARKER + "\n", ""))
    changed = [f"{f['file']}: {f['function']}" for f in data["functions"] if f["status"] == "instrumented"]
    write_outputs(runner.output_file, {"changed-functions": "\n".join(changed), "changed-count": str(len(changed)),
                                       "cost-usd": f"{data['cost']['total_cost_usd']:.6f}", "over-budget": "false", "pull-request-url": ""})
    return 0
