"""`telemetry-inject bot` on a pull request: instrument what it touched, then act by mode.

    pull-request  one bot pull request (branch telemetry-inject/pr-N) into the PR's branch
    suggest       one review with suggestion blocks
    push          one commit onto the PR's own branch (same-repository PRs)
    check         nothing written to the repository; fails when touched functions lack telemetry

Every mode keeps ONE sticky comment with the report, writes the job summary
and the step outputs. A PR from a fork gets no writes at all: the result goes
to an artifact directory that `bot apply` posts from a trusted workflow.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, TextIO

from telemetry_inject.bot import artifact, gitops, render
from telemetry_inject.bot.changes import Computed, apply, instrument, patch
from telemetry_inject.bot.context import PullRequest, Runner, pull_request
from telemetry_inject.bot.outputs import write_outputs, write_summary
from telemetry_inject.config import load_settings
from telemetry_inject.engine import diff, files

MODES = ("pull-request", "suggest", "push", "check")


class Options(NamedTuple):
    mode: str = "pull-request"
    llm: str = "off"  # off | fallback | enrich
    provider: str | None = None
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    budget_usd: float | None = None
    fail_over_budget: bool = True
    artifact_dir: Path | None = None
    identity: gitops.Identity = gitops.Identity()
    max_parallel: int = 12


def bot_branch(pr: PullRequest) -> str:
    return f"telemetry-inject/pr-{pr.number}"


def run_pull_request(runner: Runner, options: Options, out: TextIO) -> int:
    pr = pull_request(runner)
    if pr.head_ref.startswith("telemetry-inject/"):  # the bot's own pull request (opened with an App token)
        print(f"telemetry-inject bot: #{pr.number} is the bot's own pull request; nothing to do", file=out)
        return 0
    repo = gitops.open_repo(runner.workspace)
    root = Path(repo.working_tree_dir).resolve()
    os.chdir(root)  # reports name files relative to the repository
    settings = load_settings(root)
    github = None if pr.from_fork else _connect(runner)
    if pr.action == "closed":
        return _closed(pr, repo, github, options, runner, out)

    gitops.ensure_commits(repo, [pr.base_sha, pr.head_sha], pr.number)
    gitops.checkout(repo, pr.head_sha)
    scope = diff.range_scope(root, pr.base_sha, pr.head_sha)
    paths = files.discover([p for p in scope.files if p.is_file()], settings)
    session, estimate, refusal = llm_session(options, settings, paths, scope)
    if refusal:
        outcome = render.Outcome(options.mode, pr.head_sha, [], _cost(None, estimate, options), [], [], note=refusal)
        _publish(runner, github, pr, outcome, {"over-budget": "true"}, out)
        print(f"telemetry-inject bot: {refusal}", file=out)
        if options.fail_over_budget:
            return 1
        session = None  # spend nothing; templates still run
    computed = instrument(paths, settings, scope, session, llm_mode=options.llm)
    outcome, outputs, failing = _act(runner, github, repo, pr, options, computed, session, estimate, out)
    outputs.setdefault("over-budget", "true" if refusal or outcome.cost["budget_exceeded"] else "false")
    _publish(runner, github, pr, outcome, outputs, out)
    for problem in computed.problems:
        print(f"telemetry-inject bot: {problem}", file=out)
    return 1 if failing else 0


def report_of(computed: Computed, session, estimate: float | None) -> tuple[list[dict], dict]:
    """(per-function records, the cost summary) of a run, as the cost report computes them."""
    from telemetry_inject.llm.costreport import cost_report

    report = cost_report(computed.results, session)
    functions = report.pop("functions")
    return functions, {**report, "estimate_usd": estimate}


def _act(runner, github, repo, pr, options, computed: Computed, session, estimate, out) -> tuple[render.Outcome, dict, bool]:
    functions, cost = report_of(computed, session, estimate)
    runtimes = [c.path for c in computed.changes if c.before is None]
    outcome = render.Outcome(options.mode, pr.head_sha, functions, cost, runtimes, [])
    outputs = {"pull-request-url": ""}
    if options.mode == "check":
        missing = [(f["file"], f["function"]) for f in functions]
        note = "Run `telemetry-inject run --base origin/{0}` locally, or use `mode: pull-request`.".format(pr.base_ref) if missing else ""
        return outcome._replace(functions=[], missing=missing, note=note), _counts(outputs, functions, cost), bool(missing)
    if pr.from_fork:
        outcome = outcome._replace(patch=patch(computed.changes), note=render.FORK_NOTE)
        suggestions = _suggestions(repo, pr, computed) if options.mode == "suggest" else ([], [])
        target = options.artifact_dir or Path(os.environ.get("RUNNER_TEMP", ".")) / "telemetry-inject-artifact"
        artifact.write(target, runner.repository, pr, outcome, *suggestions)
        outputs["artifact-dir"] = str(target)
        print(f"telemetry-inject bot: pull request from a fork: nothing written to GitHub; result in {target} for `bot apply`", file=out)
        return outcome, _counts(outputs, functions, cost), False
    if options.mode == "pull-request":
        outcome = outcome._replace(note=_pull_request_mode(github, repo, pr, options, computed, outcome, outputs, out))
    elif options.mode == "push":
        outcome = outcome._replace(note=_push_mode(repo, pr, options, computed, out))
    elif options.mode == "suggest":
        comments, unplaced = _suggestions(repo, pr, computed)
        outcome = outcome._replace(note=_suggest_mode(github, pr, outcome, comments, unplaced, out))
    return outcome, _counts(outputs, functions, cost), False


def _pull_request_mode(github, repo, pr, options, computed, outcome, outputs, out) -> str:
    branch = bot_branch(pr)
    if not computed.changes:
        closed = github.close_pull(branch, "Nothing left to instrument in this pull request: closing.")
        gitops.delete_branch(repo, branch)  # also one a cancelled run left behind
        if closed:
            print(f"telemetry-inject bot: closed {closed} (nothing left to do)", file=out)
        return ""
    written = apply(computed.changes, Path(repo.working_tree_dir))
    n = len(outcome.functions)
    sha = gitops.commit(repo, written, f"Add telemetry to {n} function{'s' * (n != 1)} touched by #{pr.number}", options.identity)
    remote = gitops.remote_branch(repo, branch)
    if remote is None or not gitops.same_change(repo, remote, sha):
        gitops.push(repo, sha, branch, force=True)  # the bot owns this branch; it is rebuilt from the PR's head
    title = f"Telemetry for #{pr.number}: {n} function{'s' * (n != 1)}"
    url, action = github.open_or_update_pull(branch, pr.head_ref, title, render.pull_request_body(outcome, pr.number))
    outputs["pull-request-url"] = url
    print(f"telemetry-inject bot: {action} {url}", file=out)
    return f"Pull request with the telemetry: {url}"


def _push_mode(repo, pr, options, computed, out) -> str:
    if not computed.changes:
        return ""
    written = apply(computed.changes, Path(repo.working_tree_dir))
    sha = gitops.commit(repo, written, "Add telemetry to the touched functions (telemetry-inject)", options.identity)
    # Only onto the commit this run saw: a branch that moved (or was deleted) is left alone; the next run redoes it.
    if not gitops.try_push(repo, sha, pr.head_ref, expected=pr.head_sha):
        print(f"telemetry-inject bot: {pr.head_ref} moved on since this run started; nothing pushed", file=out)
        return f"`{pr.head_ref}` moved on while this run worked: nothing pushed; the next push is instrumented."
    print(f"telemetry-inject bot: pushed {sha[:7]} onto {pr.head_ref}", file=out)
    return f"Committed onto `{pr.head_ref}` as {sha[:7]}."


def _suggestions(repo, pr, computed) -> tuple[list[dict], list[str]]:
    from telemetry_inject.bot.suggest import commentable_lines, review_comments

    merge_base = repo.git.merge_base(pr.base_sha, pr.head_sha).strip()
    text = repo.git.diff("--no-color", "--no-ext-diff", "-M", merge_base, pr.head_sha)
    return review_comments(computed.changes, commentable_lines(text + "\n" if text else "", Path(repo.working_tree_dir)))


def _suggest_mode(github, pr, outcome, comments, unplaced, out) -> str:
    from telemetry_inject.bot.suggest import MAX_COMMENTS

    if not comments and not unplaced:
        return ""
    marker = f"<!-- telemetry-inject:review:{pr.head_sha} -->"
    if github.has_review(pr.number, marker):
        print("telemetry-inject bot: suggestions for this commit were already posted", file=out)
        return "Suggestions posted as a review."
    n = len(outcome.functions)
    body = [marker, f"telemetry-inject suggests telemetry for {n} touched function{'s' * (n != 1)}."]
    if len(comments) > MAX_COMMENTS:
        body.append(f"{len(comments) - MAX_COMMENTS} more suggestions are not shown (at most {MAX_COMMENTS} per review); `mode: pull-request` opens them as one pull request.")
    if unplaced:
        body.append("Not placeable as suggestions (outside the diff): " + ", ".join(render.code(u) for u in unplaced[:20]) + ".")
    if outcome.runtime_files:
        body.append("The suggestions call the runtime module " + ", ".join(render.code(p) for p in outcome.runtime_files)
                    + ", not in the repository yet: `telemetry-inject run` on one of these files creates it.")
    github.review(pr.number, pr.head_sha, "\n\n".join(body), comments[:MAX_COMMENTS], marker)
    print(f"telemetry-inject bot: posted a review with {min(len(comments), MAX_COMMENTS)} suggestions", file=out)
    return "Suggestions posted as a review."


def _closed(pr, repo, github, options, runner, out) -> int:
    if github is not None and options.mode == "pull-request":
        closed = github.close_pull(bot_branch(pr), f"#{pr.number} was closed: closing this one too.")
        gitops.delete_branch(repo, bot_branch(pr))
        if closed:
            print(f"telemetry-inject bot: closed {closed}", file=out)
    write_outputs(runner.output_file, {"changed-functions": "", "changed-count": "0", "cost-usd": "0", "over-budget": "false", "pull-request-url": ""})
    return 0


def _counts(outputs: dict, functions: list[dict], cost: dict) -> dict:
    changed = [f"{f['file']}: {f['function']}" for f in functions if f["status"] == "instrumented"]
    outputs.update({"changed-functions": "\n".join(changed), "changed-count": str(len(changed)), "cost-usd": f"{cost['total_cost_usd']:.6f}"})
    return outputs


def _publish(runner: Runner, github, pr: PullRequest, outcome: render.Outcome, outputs: dict, out: TextIO) -> None:
    body = render.comment(outcome)
    if github is not None:
        action = github.sticky_comment(pr.number, body)
        print(f"telemetry-inject bot: report comment {action}", file=out)
    write_summary(runner.summary_file, body.replace(render.MARKER + "\n", ""))
    outputs.setdefault("changed-functions", "")
    outputs.setdefault("changed-count", "0")
    outputs.setdefault("cost-usd", f"{outcome.cost.get('total_cost_usd', 0):.6f}")
    outputs.setdefault("pull-request-url", "")
    write_outputs(runner.output_file, outputs)


def _cost(session, estimate: float | None, options: Options) -> dict:
    return {"total_cost_usd": 0.0, "input_tokens": 0, "output_tokens": 0, "calls": 0, "budget_usd": options.budget_usd,
            "budget_exceeded": False, "estimate_usd": estimate}


def _connect(runner: Runner):
    from telemetry_inject.bot.github_api import connect

    return connect(runner.api_url, runner.token, runner.repository)


def llm_session(options: Options, settings, paths, scope):
    """(session or None, the estimate in USD or None, a refusal line when the estimate is over budget)."""
    if options.llm == "off":
        return None, None, ""
    from telemetry_inject.engine.run import open_cache
    from telemetry_inject.llm import providers
    from telemetry_inject.llm.budget import estimate
    from telemetry_inject.llm.enrich import LLMSession

    provider = providers.resolve(options.provider, options.model, options.base_url, options.api_key, dotenv=None)
    lessons = settings.root / settings.lessons_dir if settings.lessons_dir else None
    session = LLMSession(provider, options.budget_usd, 3, project_lessons=lessons)
    session.max_parallel = options.max_parallel
    guess = estimate(paths, settings, session, scope, open_cache(settings.root), options.llm)
    if options.budget_usd is not None and guess.usd > options.budget_usd:
        refusal = (f"Estimated LLM cost ${guess.usd:.4f} for {guess.functions - guess.cached} functions is over the budget "
                   f"of ${options.budget_usd:.4f}: no model was called.")
        return None, guess.usd, refusal
    return session, guess.usd, ""
