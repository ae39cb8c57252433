"""`telemetry-inject bot sweep`: ONE pull request adding telemetry to functions that lack it, repository-wide.

Capped by ``--max-functions`` and the budget, so a big repository is covered
over several scheduled runs. ``--shard i/n`` splits the files across the jobs
of a matrix: every shard commits its share onto the same branch (retrying a
rejected push on top of what another shard pushed; shards touch disjoint
files) and the pull request is found or created once.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, TextIO

from telemetry_inject.bot import gitops, render
from telemetry_inject.bot.changes import apply, instrument
from telemetry_inject.bot.context import Runner
from telemetry_inject.bot.outputs import write_outputs, write_summary
from telemetry_inject.config import load_settings
from telemetry_inject.engine import files
from telemetry_inject.engine.inject import candidates, identified
from telemetry_inject.engine.source import SourceError
from telemetry_inject.errors import UserError
from telemetry_inject.languages import language_for

BRANCH = "telemetry-inject/sweep"
PUSH_ATTEMPTS = 4


class Selection(NamedTuple):
    """A diff-scope look-alike: which functions of which files this sweep instruments."""

    chosen: dict[Path, frozenset[tuple[str, int]] | None]  # None: every candidate of the file

    def for_path(self, path: Path):
        key = path.resolve()
        if key not in self.chosen:
            return None
        wanted = self.chosen[key]
        return _All() if wanted is None else _Some(wanted)


class _All:
    def touches(self, unit) -> bool:
        return True


class _Some(NamedTuple):
    wanted: frozenset[tuple[str, int]]  # (qualified name, def line)

    def touches(self, unit) -> bool:
        return (unit.qualname, unit.def_line) in self.wanted


def select(paths: list[Path], cap: int) -> tuple[Selection, int]:
    """The first ``cap`` functions lacking telemetry, in path order; (selection, how many)."""
    chosen: dict[Path, frozenset | None] = {}
    total = 0
    for path in paths:
        if total >= cap:
            break
        language = language_for(path)
        try:
            raw = path.read_bytes()
            found = candidates(raw, language)
        except (OSError, SourceError):
            continue
        if not found:
            continue
        if total + len(found) <= cap:
            chosen[path.resolve()] = None
            total += len(found)
            continue
        from telemetry_inject.engine.inject import parse
        from telemetry_inject.engine.source import read_source

        src = read_source(raw)
        units = dict(identified(language.function_units(parse(language, src), src.parse_bytes)))
        take = [identity for identity, _ in found[: cap - total]]
        chosen[path.resolve()] = frozenset((units[i].qualname, units[i].def_line) for i in take)
        total += len(take)
    return Selection(chosen), total


def run_sweep(runner: Runner, options, max_functions: int, shard: tuple[int, int], out: TextIO) -> int:
    from telemetry_inject.bot.github_api import connect
    from telemetry_inject.bot.pull import llm_session, report_of

    if max_functions < 1:
        raise UserError(f"--max-functions must be at least 1, got {max_functions}")
    repo = gitops.open_repo(runner.workspace)
    root = Path(repo.working_tree_dir).resolve()
    os.chdir(root)
    settings = load_settings(root)
    github = connect(runner.api_url, runner.token, runner.repository)
    # The repository's default branch (schedule events carry no repository in their payload), as origin has it:
    # a sweep started from another branch must not carry that branch's commits.
    default_branch = (runner.event.get("repository") or {}).get("default_branch") or github.default_branch()
    if not gitops.fetch_commit(repo, f"refs/heads/{default_branch}"):
        raise UserError(f"cannot fetch {default_branch} from origin")
    base_sha = repo.git.rev_parse("FETCH_HEAD").strip()
    gitops.checkout(repo, base_sha)
    remote = gitops.remote_branch(repo, BRANCH)
    if remote is not None and gitops.fetch_commit(repo, remote) and gitops.is_ancestor(repo, base_sha, remote):
        gitops.checkout(repo, remote)  # select from the open sweep: each run adds functions it does not have yet
    index, count = shard
    tracked = {(root / name).resolve() for name in repo.git.ls_files("-z").split("\0") if name}
    paths = [p for p in files.discover([root], settings) if p.resolve() in tracked][index - 1 :: count]  # never untracked files
    selection, wanted = select(paths, max_functions)
    chosen_paths = sorted(selection.chosen)
    session, estimate, refusal = llm_session(options, settings, chosen_paths, selection)
    if refusal:
        print(f"telemetry-inject bot: {refusal}", file=out)
        write_outputs(runner.output_file, {"changed-functions": "", "changed-count": "0", "cost-usd": "0", "over-budget": "true", "pull-request-url": ""})
        write_summary(runner.summary_file, refusal + "\n")
        if options.fail_over_budget:
            return 1
        session = None
    computed = instrument(chosen_paths, settings, selection, session, llm_mode=options.llm)
    functions, cost = report_of(computed, session, estimate)
    outcome = render.Outcome("sweep", base_sha, functions, cost, [c.path for c in computed.changes if c.before is None], [])
    url = ""
    if computed.changes:
        pushed = _commit_onto_branch(repo, base_sha, computed.changes, len(functions), options.identity, out)
        title = "Add telemetry to functions that lack it"
        # The body lists what the whole branch adds (every shard, every run), not only this run's share.
        body = render.sweep_body(outcome._replace(functions=_branch_functions(repo, base_sha, "HEAD")), shard)
        url, action = github.open_or_update_pull(BRANCH, default_branch, title, body)
        print(f"telemetry-inject bot: sweep {action} {url} ({pushed})", file=out)
    else:
        print(f"telemetry-inject bot: sweep found nothing to instrument in shard {index}/{count}", file=out)
    write_summary(runner.summary_file, render.sweep_body(outcome, shard))
    changed = [f"{f['file']}: {f['function']}" for f in functions if f["status"] == "instrumented"]
    write_outputs(runner.output_file, {"changed-functions": "\n".join(changed), "changed-count": str(len(changed)),
                                       "cost-usd": f"{cost['total_cost_usd']:.6f}", "over-budget": "true" if cost["budget_exceeded"] else "false",
                                       "pull-request-url": url})
    return 0


def _branch_functions(repo, base: str, tip: str) -> list[dict]:
    """Functions instrumented at ``tip`` but not at ``base``, file by file, from the two versions' own text."""
    from telemetry_inject.engine.inject import inject

    found = []
    for name in repo.git.diff("--name-only", "--no-renames", base, tip).splitlines():
        language = language_for(Path(name))
        if language is None:
            continue
        try:
            before = repo.git.show(f"{base}:{name}", stdout_as_string=False) if gitops.has_file(repo, base, name) else b""
            after = repo.git.show(f"{tip}:{name}", stdout_as_string=False)
            had = {f.qualname for f in inject(before, language, b"", gates=False).functions if f.status == "already"}
            has = [f.qualname for f in inject(after, language, b"", gates=False).functions if f.status == "already"]
        except SourceError:
            continue
        found += [{"file": name, "function": q, "source": "template", "status": "instrumented"} for q in has if q not in had]
    return found


def _commit_onto_branch(repo, base_sha: str, changes, n: int, identity, out) -> str:
    """Commit this shard's files on top of the sweep branch (rebuilt when the default branch moved); push, retrying races."""
    message = f"Add telemetry to {n} function{'s' * (n != 1)} (telemetry-inject sweep)"
    for _attempt in range(PUSH_ATTEMPTS):
        remote = gitops.remote_branch(repo, BRANCH)
        start = base_sha
        if remote is not None and gitops.fetch_commit(repo, remote) and gitops.is_ancestor(repo, base_sha, remote):
            start = remote  # other shards' (or earlier runs') work on this very base is kept
        repo.git.checkout("--detach", start)
        written = apply(changes, Path(repo.working_tree_dir))
        if not repo.git.status("--porcelain", "--", *[str(p) for p in written]):
            return "already on the branch"
        sha = gitops.commit(repo, written, message, identity)
        if gitops.try_push(repo, sha, BRANCH, expected=remote):
            return f"pushed {sha[:7]}"
        print("telemetry-inject bot: the sweep branch moved while pushing; retrying on top of it", file=out)
    raise UserError(f"could not push {BRANCH} after {PUSH_ATTEMPTS} attempts: other jobs keep moving it")
