"""What the runner tells us: the ``GITHUB_*`` environment and the event payload."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from telemetry_inject.errors import UserError


class PullRequest(NamedTuple):
    number: int
    action: str  # opened | synchronize | reopened | closed | … ("" outside pull_request events)
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    head_repo: str  # owner/name; "" when the fork was deleted
    base_repo: str
    state: str

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.base_repo


class Runner(NamedTuple):
    event_name: str
    event: dict
    repository: str  # owner/name
    api_url: str
    server_url: str
    token: str | None
    workspace: Path
    output_file: Path | None  # $GITHUB_OUTPUT
    summary_file: Path | None  # $GITHUB_STEP_SUMMARY


def read_runner(env: Mapping[str, str] = os.environ, token: str | None = None, workspace: Path | None = None) -> Runner:
    repository = env.get("GITHUB_REPOSITORY", "")
    if "/" not in repository:
        raise UserError("GITHUB_REPOSITORY is not set (owner/name): run the bot inside GitHub Actions or set the GITHUB_* variables")
    event: dict = {}
    if env.get("GITHUB_EVENT_PATH"):
        path = Path(env["GITHUB_EVENT_PATH"])
        try:
            event = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: cannot read the event payload: {exc}") from None
    return Runner(
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        event=event,
        repository=repository,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
        token=token or env.get("GITHUB_TOKEN") or env.get("INPUT_GITHUB_TOKEN") or None,
        workspace=(workspace or Path(env.get("GITHUB_WORKSPACE") or Path.cwd())).resolve(),
        output_file=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
        summary_file=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
    )


def pull_request(runner: Runner) -> PullRequest:
    """The pull request the event is about (``pull_request`` / ``pull_request_target`` events)."""
    pr = runner.event.get("pull_request")
    if not isinstance(pr, dict):
        raise UserError(f"event {runner.event_name or '(none)'} carries no pull request; the bot runs on pull_request events (use `bot sweep` on a schedule)")
    try:
        head, base = pr["head"], pr["base"]
        return PullRequest(
            number=int(pr["number"]),
            action=str(runner.event.get("action", "")),
            base_ref=base["ref"],
            base_sha=base["sha"],
            head_ref=head["ref"],
            head_sha=head["sha"],
            head_repo=(head.get("repo") or {}).get("full_name", ""),
            base_repo=(base.get("repo") or {}).get("full_name", runner.repository),
            state=pr.get("state", "open"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"the event payload's pull_request lacks {exc}") from None
