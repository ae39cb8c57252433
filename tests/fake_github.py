"""A loopback GitHub REST API for offline tests of the bot, checked against GitHub's own OpenAPI description.

Serves the operations the bot uses (tests/data/github_openapi_extract.json, made by
scripts/extract_github_openapi.py) from in-memory state over real HTTP, so PyGithub
runs exactly as against github.com. A request that breaks the description is
answered as GitHub would (404/422) and also recorded in ``violations``; leaving
the ``with`` block with violations fails the test (clear them after asserting
them). Responses are completed to their schema and validated too.

    with FakeGitHub(repo="o/r") as server:
        server.add_pull(number=7, head_ref="feature")
        server.client().get_repo("o/r").get_pull(7).create_issue_comment("hi")
        assert server.comments[-1].body == "hi"
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import subprocess
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker

EXTRACT = Path(__file__).parent / "data" / "github_openapi_extract.json"
EPOCH = "2025-01-01T00:00:00Z"  # every timestamp: answers stay the same from run to run
DOCS = "https://docs.github.com/rest"
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
REVIEW_STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", None: "PENDING"}


class Request(NamedTuple):
    method: str
    path: str  # below the API prefix, e.g. "/repos/o/r/pulls"
    query: dict[str, str]
    json: Any


@dataclass
class Pull:
    number: int
    head_ref: str
    head_sha: str
    head_repo: str  # "owner/name"; a fork when it is not the served repository
    base_ref: str = "main"
    title: str = ""
    body: str | None = None
    state: str = "open"
    draft: bool = False
    maintainer_can_modify: bool = False
    user: str = "octocat"
    files: list[dict] = field(default_factory=list)  # {filename, status, patch}


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: str


@dataclass
class Review:
    id: int
    pull_number: int
    body: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | PENDING
    commit_id: str
    user: str
    comments: list[dict] = field(default_factory=list)


@dataclass
class Failure:
    method: str
    path: re.Pattern
    status: int
    times: int
    after_apply: bool


class ApiError(Exception):
    """An answer GitHub gives to a well-formed request (unknown pull, invalid head…)."""

    def __init__(self, status: int, message: str, errors: list | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.payload = {"message": message, "documentation_url": DOCS, "status": str(status)}
        if errors is not None:
            self.payload["errors"] = errors


def fake_sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def diff_lines(patch: str) -> dict[tuple[str, int], int]:
    """(side, line) -> hunk index, for every line of a unified diff a review comment may be placed on."""
    lines: dict[tuple[str, int], int] = {}
    hunk, old, new = -1, 0, 0
    for text in patch.splitlines():
        if match := HUNK.match(text):
            hunk, old, new = hunk + 1, int(match[1]), int(match[2])
        elif text.startswith("-"):
            lines[("LEFT", old)], old = hunk, old + 1
        elif text.startswith("+"):
            lines[("RIGHT", new)], new = hunk, new + 1
        elif not text.startswith("\\"):  # "\ No newline at end of file" is no line
            lines[("LEFT", old)] = lines[("RIGHT", new)] = hunk
            old, new = old + 1, new + 1
    return lines


class ApiDescription:
    """The extract: which operations exist, and what their requests and responses must look like."""

    def __init__(self, document: dict) -> None:
        self.components = document["components"]
        self.routes: list[tuple[str, re.Pattern, dict, list[dict]]] = []
        for template, methods in document["paths"].items():
            for method, operation in methods.items():
                params = [self.resolve(p) for p in operation["parameters"]]
                multi = {p["name"] for p in params if p.get("x-multi-segment")}  # a git ref spans slashes
                pattern = re.sub(r"\{(\w+)\}", lambda m, multi=multi: f"(?P<{m[1]}>{'.+' if m[1] in multi else '[^/]+'})", template)
                self.routes.append((method.upper(), re.compile(pattern + "$"), operation, params))

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            _, _, kind, name = node["$ref"].split("/", 3)
            node = self.components[kind][name]
        return node

    def validator(self, schema: dict, cls=OAS30WriteValidator):
        # Wrapping the schema next to the components makes its "#/components/..." refs resolve.
        return cls({"components": self.components, "allOf": [schema]}, format_checker=oas30_format_checker)

    def route(self, method: str, path: str) -> tuple[dict, list[dict], dict[str, str]] | None:
        for verb, pattern, operation, params in self.routes:
            if verb == method and (match := pattern.match(path)):
                return operation, params, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    def check_request(self, params: list[dict], operation: dict, raw: dict[str, str], body: Any) -> tuple[dict, list[str]]:
        """The arguments with their schema types, and what breaks the description ("path:" problems mean 404)."""
        args, problems = {}, []
        for param in params:
            where, name, schema = param["in"], param["name"], param["schema"]
            if name not in raw:
                if param.get("required"):
                    problems.append(f"{where}: missing required parameter {name!r}")
                continue
            value = raw[name]
            if schema.get("type") == "integer":
                value = int(value) if re.fullmatch(r"-?\d+", value) else value
            problems += [f"{where}: {name}={raw[name]!r}: {e.message}" for e in self.validator(schema).iter_errors(value)]
            args[name] = value
        known = {p["name"] for p in params}
        problems += [f"query: unknown parameter {name!r}" for name in raw if name not in known]
        request_body = operation.get("requestBody")
        if request_body is None:
            if body is not None:
                problems.append("body: this operation takes no body")
        elif body is None:
            if request_body["required"]:
                problems.append("body: missing")
        else:
            schema = request_body["content"]["application/json"]["schema"]
            problems += [f"body{''.join(f'[{p!r}]' for p in e.absolute_path)}: {e.message}"
                         for e in self.validator(schema).iter_errors(body)]
        return args, problems

    def response_schema(self, operation: dict, status: int) -> dict | None:
        content = operation["responses"].get(str(status), {}).get("content", {})
        return content.get("application/json", {}).get("schema")

    def complete(self, value: Any, schema: dict) -> Any:
        """Add the required fields our answers leave out, so PyGithub and the schema see GitHub's full shape."""
        schema = self.resolve(schema)
        for part in schema.get("allOf", []):
            value = self.complete(value, part)
        if isinstance(value, list) and "items" in schema:
            return [self.complete(item, schema["items"]) for item in value]
        if isinstance(value, dict) and "properties" in schema:
            for name in schema.get("required", []):
                value.setdefault(name, self.placeholder(schema["properties"].get(name, {})))
            for name, sub in schema["properties"].items():
                if value.get(name) is not None:
                    value[name] = self.complete(value[name], sub)
        return value

    def placeholder(self, schema: dict) -> Any:
        schema = self.resolve(schema)
        if schema.get("nullable"):
            return None
        if "enum" in schema:
            return schema["enum"][0]
        if alternatives := schema.get("anyOf") or schema.get("oneOf"):
            return self.placeholder(alternatives[0])
        kind = schema.get("type", "object")
        if kind == "string":
            return EPOCH if schema.get("format") == "date-time" else ""
        return {"integer": 0, "number": 0, "boolean": False, "array": []}.get(kind) if kind != "object" else self.complete({}, schema)


class FakeGitHub:
    def __init__(self, repo: str = "o/r", *, login: str = "github-actions[bot]", origin: Path | None = None,
                 api_prefix: str = "", web_url: str | None = None, default_branch: str = "main") -> None:
        """``origin`` is a bare git repository standing for the served one: heads are read from it, refs deleted in it."""
        self.repo, self.login, self.origin, self.default_branch = repo, login, origin, default_branch
        self.api_prefix = api_prefix.rstrip("/")  # "/api/v3" to look like GitHub Enterprise Server
        self._web_url = web_url
        self.pulls: dict[int, Pull] = {}
        self.issues: set[int] = set()  # plain issues; pull requests are issues too and share the numbers
        self.comments: list[Comment] = []
        self.reviews: list[Review] = []
        self.deleted_refs: list[str] = []
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self.failures: list[Failure] = []
        self.ids = itertools.count(1001)  # comment and review ids, never confused with numbers
        self.lock = threading.Lock()
        self.api = ApiDescription(json.loads(EXTRACT.read_text()))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        # A short poll interval: shutdown() otherwise waits up to half a second per test.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        """The ``base_url`` for PyGithub."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{self.api_prefix}"

    @property
    def web_url(self) -> str:
        return self._web_url or f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def client(self, **kwargs):
        """A PyGithub client for this server, without PyGithub's pauses between requests (0.25 s, 1 s for writes)."""
        import github

        kwargs = {"seconds_between_requests": 0, "seconds_between_writes": 0, **kwargs}
        return github.Github(base_url=self.url, auth=github.Auth.Token("t"), **kwargs)

    def __enter__(self) -> FakeGitHub:
        self.thread.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if exc_type is None and self.violations:
            raise AssertionError("requests that break GitHub's API description:\n" + "\n".join(self.violations))

    # -- seeding ------------------------------------------------------------------------------------------------
    def next_number(self) -> int:
        return max(self.pulls.keys() | self.issues, default=0) + 1

    def add_pull(self, number: int | None = None, *, head_ref: str, head_sha: str | None = None, base_ref: str | None = None,
                 head_repo: str | None = None, files: Sequence[dict] = (), **fields) -> Pull:
        number = number or self.next_number()
        pull = Pull(number, head_ref, head_sha or self._branch_sha(head_ref) or fake_sha(head_ref), head_repo or self.repo,
                    base_ref or self.default_branch, files=[dict(f) for f in files], **fields)
        self.pulls[number] = pull
        return pull

    def add_issue(self, number: int | None = None) -> int:
        number = number or self.next_number()
        self.issues.add(number)
        return number

    def add_comment(self, issue_number: int, body: str, *, user: str = "octocat") -> Comment:
        comment = Comment(next(self.ids), issue_number, body, user)
        self.comments.append(comment)
        return comment

    def add_review(self, pull_number: int, body: str, *, state: str = "COMMENTED", user: str = "octocat") -> Review:
        review = Review(next(self.ids), pull_number, body, state, self.pulls[pull_number].head_sha, user)
        self.reviews.append(review)
        return review

    def fail(self, method: str, path_regex: str, status: int = 502, times: int = 1, after_apply: bool = False) -> None:
        """Answer the next ``times`` matching requests with ``status``; with ``after_apply`` the write happens first."""
        self.failures.append(Failure(method.upper(), re.compile(path_regex), status, times, after_apply))

    # -- one request --------------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, authorization: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        split = urlsplit(target)
        path, raw = split.path.removeprefix(self.api_prefix), dict(parse_qsl(split.query, keep_blank_values=True))
        self.requests.append(Request(method, path, raw, body))
        where = f"{method} {path}"
        if not authorization.startswith(("token ", "Bearer ")):
            self.violations.append(f"{where}: no Authorization header")
            return 401, {"message": "Requires authentication", "documentation_url": DOCS, "status": "401"}, {}
        found = self.api.route(method, path) if split.path.startswith(self.api_prefix) else None
        if found is None:
            self.violations.append(f"{where}: no such operation in GitHub's REST API")
            return 404, ApiError(404, "Not Found").payload, {}
        operation, params, path_args = found
        args, problems = self.api.check_request(params, operation, {**raw, **path_args}, body)
        if problems:
            self.violations += [f"{where}: {problem}" for problem in problems]
            status = 404 if any(p.startswith("path:") for p in problems) else 422
            return status, ApiError(status, "Not Found" if status == 404 else "Invalid request.\n\n" + problems[0]).payload, {}
        failure = next((f for f in self.failures if f.times and f.method == method and f.path.search(path)), None)
        if failure:
            failure.times -= 1
            if not failure.after_apply:
                return failure.status, {"message": "Server Error"}, {}
        try:
            if f"{args['owner']}/{args['repo']}".lower() != self.repo.lower():
                raise ApiError(404, "Not Found")
            status, payload = getattr(self, "op_" + operation["operationId"].replace("/", "_").replace("-", "_"))(args, body)
        except ApiError as error:
            return error.status, error.payload, {}
        headers = {}
        if "per_page" in {p["name"] for p in params}:
            payload, headers = self._page(payload, args, split.path, raw)
        if schema := self.api.response_schema(operation, status):
            payload = self.api.complete(payload, schema)
            self.violations += [f"{where}: response: {e.message}" for e in self.api.validator(schema, OAS30ReadValidator).iter_errors(payload)]
        if failure:
            return failure.status, {"message": "Server Error"}, {}
        return status, payload, headers

    def _page(self, items: list, args: dict, path: str, raw: dict[str, str]) -> tuple[list, dict[str, str]]:
        """One page of ``items`` and GitHub's Link header, which PyGithub's PaginatedList follows."""
        per_page, page = min(args.get("per_page") or 30, 100), max(args.get("page", 1), 1)
        last = max(1, -(-len(items) // per_page))
        link = lambda n, rel: f'<http://127.0.0.1:{self.httpd.server_address[1]}{path}?{urlencode({**raw, "per_page": per_page, "page": n})}>; rel="{rel}"'
        links = ([link(page + 1, "next"), link(last, "last")] if page < last else []) + ([link(1, "first"), link(page - 1, "prev")] if page > 1 else [])
        return items[(page - 1) * per_page:page * per_page], {"Link": ", ".join(links)} if links else {}

    # -- operations (named after their operationId) -------------------------------------------------------------
    def op_repos_get(self, args: dict, body: None) -> tuple[int, Any]:
        return 200, self._repository(self.repo)

    def op_pulls_get(self, args: dict, body: None) -> tuple[int, Any]:
        return 200, self._pull_json(self._pull(args["pull_number"]))

    def op_pulls_list(self, args: dict, body: None) -> tuple[int, Any]:
        pulls = [p for p in self.pulls.values() if args.get("state", "open") in ("all", p.state)]
        if "head" in args:
            owner, _, ref = args["head"].rpartition(":")
            if owner:
                pulls = [p for p in pulls if (p.head_repo.split("/")[0], p.head_ref) == (owner, ref)]
            else:  # GitHub silently ignores it and lists every pull: https://github.com/orgs/community/discussions/24354
                self.violations.append(f"GET /repos/{self.repo}/pulls: head={args['head']!r} lacks 'owner:', so GitHub ignores it")
        if "base" in args:
            pulls = [p for p in pulls if p.base_ref == args["base"]]
        pulls.sort(key=lambda p: p.number, reverse=args.get("direction", "desc") == "desc")
        return 200, [self._pull_json(p) for p in pulls]

    def op_pulls_create(self, args: dict, body: dict) -> tuple[int, Any]:
        owner, _, ref = body["head"].rpartition(":")
        if owner not in ("", self.repo.split("/")[0]) or not self._branch_exists(ref):  # forks are not modelled
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "field": "head", "code": "invalid"}])
        if not self._branch_exists(body["base"]):
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "field": "base", "code": "invalid"}])
        if "title" not in body and "issue" not in body:
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "field": "title", "code": "missing_field"}])
        if any(p.state == "open" and p.head_repo == self.repo and (p.head_ref, p.base_ref) == (ref, body["base"]) for p in self.pulls.values()):
            message = f"A pull request already exists for {self.repo.split('/')[0]}:{ref}."
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "code": "custom", "message": message}])
        pull = self.add_pull(head_ref=ref, base_ref=body["base"], title=body.get("title", ""), body=body.get("body"),
                             draft=body.get("draft", False), maintainer_can_modify=body.get("maintainer_can_modify", False), user=self.login)
        return 201, self._pull_json(pull)

    def op_pulls_update(self, args: dict, body: dict) -> tuple[int, Any]:
        pull = self._pull(args["pull_number"])
        for name in ("title", "body", "state", "maintainer_can_modify"):
            if name in body:
                setattr(pull, name, body[name])
        pull.base_ref = body.get("base", pull.base_ref)
        return 200, self._pull_json(pull)

    def op_pulls_list_files(self, args: dict, body: None) -> tuple[int, Any]:
        return 200, [self._file_json(f) for f in self._pull(args["pull_number"]).files]

    def op_pulls_list_reviews(self, args: dict, body: None) -> tuple[int, Any]:
        self._pull(args["pull_number"])
        return 200, [self._review_json(r) for r in self.reviews if r.pull_number == args["pull_number"]]

    def op_pulls_create_review(self, args: dict, body: dict | None) -> tuple[int, Any]:
        body = body or {}
        pull = self._pull(args["pull_number"])
        comments = body.get("comments", [])
        if body.get("event") in ("REQUEST_CHANGES", "COMMENT") and not body.get("body") and not comments:
            raise ApiError(422, "Unprocessable Entity", [f"Body is required for {body['event']}"])
        for comment in comments:
            self._check_review_comment(pull, comment)
        review = Review(next(self.ids), pull.number, body.get("body", ""), REVIEW_STATES[body.get("event")],
                        body.get("commit_id", self._head_sha(pull)), self.login, comments)
        self.reviews.append(review)
        return 200, self._review_json(review)

    def op_issues_list_comments(self, args: dict, body: None) -> tuple[int, Any]:
        self._issue(args["issue_number"])
        return 200, [self._comment_json(c) for c in self.comments if c.issue_number == args["issue_number"]]

    def op_issues_create_comment(self, args: dict, body: dict) -> tuple[int, Any]:
        self._issue(args["issue_number"])
        comment = self.add_comment(args["issue_number"], body["body"], user=self.login)
        return 201, self._comment_json(comment)

    def op_issues_update_comment(self, args: dict, body: dict) -> tuple[int, Any]:
        comment = next((c for c in self.comments if c.id == args["comment_id"]), None)
        if comment is None:
            raise ApiError(404, "Not Found")
        comment.body = body["body"]
        return 200, self._comment_json(comment)

    def op_git_delete_ref(self, args: dict, body: None) -> tuple[int, Any]:
        ref = args["ref"]
        exists = self._git("rev-parse", "--verify", "-q", f"refs/{ref}") is not None if self.origin else ref not in self.deleted_refs
        if not exists:
            raise ApiError(422, "Reference does not exist")
        if self.origin:
            self._git("update-ref", "-d", f"refs/{ref}")
        self.deleted_refs.append(ref)
        return 204, None

    # -- state helpers --------------------------------------------------------------------------------------------
    def _pull(self, number: int) -> Pull:
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        return self.pulls[number]

    def _issue(self, number: int) -> None:
        if number not in self.pulls and number not in self.issues:
            raise ApiError(404, "Not Found")

    def _check_review_comment(self, pull: Pull, comment: dict) -> None:
        """GitHub refuses review comments outside the diff; so does the fake, from the seeded patches."""
        file = next((f for f in pull.files if f["filename"] == comment["path"]), None)
        if file is None:
            raise ApiError(422, "Unprocessable Entity", ["Path could not be resolved"])
        if "position" in comment:  # the legacy addressing; not checked
            return
        if "line" not in comment:
            raise ApiError(422, "Unprocessable Entity", ["Line could not be resolved"])
        lines = diff_lines(file.get("patch") or "")
        side = comment.get("side", "RIGHT")
        end = lines.get((side, comment["line"]))
        start = lines.get((comment.get("start_side", side), comment.get("start_line", comment["line"])))
        if end is None or start is None or start != end or comment.get("start_line", 0) > comment["line"]:
            raise ApiError(422, "Unprocessable Entity", ["Pull request review thread line must be part of the diff"])

    def _git(self, *args: str) -> str | None:
        result = subprocess.run(["git", "-C", str(self.origin), *args], capture_output=True, text=True, check=False)
        return result.stdout.strip() if result.returncode == 0 else None

    def _branch_sha(self, branch: str) -> str | None:
        return self._git("rev-parse", "--verify", "-q", f"refs/heads/{branch}") if self.origin else None

    def _branch_exists(self, branch: str) -> bool:
        return self.origin is None or self._branch_sha(branch) is not None

    def _head_sha(self, pull: Pull) -> str:
        # A push to the branch moves the pull request's head, as on GitHub; a deleted branch keeps the last one.
        if pull.head_repo == self.repo and (sha := self._branch_sha(pull.head_ref)):
            pull.head_sha = sha
        return pull.head_sha

    # -- JSON as GitHub renders it (the schema completes the rest) ---------------------------------------------
    def _user(self, login: str) -> dict:
        return {"login": login, "id": zlib.crc32(login.encode()), "node_id": f"U_{login}", "type": "Bot" if login.endswith("[bot]") else "User",
                "url": f"{self.url}/users/{login}", "html_url": f"{self.web_url}/{login}", "site_admin": False}

    def _repository(self, full_name: str) -> dict:
        return {"id": zlib.crc32(full_name.encode()), "node_id": f"R_{full_name}", "name": full_name.split("/")[1], "full_name": full_name,
                "owner": self._user(full_name.split("/")[0]), "private": False, "fork": full_name != self.repo,
                "html_url": f"{self.web_url}/{full_name}", "url": f"{self.url}/repos/{full_name}", "default_branch": self.default_branch}

    def _pull_json(self, pull: Pull) -> dict:
        api, web, n = f"{self.url}/repos/{self.repo}", f"{self.web_url}/{self.repo}", pull.number
        closed = pull.state == "closed"
        patches = "".join(f.get("patch") or "" for f in pull.files).splitlines()
        return {
            "id": 10_000 + n, "node_id": f"PR_{n}", "number": n, "state": pull.state, "title": pull.title, "body": pull.body,
            "user": self._user(pull.user), "draft": pull.draft, "locked": False, "merged": False, "merged_at": None,
            "closed_at": EPOCH if closed else None, "created_at": EPOCH, "updated_at": EPOCH,
            "maintainer_can_modify": pull.maintainer_can_modify, "html_url": f"{web}/pull/{n}", "url": f"{api}/pulls/{n}",
            "issue_url": f"{api}/issues/{n}", "comments_url": f"{api}/issues/{n}/comments", "diff_url": f"{web}/pull/{n}.diff",
            "head": {"label": f"{pull.head_repo.split('/')[0]}:{pull.head_ref}", "ref": pull.head_ref, "sha": self._head_sha(pull),
                     "repo": self._repository(pull.head_repo), "user": self._user(pull.head_repo.split("/")[0])},
            "base": {"label": f"{self.repo.split('/')[0]}:{pull.base_ref}", "ref": pull.base_ref,
                     "sha": self._branch_sha(pull.base_ref) or fake_sha(pull.base_ref), "repo": self._repository(self.repo),
                     "user": self._user(self.repo.split("/")[0])},
            "comments": sum(c.issue_number == n for c in self.comments), "changed_files": len(pull.files), "commits": 1,
            "additions": sum(line.startswith("+") for line in patches), "deletions": sum(line.startswith("-") for line in patches),
        }

    def _file_json(self, file: dict) -> dict:
        lines = (file.get("patch") or "").splitlines()
        added, removed = sum(line.startswith("+") for line in lines), sum(line.startswith("-") for line in lines)
        name = file["filename"]
        return {"sha": fake_sha(name), "filename": name, "status": file.get("status", "modified"), "additions": added,
                "deletions": removed, "changes": added + removed, "patch": file.get("patch"),
                "blob_url": f"{self.web_url}/{self.repo}/blob/HEAD/{name}", "raw_url": f"{self.web_url}/{self.repo}/raw/HEAD/{name}",
                "contents_url": f"{self.url}/repos/{self.repo}/contents/{name}"}

    def _review_json(self, review: Review) -> dict:
        web = f"{self.web_url}/{self.repo}/pull/{review.pull_number}"
        pull_url = f"{self.url}/repos/{self.repo}/pulls/{review.pull_number}"
        return {"id": review.id, "node_id": f"PRR_{review.id}", "user": self._user(review.user), "body": review.body,
                "state": review.state, "commit_id": review.commit_id, "html_url": f"{web}#pullrequestreview-{review.id}",
                "pull_request_url": pull_url, "author_association": "NONE",
                "_links": {"html": {"href": f"{web}#pullrequestreview-{review.id}"}, "pull_request": {"href": pull_url}},
                **({} if review.state == "PENDING" else {"submitted_at": EPOCH})}

    def _comment_json(self, comment: Comment) -> dict:
        kind = "pull" if comment.issue_number in self.pulls else "issues"
        api = f"{self.url}/repos/{self.repo}/issues"
        return {"id": comment.id, "node_id": f"IC_{comment.id}", "body": comment.body, "user": self._user(comment.user),
                "url": f"{api}/comments/{comment.id}", "issue_url": f"{api}/{comment.issue_number}",
                "html_url": f"{self.web_url}/{self.repo}/{kind}/{comment.issue_number}#issuecomment-{comment.id}",
                "created_at": EPOCH, "updated_at": EPOCH, "author_association": "NONE"}


def _handler(server: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def serve(self) -> None:
            data = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                body = json.loads(data) if data else None
            except ValueError:
                status, payload, headers = 400, {"message": "Problems parsing JSON", "documentation_url": DOCS}, {}
                server.violations.append(f"{self.command} {self.path}: body is not JSON")
            else:
                with server.lock:
                    status, payload, headers = server.handle(self.command, self.path, self.headers.get("authorization", ""), body)
            out = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"content-type": "application/json; charset=utf-8", "content-length": str(len(out)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = serve

    return Handler
