"""`telemetry-inject bot` end to end: a real git origin (bare repo), a runner checkout, the real
PyGithub client against the loopback fake of GitHub's REST API, event payload fixtures.

Every run is the real console script in a subprocess with a runner's environment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, git
from fake_github import FakeGitHub

BOT = [sys.executable, "-m", "telemetry_inject", "bot"]
EVENTS = Path(__file__).parent / "data" / "events"
SHOP = {
    "shop/__init__.py": "",
    "shop/cart.py": "def total(items):\n    return sum(items)\n\n\ndef count(items):\n    return len(items)\n\n\ndef empty(items):\n    return not items\n",
}


class World:
    """origin.git, a developer clone, the runner's checkout, the fake GitHub, and the PR's event."""

    def __init__(self, tmp: Path, server: FakeGitHub, origin: Path, dev: Path) -> None:
        self.tmp, self.server, self.origin, self.dev = tmp, server, origin, dev
        self.checkout = tmp / "checkout"
        self.output = tmp / "github_output"
        self.summary = tmp / "step_summary"
        self.event_path = tmp / "event.json"

    def push_feature(self, files: dict[str, str], message: str = "change") -> str:
        for name, text in files.items():
            path = self.dev / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git(self.dev, "add", "-A")
        git(self.dev, "commit", "-qm", message)
        git(self.dev, "push", "-q", "origin", "feature")
        return git(self.dev, "rev-parse", "HEAD").strip()

    def open_pull(self, number: int = 7, head_repo: str | None = None) -> None:
        head = git(self.dev, "rev-parse", "feature").strip()
        self.server.add_pull(number, head_ref="feature", head_sha=head, base_ref="main", head_repo=head_repo, files=self.files())

    def files(self) -> list[dict]:
        """The PR's files with GitHub's patches (3 lines of context), which decide where review comments may go."""
        base = git(self.dev, "merge-base", "main", "feature").strip()
        names = git(self.dev, "diff", "--name-only", base, "feature").split()
        return [{"filename": n, "status": "modified", "patch": _hunks(git(self.dev, "diff", base, "feature", "--", n))} for n in names]

    def event(self, action: str = "opened", number: int = 7, fork: bool = False) -> dict:
        """A payload fixture from tests/data/events, with this world's commits in it."""
        pull = self.server.pulls[number]
        pull.files = self.files()
        name = "fork_opened" if fork else action
        payload = json.loads((EVENTS / f"pull_request_{name}.json").read_text())
        payload["action"] = action
        payload["number"] = payload["pull_request"]["number"] = number
        payload["pull_request"]["head"]["sha"] = git(self.dev, "rev-parse", "feature").strip()
        payload["pull_request"]["base"]["sha"] = git(self.dev, "rev-parse", "main").strip()
        pull.head_sha = payload["pull_request"]["head"]["sha"]
        return payload

    def bot(self, *args: str, event: dict | None = None, event_name: str = "pull_request", fresh: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        if fresh:  # actions/checkout: a new clone of origin at the PR's head (or the default branch)
            subprocess.run(["rm", "-rf", str(self.checkout)], check=True)
            git(self.tmp, "clone", "-q", str(self.origin), str(self.checkout))
            sha = (event or {}).get("pull_request", {}).get("head", {}).get("sha")
            if sha:
                git(self.checkout, "fetch", "-q", str(self.dev), "feature")
                git(self.checkout, "checkout", "-q", "--detach", sha)
        self.output.write_text("")
        self.summary.write_text("")
        self.event_path.write_text(json.dumps(event or {}))
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TELEMETRY_INJECT", "OPENAI", "ANTHROPIC", "LLM_"))}
        full_env.update(
            GITHUB_EVENT_NAME=event_name,
            GITHUB_EVENT_PATH=str(self.event_path),
            GITHUB_REPOSITORY="o/r",
            GITHUB_API_URL=self.server.url,
            GITHUB_SERVER_URL=self.server.web_url,
            GITHUB_TOKEN="ghs_secret_token_value",
            GITHUB_OUTPUT=str(self.output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_WORKSPACE=str(self.checkout),
            RUNNER_TEMP=str(self.tmp),
            TELEMETRY_INJECT_GITHUB_PACING="0",
            PYTHONPATH=str(REPO),
        )
        full_env.update(env or {})
        proc = subprocess.run([*BOT, *args], cwd=self.checkout, env=full_env, capture_output=True, text=True, timeout=120)
        assert "ghs_secret_token_value" not in proc.stdout + proc.stderr
        return proc

    def outputs(self) -> dict[str, str]:
        return parse_outputs(self.output.read_text())

    def writes(self) -> list:
        return [r for r in self.server.requests if r.method != "GET"]


def parse_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT's `name<<DELIMITER` blocks, as the runner reads them."""
    values, lines, i = {}, text.splitlines(), 0
    while i < len(lines):
        name, _, delimiter = lines[i].partition("<<")
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


def _hunks(diff_text: str) -> str:
    """A file's patch as the GitHub API gives it: the hunks, without the diff headers."""
    lines = diff_text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("@@"))
    return "\n".join(lines[first:])


@pytest.fixture
def world(tmp_path: Path):
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))
    git(dev, "config", "user.email", "dev@example.com")
    git(dev, "config", "user.name", "Dev")
    git(dev, "checkout", "-q", "-b", "main")
    for name, text in SHOP.items():
        (dev / name).parent.mkdir(parents=True, exist_ok=True)
        (dev / name).write_text(text)
    git(dev, "add", "-A")
    git(dev, "commit", "-qm", "shop")
    git(dev, "push", "-q", "origin", "main")
    git(dev, "checkout", "-q", "-b", "feature")
    with FakeGitHub("o/r", origin=origin) as server:
        yield World(tmp_path, server, origin, dev)


def change_count(w: World) -> None:
    """The PR edits one of the three functions."""
    w.push_feature({"shop/cart.py": SHOP["shop/cart.py"].replace("return len(items)", "return len(list(items))")})
    w.open_pull()


def test_pull_request_mode_opens_one_bot_pull_request_and_one_comment(world: World) -> None:
    change_count(world)
    proc = world.bot("--mode", "pull-request", event=world.event())
    assert proc.returncode == 0, proc.stderr
    branch = git(world.origin, "rev-parse", "--verify", "-q", "refs/heads/telemetry-inject/pr-7").strip()
    assert branch, proc.stdout
    cart = git(world.origin, "show", f"{branch}:shop/cart.py")
    assert cart.count("@_tel.span") == 1 and "@_tel.span\ndef count" in cart  # only the touched function
    assert git(world.origin, "show", f"{branch}:shop/_telemetry_utils.py")  # the runtime comes with it
    assert git(world.origin, "log", "-1", "--format=%an", branch).strip() == "github-actions[bot]"
    assert git(world.origin, "rev-parse", f"{branch}^").strip() == world.server.pulls[7].head_sha
    bot_pulls = [p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/pr-7"]
    assert len(bot_pulls) == 1 and bot_pulls[0].base_ref == "feature"
    assert "<code>count</code>" in bot_pulls[0].body and "template" in bot_pulls[0].body
    [comment] = world.server.comments
    assert comment.issue_number == 7 and "telemetry-inject:report" in comment.body and bot_pulls[0].number and "pull/" in comment.body
    outputs = world.outputs()
    assert outputs["changed-functions"] == "shop/cart.py: count"
    assert outputs["pull-request-url"].endswith(f"/pull/{bot_pulls[0].number}")
    assert outputs["over-budget"] == "false" and float(outputs["cost-usd"]) == 0
    assert "<code>count</code>" in world.summary.read_text()

    before = len(world.writes())
    again = world.bot("--mode", "pull-request", event=world.event("synchronize"))
    assert again.returncode == 0, again.stderr
    assert len([p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/pr-7"]) == 1
    assert len(world.server.comments) == 1
    assert world.writes()[before:] == [], "a rerun with nothing new must not write"
    assert git(world.origin, "rev-parse", "refs/heads/telemetry-inject/pr-7").strip() == branch  # not re-pushed


def test_a_later_push_with_nothing_left_closes_the_bot_pull_request(world: World) -> None:
    change_count(world)
    assert world.bot(event=world.event()).returncode == 0
    # The developer merges the bot's branch into the PR: nothing is left to do.
    git(world.dev, "fetch", "-q", "origin", "telemetry-inject/pr-7")
    git(world.dev, "merge", "-q", "--ff-only", "FETCH_HEAD")
    git(world.dev, "push", "-q", "origin", "feature")
    proc = world.bot(event=world.event("synchronize"))
    assert proc.returncode == 0, proc.stderr
    [bot_pull] = [p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/pr-7"]
    assert bot_pull.state == "closed"
    assert "heads/telemetry-inject/pr-7" in world.server.deleted_refs or not git(world.origin, "branch", "--list", "telemetry-inject/pr-7").strip()
    [comment] = world.server.comments[:1]
    assert "No touched function needs telemetry" in comment.body


def test_closing_the_pull_request_closes_the_bot_one(world: World) -> None:
    change_count(world)
    assert world.bot(event=world.event()).returncode == 0
    proc = world.bot(event=world.event("closed"), fresh=False)
    assert proc.returncode == 0, proc.stderr
    [bot_pull] = [p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/pr-7"]
    assert bot_pull.state == "closed"


def test_check_mode_fails_listing_the_functions_and_writes_nothing_to_the_repository(world: World) -> None:
    change_count(world)
    proc = world.bot("--mode", "check", event=world.event())
    assert proc.returncode == 1
    [comment] = world.server.comments
    assert "1 touched function without telemetry" in comment.body and "<code>count</code>" in comment.body
    assert [r.method for r in world.writes()] == ["POST"]  # the comment only
    assert not git(world.origin, "branch", "--list", "telemetry-inject/*").strip()
    assert git(world.checkout, "status", "--porcelain") == ""


def test_suggest_mode_posts_one_review_with_suggestions_inside_the_diff(world: World) -> None:
    change_count(world)
    proc = world.bot("--mode", "suggest", event=world.event())
    assert proc.returncode == 0, proc.stderr
    [review] = world.server.reviews
    assert review.state == "COMMENTED" and review.commit_id == world.server.pulls[7].head_sha
    bodies = [c["body"] for c in review.comments]
    assert any("```suggestion\n@_tel.span\ndef count(items):\n```" == b for b in bodies), bodies
    assert "_telemetry_utils.py" in review.body  # the runtime cannot be suggested: the body says how to get it
    assert world.bot("--mode", "suggest", event=world.event("synchronize")).returncode == 0
    assert len(world.server.reviews) == 1 and len(world.server.comments) == 1


def test_push_mode_commits_onto_the_pull_requests_branch(world: World) -> None:
    change_count(world)
    head = world.server.pulls[7].head_sha
    proc = world.bot("--mode", "push", event=world.event())
    assert proc.returncode == 0, proc.stderr
    new_head = git(world.origin, "rev-parse", "refs/heads/feature").strip()
    assert new_head != head and git(world.origin, "rev-parse", f"{new_head}^").strip() == head
    assert "@_tel.span\ndef count" in git(world.origin, "show", f"{new_head}:shop/cart.py")
    git(world.dev, "pull", "-q", "--ff-only", "origin", "feature")
    again = world.bot("--mode", "push", event=world.event("synchronize"))
    assert again.returncode == 0 and git(world.origin, "rev-parse", "refs/heads/feature").strip() == new_head


def test_fork_pull_request_writes_nothing_then_apply_posts_the_artifact(world: World) -> None:
    change_count(world)
    world.server.pulls[7].head_repo = "someone/r"
    artifact = world.tmp / "artifact"
    proc = world.bot("--mode", "suggest", "--artifact-dir", str(artifact), event=world.event(fork=True))
    assert proc.returncode == 0, proc.stderr
    assert world.server.requests == []  # read-only token, no secrets: not one call
    data = json.loads((artifact / "telemetry-inject.json").read_text())
    assert data["pull_request"] == 7 and "+@_tel.span" in data["patch"] and data["suggestions"]

    run_event = {"workflow_run": {"head_sha": data["head_sha"], "event": "pull_request"}}
    applied = world.bot("apply", str(artifact), event=run_event, event_name="workflow_run", fresh=False)
    assert applied.returncode == 0, applied.stderr
    [comment] = world.server.comments
    assert "```diff" in comment.body and "+@_tel.span" in comment.body and "fork" in comment.body
    assert len(world.server.reviews) == 1
    assert world.bot("apply", str(artifact), event=run_event, event_name="workflow_run", fresh=False).returncode == 0
    assert len(world.server.comments) == 1 and len(world.server.reviews) == 1

    # The PR moved on: the artifact is stale and nothing is posted.
    world.server.pulls[7].head_sha = "0" * 40
    before = len(world.writes())
    stale = world.bot("apply", str(artifact), event={}, event_name="workflow_run", fresh=False)
    assert stale.returncode == 0 and "stale" in stale.stdout and len(world.writes()) == before


def test_apply_refuses_a_tampered_artifact(world: World) -> None:
    change_count(world)
    artifact = world.tmp / "artifact"
    assert world.bot("--mode", "suggest", "--artifact-dir", str(artifact), event=world.event(fork=True)).returncode == 0
    data = json.loads((artifact / "telemetry-inject.json").read_text())
    data["suggestions"][0]["side"] = "LEFT"
    data["suggestions"][0]["in_reply_to"] = 1
    (artifact / "telemetry-inject.json").write_text(json.dumps(data))
    proc = world.bot("apply", str(artifact), event={}, event_name="workflow_run", fresh=False)
    assert proc.returncode == 2 and "invalid artifact" in proc.stderr
    other = {"workflow_run": {"head_sha": "f" * 40}}
    data = json.loads((artifact / "telemetry-inject.json").read_text())
    (artifact / "telemetry-inject.json").write_text(json.dumps({**data, "suggestions": []}))
    proc = world.bot("apply", str(artifact), event=other, event_name="workflow_run", fresh=False)
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert world.writes() == []


def test_a_comment_created_despite_a_server_error_is_not_posted_twice(world: World) -> None:
    change_count(world)
    world.server.fail("POST", r"/issues/7/comments$", status=502, after_apply=True)
    world.server.fail("POST", r"/pulls$", status=502, after_apply=True)
    proc = world.bot(event=world.event())
    assert proc.returncode == 0, proc.stderr
    assert len(world.server.comments) == 1
    assert len([p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/pr-7"]) == 1


def test_over_budget_posts_the_estimate_spends_nothing_and_fails(world: World) -> None:
    from fake_llm import FakeLLM

    change_count(world)
    with FakeLLM([]) as llm:
        env = {"OPENAI_API_KEY": "sk-test", "LLM_BASE_URL": f"{llm.url}/v1", "LLM_PROVIDER": "openai"}
        proc = world.bot("--llm", "enrich", "--model", "gpt-4o", "--budget-usd", "0.000001", event=world.event(), env=env)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert llm.requests == []
    [comment] = world.server.comments
    assert "over the budget" in comment.body and "no model was called" in comment.body
    assert world.outputs()["over-budget"] == "true"
    assert not git(world.origin, "branch", "--list", "telemetry-inject/*").strip()


def test_sweep_opens_one_pull_request_capped_and_sharded(world: World) -> None:
    git(world.dev, "checkout", "-q", "main")
    (world.dev / "shop/more.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 2\n")
    git(world.dev, "add", "-A")
    git(world.dev, "commit", "-qm", "more")
    git(world.dev, "push", "-q", "origin", "main")
    event = {"repository": {"full_name": "o/r", "default_branch": "main"}}
    first = world.bot("sweep", "--max-functions", "2", "--shard", "1/2", event=event, event_name="schedule")
    assert first.returncode == 0, first.stderr
    second = world.bot("sweep", "--max-functions", "2", "--shard", "2/2", event=event, event_name="schedule")
    assert second.returncode == 0, second.stderr
    [sweep] = [p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/sweep"]
    assert sweep.base_ref == "main"
    tip = git(world.origin, "rev-parse", "refs/heads/telemetry-inject/sweep").strip()
    counts = [git(world.origin, "show", f"{tip}:{name}").count("@_tel.span") for name in ("shop/cart.py", "shop/more.py")]
    assert counts == [2, 2]  # each shard took its file, two functions at most each
    assert all(f"<code>{name}</code>" in sweep.body for name in ("total", "count", "a", "b"))  # both shards' work, listed
    assert git(world.origin, "rev-list", "--count", f"main..{tip}").strip() == "2"


def test_the_bots_own_pull_request_is_left_alone(world: World) -> None:
    change_count(world)
    event = world.event()
    event["pull_request"]["head"]["ref"] = "telemetry-inject/pr-3"
    proc = world.bot(event=event)
    assert proc.returncode == 0 and "bot's own pull request" in proc.stdout
    assert world.server.requests == []


def test_outputs_use_delimiters_no_value_contains_and_the_summary_stays_under_1_mib(tmp_path: Path) -> None:
    from telemetry_inject.bot.outputs import SUMMARY_LIMIT, write_outputs, write_summary

    output = tmp_path / "out"
    tricky = "a\nghadelimiter_x\nEOF\nb"
    write_outputs(output, {"changed-functions": tricky, "empty": ""})
    text = output.read_text()
    blocks = parse_outputs(text)
    assert blocks == {"changed-functions": tricky, "empty": ""}
    assert text.count("<<") == 2
    summary = tmp_path / "summary"
    summary.write_bytes(b"x" * 1000)
    write_summary(summary, "é" * SUMMARY_LIMIT)
    data = summary.read_bytes()
    assert len(data) < SUMMARY_LIMIT and data.decode("utf-8").endswith("job log)*\n")


def test_suggest_mode_posts_at_most_30_comments_and_says_how_many_more(world: World) -> None:
    many = "\n\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(35))
    world.push_feature({"shop/many.py": many})
    world.open_pull()
    proc = world.bot("--mode", "suggest", event=world.event())
    assert proc.returncode == 0, proc.stderr
    [review] = world.server.reviews
    assert len(review.comments) == 30
    assert "5 more suggestions are not shown" in review.body


def test_a_users_comment_carrying_the_marker_is_not_taken_for_the_report(world: World) -> None:
    change_count(world)
    world.server.add_comment(7, "<!-- telemetry-inject:report --> gotcha", user="mallory")
    assert world.bot(event=world.event()).returncode == 0
    mine, theirs = [c for c in world.server.comments if c.user != "mallory"], [c for c in world.server.comments if c.user == "mallory"]
    assert len(mine) == 1 and theirs[0].body == "<!-- telemetry-inject:report --> gotcha"


def test_a_bot_pull_request_retargeted_to_main_is_still_closed_with_its_pr(world: World) -> None:
    change_count(world)
    assert world.bot(event=world.event()).returncode == 0
    [bot_pull] = [p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/pr-7"]
    bot_pull.base_ref = "main"  # GitHub retargets open PRs when their base branch is deleted after a merge
    assert world.bot(event=world.event("closed"), fresh=False).returncode == 0
    assert bot_pull.state == "closed"


def test_apply_renders_names_from_a_forks_artifact_inert(world: World) -> None:
    change_count(world)
    artifact = world.tmp / "artifact"
    assert world.bot("--mode", "suggest", "--artifact-dir", str(artifact), event=world.event(fork=True)).returncode == 0
    data = json.loads((artifact / "telemetry-inject.json").read_text())
    data["functions"][0]["function"] = "x\n# Pwned\n[click](https://evil.example) <img src=x onerror=alert(1)> @admin"
    (artifact / "telemetry-inject.json").write_text(json.dumps(data))
    run_event = {"workflow_run": {"head_sha": data["head_sha"]}}
    assert world.bot("apply", str(artifact), event=run_event, event_name="workflow_run", fresh=False).returncode == 0
    body = world.server.comments[0].body
    assert "\n# Pwned" not in body and "](https" not in body and "<img" not in body and "@admin" not in body

    data["suggestions"][0]["body"] += "\n\n[click](https://evil.example)"
    (artifact / "telemetry-inject.json").write_text(json.dumps(data))
    refused = world.bot("apply", str(artifact), event=run_event, event_name="workflow_run", fresh=False)
    assert refused.returncode == 2 and "one suggestion block" in refused.stderr


def test_sweep_never_commits_untracked_files(world: World) -> None:
    git(world.dev, "checkout", "-q", "main")
    event = {"repository": {"full_name": "o/r", "default_branch": "main"}}
    git(world.tmp, "clone", "-q", str(world.origin), str(world.checkout))  # actions/checkout of the default branch
    (world.checkout / "shop/generated.py").write_text("def g():\n    return 1\n")
    proc = world.bot("sweep", event=event, event_name="schedule", fresh=False)
    assert proc.returncode == 0, proc.stderr
    tip = git(world.origin, "rev-parse", "refs/heads/telemetry-inject/sweep").strip()
    assert "shop/generated.py" not in git(world.origin, "ls-tree", "-r", "--name-only", tip)
    assert git(world.origin, "show", f"{tip}:shop/cart.py").count("@_tel.span") == 3


def test_a_second_sweep_adds_functions_the_open_sweep_does_not_have(world: World) -> None:
    git(world.dev, "checkout", "-q", "main")
    event = {"repository": {"full_name": "o/r", "default_branch": "main"}}
    assert world.bot("sweep", "--max-functions", "2", event=event, event_name="schedule").returncode == 0
    assert world.bot("sweep", "--max-functions", "2", event=event, event_name="schedule").returncode == 0
    tip = git(world.origin, "rev-parse", "refs/heads/telemetry-inject/sweep").strip()
    assert git(world.origin, "show", f"{tip}:shop/cart.py").count("@_tel.span") == 3  # 2, then the third
    assert len([p for p in world.server.pulls.values() if p.head_ref == "telemetry-inject/sweep"]) == 1


def test_a_shallow_checkout_is_deepened_to_find_the_merge_base(world: World) -> None:
    change_count(world)
    event = world.event()
    subprocess.run(["rm", "-rf", str(world.checkout)], check=True)
    git(world.tmp, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{world.origin}", str(world.checkout))
    proc = world.bot(event=event, fresh=False)
    assert proc.returncode == 0, proc.stderr
    assert git(world.origin, "rev-parse", "--verify", "-q", "refs/heads/telemetry-inject/pr-7").strip()
