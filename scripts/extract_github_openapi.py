"""Extract the few GitHub REST operations our bot uses from GitHub's official OpenAPI description.

The description comes from the npm package @octokit/openapi (GitHub publishes it
there; the npm registry is reachable where github.com is not). The extract keeps
only OPERATIONS plus every ``components`` entry they reference, transitively, and
drops prose (descriptions, examples), so tests/fake_github.py can validate
requests and responses offline against a small committed file.

Re-run after changing OPERATIONS or VERSION (needs npm and the network):

    .venv/bin/python scripts/extract_github_openapi.py

It writes tests/data/github_openapi_extract.json deterministically; commit that.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"  # pinned: the extract must not change unless someone bumps this
MEMBER = "package/generated/api.github.com.json"  # github.com, not GHES/GHEC
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "github_openapi_extract.json"

OPERATIONS = [
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/git/refs/{ref}"),
]

# Schema keywords whose values are schemas; everything else is copied verbatim
# except the prose below, which validation never reads.
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SCHEMA_ONE = ("items", "additionalProperties", "not")
PROSE = ("description", "summary", "title", "example", "examples", "externalDocs")


def strip_schema(schema: object) -> object:
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in PROSE or key.startswith("x-"):
            continue
        if key == "properties":  # keys here are property names (one may be "description")
            out[key] = {name: strip_schema(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS:
            out[key] = [strip_schema(sub) for sub in value]
        elif key in SCHEMA_ONE:
            out[key] = strip_schema(value)
        else:
            out[key] = value
    return out


def strip_parameter(parameter: dict) -> dict:
    if "$ref" in parameter:
        return parameter
    # x-multi-segment says a path parameter may contain "/" (git refs), so it stays.
    kept = {k: v for k, v in parameter.items() if k not in PROSE and (not k.startswith("x-") or k == "x-multi-segment")}
    if "schema" in kept:
        kept["schema"] = strip_schema(kept["schema"])
    return kept


def json_content(content: dict) -> dict:
    """The application/json part of a request or response content map, schema only."""
    media = content.get("application/json")
    return {"application/json": {"schema": strip_schema(media["schema"])}} if media and "schema" in media else {}


def strip_operation(operation: dict) -> dict:
    out: dict = {"operationId": operation["operationId"], "parameters": [strip_parameter(p) for p in operation.get("parameters", [])]}
    if "requestBody" in operation:
        body = operation["requestBody"]
        out["requestBody"] = {"required": body.get("required", False), "content": json_content(body["content"])}
    # Only success responses: the fake answers errors in GitHub's plain shapes.
    out["responses"] = {
        status: {"content": json_content(response.get("content", {}))}
        for status, response in operation["responses"].items() if status.startswith("2")
    }
    return out


def refs_in(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs_in(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs_in(v) for v in node))
    return set()


def extract(description: dict) -> dict:
    paths: dict = {}
    for method, path in OPERATIONS:
        paths.setdefault(path, {})[method] = strip_operation(description["paths"][path][method])
    components: dict = {}
    pending = refs_in(paths)
    seen: set[str] = set()
    while pending:  # follow $refs until every one resolves inside the extract
        ref = pending.pop()
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)  # "#/components/<kind>/<name>"
        entry = description["components"][kind][name]
        entry = strip_parameter(entry) if kind == "parameters" else strip_schema(entry)
        components.setdefault(kind, {})[name] = entry
        pending |= refs_in(entry) - seen
    return {
        "openapi": description["openapi"],
        "info": {"title": "GitHub REST API (trimmed extract)", "version": description["info"]["version"],
                 "x-source": f"{PACKAGE}@{VERSION} {MEMBER.removeprefix('package/')}, via scripts/extract_github_openapi.py"},
        "paths": paths,
        "components": components,
    }


def fetch_description(workdir: Path) -> dict:
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent", "--pack-destination", str(workdir)],
                   check=True, stdout=subprocess.DEVNULL)
    tarball = next(workdir.glob("*.tgz"))
    with tarfile.open(tarball) as tar:
        return json.load(tar.extractfile(MEMBER))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        description = fetch_description(Path(tmp))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(extract(description), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
