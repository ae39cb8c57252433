"""The loopback GitHub (tests/fake_github.py), driven through the real PyGithub client."""
from __future__ import annotations

import subprocess
from pathlib import Path

import github
import pytest
import requests

from fake_github import FakeGitHub, diff_lines

PATCH = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+c\n d\n@@ -10,2 +11,2 @@\n j\n-k\n+K\n"


@pytest.fixture
def server():
    with FakeGitHub("o/r") as fake:  # leaving it with violations fails the test
        yield fake


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository with branches main and feature, standing for the GitHub one."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(bare), "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
                              capture_output=True, text=True, check=True).stdout.strip()

    tree = git("mktree")  # empty stdin: the empty tree
    main = git("commit-tree", tree, "-m", "init")
    git("update-ref", "refs/heads/main", main)
    git("update-ref", "refs/heads/feature", git("commit-tree", tree, "-p", main, "-m", "feature"))
    return bare


def test_repo_metadata_and_an_enterprise_style_prefix() -> None:
    with FakeGitHub("acme/widgets", api_prefix="/api/v3") as server:
        repo = server.client().get_repo("acme/widgets")
        assert (repo.full_name, repo.default_branch, repo.owner.login) == ("acme/widgets", "main", "acme")
        assert server.requests[-1].path == "/repos/acme/widgets"
        with pytest.raises(github.UnknownObjectException):
            server.client().get_repo("acme/other")


def test_get_pull_renders_what_the_bot_reads(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature", head_sha="a" * 40, head_repo="someone/r", title="Add x", body="why")
    pull = server.client().get_repo("o/r").get_pull(7)
    assert (pull.number, pull.title, pull.body, pull.state, pull.merged) == (7, "Add x", "why", "open", False)
    assert (pull.head.ref, pull.head.sha, pull.head.repo.full_name, pull.head.label) == ("feature", "a" * 40, "someone/r", "someone:feature")
    assert (pull.base.ref, pull.base.repo.full_name, pull.user.login) == ("main", "o/r", "octocat")
    assert pull.html_url == f"{server.web_url}/o/r/pull/7"
    with pytest.raises(github.UnknownObjectException):
        server.client().get_repo("o/r").get_pull(8)


def test_list_pulls_filters_sorts_and_pages(server: FakeGitHub) -> None:
    for number in range(1, 6):
        server.add_pull(number=number, head_ref=f"b{number}", base_ref="dev" if number == 2 else "main")
    server.add_pull(number=6, head_ref="b1", head_repo="fork/r")  # same branch name, in a fork
    server.pulls[3].state = "closed"
    repo = server.client(per_page=2).get_repo("o/r")
    assert [p.number for p in repo.get_pulls()] == [6, 5, 4, 2, 1]  # open, newest first, over three pages
    assert sum(r.path == "/repos/o/r/pulls" for r in server.requests) == 3
    assert [p.number for p in repo.get_pulls(state="all", direction="asc")] == [1, 2, 3, 4, 5, 6]
    assert [p.number for p in repo.get_pulls(head="o:b1")] == [1]
    assert [p.number for p in repo.get_pulls(head="fork:b1")] == [6]
    assert [p.number for p in repo.get_pulls(state="all", base="dev")] == [2]
    assert [p.number for p in repo.get_pulls(state="closed", head="o:b3", base="main")] == [3]
    assert server.requests[-1].query == {"state": "closed", "head": "o:b3", "base": "main", "per_page": "2"}


def test_a_head_filter_without_owner_is_ignored_like_github_and_flagged(server: FakeGitHub) -> None:
    server.add_pull(number=1, head_ref="a")
    server.add_pull(number=2, head_ref="b")
    assert [p.number for p in server.client().get_repo("o/r").get_pulls(head="a")] == [2, 1]
    assert server.violations == ["GET /repos/o/r/pulls: head='a' lacks 'owner:', so GitHub ignores it"]
    server.violations.clear()


def test_create_pull_numbers_after_seeded_issues_and_pulls(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature")
    server.add_issue(9)
    repo = server.client().get_repo("o/r")
    pull = repo.create_pull(base="main", head="o:topic", title="T", body="B", maintainer_can_modify=True, draft=True)
    assert (pull.number, pull.user.login, pull.draft, pull.head.ref, pull.title) == (10, "github-actions[bot]", True, "topic", "T")
    assert server.pulls[10].maintainer_can_modify is True
    with pytest.raises(github.GithubException) as duplicate:
        repo.create_pull(base="main", head="topic", title="again")
    assert duplicate.value.status == 422
    assert duplicate.value.data["errors"][0]["message"] == "A pull request already exists for o:topic."
    with pytest.raises(github.GithubException) as untitled:
        repo.create_pull(base="main", head="other")
    assert untitled.value.data["errors"] == [{"resource": "PullRequest", "field": "title", "code": "missing_field"}]


def test_edit_pull(server: FakeGitHub) -> None:
    server.add_pull(number=3, head_ref="feature", title="old")
    pull = server.client().get_repo("o/r").get_pull(3)
    pull.edit(title="new", body="text", base="dev")
    pull.edit(state="closed")
    assert (server.pulls[3].title, server.pulls[3].body, server.pulls[3].base_ref, server.pulls[3].state) == ("new", "text", "dev", "closed")
    assert (pull.state, pull.closed_at is not None) == ("closed", True)
    assert [r.json for r in server.requests if r.method == "PATCH"] == [{"title": "new", "body": "text", "base": "dev"}, {"state": "closed"}]


def test_files_are_paginated(server: FakeGitHub) -> None:
    files = [{"filename": f"f{i}.py", "status": "modified", "patch": PATCH} for i in range(5)]
    server.add_pull(number=7, head_ref="feature", files=files)
    listed = list(server.client(per_page=2).get_repo("o/r").get_pull(7).get_files())
    assert [f.filename for f in listed] == [f"f{i}.py" for i in range(5)]
    assert (listed[0].patch, listed[0].additions, listed[0].deletions, listed[0].status) == (PATCH, 3, 2, "modified")
    assert sum(r.path.endswith("/files") for r in server.requests) == 3


def test_issue_comments_walk_every_page_and_edit(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature")
    for i in range(5):
        server.add_comment(7, f"c{i}")
    server.add_comment(8, "elsewhere")  # another issue's
    pull = server.client(per_page=2).get_repo("o/r").get_pull(7)
    comments = pull.get_issue_comments()
    assert [c.body for c in comments] == [f"c{i}" for i in range(5)]
    assert comments.totalCount == 5  # PyGithub asks for per_page=1 and reads the rel="last" link
    created = pull.create_issue_comment("mine")
    assert (created.user.login, created.html_url) == ("github-actions[bot]", f"{server.web_url}/o/r/pull/7#issuecomment-{created.id}")
    created.edit("edited")
    assert [c.body for c in server.comments if c.issue_number == 7][-1] == "edited"
    assert [(r.method, r.path) for r in server.requests if r.method != "GET"] == [
        ("POST", "/repos/o/r/issues/7/comments"), ("PATCH", f"/repos/o/r/issues/comments/{created.id}")]


def test_unknown_issues_are_not_found_and_unlisted_operations_are_violations(server: FakeGitHub) -> None:
    requester = server.client().requester
    with pytest.raises(github.UnknownObjectException):  # GitHub's answer to a well-formed request: no violation
        requester.requestJsonAndCheck("POST", "/repos/o/r/issues/5/comments", input={"body": "x"})
    assert (server.comments, server.violations) == ([], [])
    with pytest.raises(github.UnknownObjectException):
        server.client().get_repo("o/r").get_issue(5)  # GET /issues/{n} is not an operation the bot uses
    assert server.violations == ["GET /repos/o/r/issues/5: no such operation in GitHub's REST API"]
    server.violations.clear()


def test_answers_are_checked_against_the_response_schema(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature", state="merged")  # not a state GitHub has
    assert server.client().get_repo("o/r").get_pull(7).state == "merged"
    assert server.violations == ["GET /repos/o/r/pulls/7: response: 'merged' is not one of ['open', 'closed']"]
    server.violations.clear()


def test_reviews_with_line_comments(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature", head_sha="c" * 40, files=[{"filename": "a.py", "status": "modified", "patch": PATCH}])
    server.add_review(7, "earlier", user="alice")
    pull = server.client().get_repo("o/r").get_pull(7)
    comments = [{"path": "a.py", "line": 3, "side": "RIGHT", "start_line": 2, "start_side": "RIGHT", "body": "two lines"},
                {"path": "a.py", "line": 2, "side": "LEFT", "body": "removed line"}]
    review = pull.create_review(body="summary", event="COMMENT", comments=comments)
    assert (review.state, review.user.login, review.body, review.commit_id) == ("COMMENTED", "github-actions[bot]", "summary", "c" * 40)
    assert server.reviews[-1].comments == comments
    assert [(r.user.login, r.body) for r in pull.get_reviews()] == [("alice", "earlier"), ("github-actions[bot]", "summary")]


@pytest.mark.parametrize("comment, error", [
    ({"path": "b.py", "line": 2, "body": "x"}, "Path could not be resolved"),
    ({"path": "a.py", "line": 8, "body": "x"}, "Pull request review thread line must be part of the diff"),
    ({"path": "a.py", "line": 11, "start_line": 3, "body": "x"}, "Pull request review thread line must be part of the diff"),
])
def test_review_comments_outside_the_diff_are_refused(server: FakeGitHub, comment: dict, error: str) -> None:
    server.add_pull(number=7, head_ref="feature", files=[{"filename": "a.py", "patch": PATCH}])
    with pytest.raises(github.GithubException) as refused:
        server.client().get_repo("o/r").get_pull(7).create_review(body="b", event="COMMENT", comments=[comment])
    assert (refused.value.status, refused.value.data["errors"]) == (422, [error])
    assert server.reviews == []


def test_diff_lines_maps_sides_and_hunks() -> None:
    lines = diff_lines(PATCH)
    assert {line for side, line in lines if side == "RIGHT"} == {1, 2, 3, 4, 11, 12}
    assert {line for side, line in lines if side == "LEFT"} == {1, 2, 3, 10, 11}
    assert (lines[("RIGHT", 4)], lines[("RIGHT", 12)]) == (0, 1)


def test_origin_decides_heads_and_loses_deleted_refs(origin: Path) -> None:
    def sha(ref: str) -> str:
        return subprocess.run(["git", "-C", str(origin), "rev-parse", "--verify", "-q", ref], capture_output=True, text=True, check=False).stdout.strip()

    with FakeGitHub("o/r", origin=origin, login="bot") as server:
        client = server.client()
        repo = client.get_repo("o/r")
        with pytest.raises(github.GithubException) as missing:
            repo.create_pull(base="main", head="nope", title="T")
        assert missing.value.data["errors"] == [{"resource": "PullRequest", "field": "head", "code": "invalid"}]
        pull = repo.create_pull(base="main", head="feature", title="T")
        assert (pull.head.sha, pull.base.sha, pull.user.login) == (sha("feature"), sha("main"), "bot")
        # The documented path; PyGithub's lazy repo.get_git_ref(...).delete() sends /git/ref/ (see the next test).
        client.requester.requestJsonAndCheck("DELETE", f"{repo.url}/git/refs/heads/feature")
        assert (sha("refs/heads/feature"), server.deleted_refs) == ("", ["heads/feature"])
        with pytest.raises(github.GithubException) as again:
            client.requester.requestJsonAndCheck("DELETE", f"{repo.url}/git/refs/heads/feature")
        assert (again.value.status, again.value.data["message"]) == (422, "Reference does not exist")
        assert repo.get_pull(pull.number).head.sha == pull.head.sha  # a deleted branch keeps the pull's last head


def test_delete_refs_with_slashes_and_pygithubs_own_path(server: FakeGitHub) -> None:
    completed = server.client().get_repo("o/r")
    completed.requester.requestJsonAndCheck("DELETE", f"{completed.url}/git/refs/heads/telemetry-inject/pr-7")
    assert server.deleted_refs == ["heads/telemetry-inject/pr-7"]
    with pytest.raises(github.UnknownObjectException):
        server.client(lazy=True).get_repo("o/r").get_git_ref("heads/x").delete()
    assert server.violations == ["DELETE /repos/o/r/git/ref/heads/x: no such operation in GitHub's REST API"]
    server.violations.clear()


def test_requests_breaking_the_description_are_refused_and_recorded(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature")
    requester = server.client().requester
    with pytest.raises(github.GithubException) as bad_body:
        requester.requestJsonAndCheck("POST", "/repos/o/r/pulls", input={"head": "feature", "base": "main", "draft": "yes"})
    assert bad_body.value.status == 422
    with pytest.raises(github.GithubException) as bad_query:
        requester.requestJsonAndCheck("GET", "/repos/o/r/pulls", parameters={"state": "merged", "per_page": "many", "sort_by": "x"})
    assert bad_query.value.status == 422
    with pytest.raises(github.UnknownObjectException):
        requester.requestJsonAndCheck("GET", "/repos/o/r/pulls/seven")
    with pytest.raises(github.GithubException):
        requester.requestJsonAndCheck("POST", "/repos/o/r/pulls/7/reviews", input={"event": "SHIP_IT"})
    assert server.violations == [
        "POST /repos/o/r/pulls: body['draft']: 'yes' is not of type 'boolean'",
        "GET /repos/o/r/pulls: query: state='merged': 'merged' is not one of ['open', 'closed', 'all']",
        "GET /repos/o/r/pulls: query: per_page='many': 'many' is not of type 'integer'",
        "GET /repos/o/r/pulls: query: unknown parameter 'sort_by'",
        "GET /repos/o/r/pulls/seven: path: pull_number='seven': 'seven' is not of type 'integer'",
        "POST /repos/o/r/pulls/7/reviews: body['event']: 'SHIP_IT' is not one of ['APPROVE', 'REQUEST_CHANGES', 'COMMENT']",
    ]
    assert server.pulls.keys() == {7} and server.reviews == []
    server.violations.clear()


def test_a_token_is_required(server: FakeGitHub) -> None:
    answer = requests.get(f"{server.url}/repos/o/r", timeout=5)
    assert (answer.status_code, answer.json()["message"]) == (401, "Requires authentication")
    assert requests.get(f"{server.url}/repos/o/r", headers={"Authorization": "Bearer t"}, timeout=5).status_code == 200
    assert server.violations == ["GET /repos/o/r: no Authorization header"]
    server.violations.clear()


def test_leaving_with_violations_fails() -> None:
    with pytest.raises(AssertionError, match="no such operation"), FakeGitHub() as server:
        requests.get(f"{server.url}/user", headers={"Authorization": "token t"}, timeout=5)


def test_injected_failure_before_the_write(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature", title="old")
    server.fail("PATCH", r"/pulls/7$", status=502)
    pull = server.client().get_repo("o/r").get_pull(7)
    with pytest.raises(github.GithubException) as failed:  # PyGithub's default retry leaves PATCH alone
        pull.edit(title="new")
    assert (failed.value.status, server.pulls[7].title) == (502, "old")
    pull.edit(title="new")
    assert server.pulls[7].title == "new"


def test_injected_failure_after_the_write_lands_anyway(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature")
    server.fail("POST", r"/issues/7/comments$", status=502, after_apply=True)
    pull = server.client(retry=None).get_repo("o/r").get_pull(7)
    with pytest.raises(github.GithubException) as failed:
        pull.create_issue_comment("once")
    assert failed.value.status == 502
    assert [c.body for c in pull.get_issue_comments()] == ["once"]  # re-reading shows it was created


def test_pygithubs_default_retry_repeats_a_post_and_duplicates_the_comment(server: FakeGitHub) -> None:
    server.add_pull(number=7, head_ref="feature")
    server.fail("POST", r"/issues/7/comments$", status=502, after_apply=True)
    server.client().get_repo("o/r").get_pull(7).create_issue_comment("once")  # GithubRetry: 5xx on POST is retried
    assert [c.body for c in server.comments] == ["once", "once"]
