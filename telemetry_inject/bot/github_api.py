"""GitHub through PyGithub: the sticky comment, the bot pull request, reviews.

PyGithub's own retry also repeats POSTs after a 5xx, which can post a comment
twice; here only reads are retried by PyGithub, and every write goes through
``_write``, which re-reads before repeating a create.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from telemetry_inject.bot.render import MARKER
from telemetry_inject.errors import UserError

T = TypeVar("T")
WRITE_ATTEMPTS = 3


class GitHubError(UserError):
    """A GitHub call failed for good; the message never carries the token."""


def connect(api_url: str, token: str | None, repository: str):
    try:
        import github
        from github.GithubRetry import GithubRetry
    except ImportError:
        raise UserError("the bot needs the github extra: pip install 'telemetry-inject[github]'") from None
    if not token:
        raise UserError("no GitHub token: set GITHUB_TOKEN (the action passes `github-token`) or use --token")
    reads_only = GithubRetry(total=4, backoff_factor=0.5, allowed_methods=frozenset({"GET", "HEAD"}))
    pacing = _pacing()  # PyGithub spaces requests (GitHub's advice against secondary rate limits); 0 for loopback tests
    client = github.Github(base_url=api_url, auth=github.Auth.Token(token), retry=reads_only, timeout=30, per_page=100, lazy=True, **pacing)
    return Repo(client.get_repo(repository), repository.split("/")[0])  # lazy: objects are fetched only when an attribute is read


def _pacing() -> dict:
    import os

    value = os.environ.get("TELEMETRY_INJECT_GITHUB_PACING")
    if not value:
        return {}
    try:
        seconds = float(value)
    except ValueError:
        raise UserError(f"TELEMETRY_INJECT_GITHUB_PACING must be seconds between writes, got {value!r}") from None
    return {"seconds_between_writes": seconds, "seconds_between_requests": seconds / 4}


class Repo:
    def __init__(self, repo, owner: str) -> None:
        self.repo = repo
        self.owner = owner

    def default_branch(self) -> str:
        return _read(lambda: self.repo.default_branch)

    def pull(self, number: int):
        return _read(lambda: self.repo.get_pull(number))

    # -- the sticky comment ---------------------------------------------------------------------------------
    def sticky_comment(self, number: int, body: str) -> str:
        """Create, update or leave alone the one comment carrying MARKER; returns what it did."""
        existing = self._find_comment(number)
        if existing is not None:
            if existing.body == body:
                return "unchanged"
            _write(lambda: existing.edit(body), None)
            return "updated"
        pull = self.pull(number)
        _write(lambda: pull.create_issue_comment(body), lambda: self._find_comment(number))
        return "created"

    def _find_comment(self, number: int):
        pull = self.pull(number)
        return _read(lambda: next((c for c in pull.get_issue_comments() if MARKER in (c.body or "") and _by_bot(c)), None))

    # -- the bot pull request -------------------------------------------------------------------------------
    def find_pull(self, head_branch: str, base_branch: str | None, state: str = "open"):
        """The open pull request from ``head_branch`` (into ``base_branch``; None: into any branch)."""
        head = f"{self.owner}:{head_branch}"
        if base_branch is None:
            return _read(lambda: next(iter(self.repo.get_pulls(state=state, head=head)), None))
        return _read(lambda: next(iter(self.repo.get_pulls(state=state, head=head, base=base_branch)), None))

    def open_or_update_pull(self, head_branch: str, base_branch: str, title: str, body: str) -> tuple[str, str]:
        """(url, created|updated|unchanged): ONE pull request from ``head_branch`` into ``base_branch``."""
        existing = self.find_pull(head_branch, base_branch)
        if existing is not None:
            if existing.title == title and existing.body == body:
                return existing.html_url, "unchanged"
            _write(lambda: existing.edit(title=title, body=body), None)
            return existing.html_url, "updated"
        created = _write(
            lambda: self.repo.create_pull(base=base_branch, head=head_branch, title=title, body=body, maintainer_can_modify=True),
            lambda: self.find_pull(head_branch, base_branch),
        )
        return created.html_url, "created"

    def close_pull(self, head_branch: str, comment: str) -> str | None:
        # By head only: when the PR's branch is deleted after a merge, GitHub retargets open PRs on it to main.
        existing = self.find_pull(head_branch, None)
        if existing is None:
            return None
        _write(lambda: existing.create_issue_comment(comment), None)
        _write(lambda: existing.edit(state="closed"), None)
        return existing.html_url

    # -- reviews ----------------------------------------------------------------------------------------------
    def has_review(self, number: int, marker: str) -> bool:
        pull = self.pull(number)
        return _read(lambda: any(marker in (r.body or "") and _by_bot(r) for r in pull.get_reviews()))

    def review(self, number: int, commit_sha: str, body: str, comments: list[dict], marker: str) -> None:
        pull = self.pull(number)
        commit = self.repo.get_commit(commit_sha)  # pins the review to the commit the suggestions were computed on
        _write(
            lambda: pull.create_review(commit=commit, body=body, event="COMMENT", comments=comments),
            lambda: True if self.has_review(number, marker) else None,
        )


def _by_bot(item) -> bool:
    """Written by a bot account (GITHUB_TOKEN's github-actions[bot], or an App): a user pasting our marker
    into a comment or review must not take the report over or silence the suggestions."""
    return getattr(item.user, "type", "") == "Bot"


def _read(call: Callable[[], T]) -> T:
    import github
    import requests

    try:
        return call()
    except github.GithubException as exc:
        raise GitHubError(_describe(exc)) from None
    except (requests.RetryError, requests.ConnectionError, requests.Timeout) as exc:  # PyGithub's read retries ran out
        raise GitHubError(f"GitHub unreachable: {type(exc).__name__}") from None


def _write(call: Callable[[], T], applied: Callable[[], T | None] | None) -> T:
    """One write, repeated on a server error or a dropped connection; a create first checks it did not land."""
    import github
    import requests

    for attempt in range(WRITE_ATTEMPTS):
        try:
            return call()
        except (github.GithubException, requests.ConnectionError, requests.Timeout) as exc:
            status = getattr(exc, "status", 0)
            transient = not isinstance(exc, github.GithubException) or status >= 500
            if not transient or attempt == WRITE_ATTEMPTS - 1:
                raise GitHubError(_describe(exc) if isinstance(exc, github.GithubException) else f"GitHub unreachable: {type(exc).__name__}") from None
            time.sleep(0.5 * 2**attempt)
            if applied is not None:
                found = applied()
                if found is not None:
                    return found
    raise AssertionError("unreachable")


def _describe(exc) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = data.get("message") or str(exc.data)[:200]
    errors = "; ".join(str(e.get("message") or e.get("code") or e) for e in data.get("errors", []) if isinstance(e, dict))
    return f"GitHub answered {exc.status}: {message}" + (f" ({errors})" if errors else "")
