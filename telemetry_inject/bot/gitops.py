"""Git in the runner's checkout, through GitPython: commits by the bot identity, pushes to ``origin``.

Pushing relies on the credentials actions/checkout left in the checkout's
config; the bot never puts a token on a command line or in a URL.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from telemetry_inject.errors import UserError


class Identity(NamedTuple):
    name: str = "github-actions[bot]"
    email: str = "41898282+github-actions[bot]@users.noreply.github.com"


def open_repo(path: Path):
    try:
        import git
    except ImportError:
        raise UserError("the bot needs the github extra: pip install 'telemetry-inject[github]'") from None
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UserError(f"{path}: not a git checkout (run actions/checkout first)") from None


def _git_error():
    import git

    return git.GitCommandError


def has_commit(repo, sha: str) -> bool:
    try:
        repo.git.cat_file("-e", f"{sha}^{{commit}}")
        return True
    except _git_error():
        return False


def has_file(repo, commit: str, name: str) -> bool:
    try:
        repo.git.cat_file("-e", f"{commit}:{name}")
        return True
    except _git_error():
        return False


def ensure_commits(repo, shas: list[str], pr_number: int | None) -> None:
    """Fetch what a shallow or merge-ref checkout lacks: the PR's head and base commits."""
    if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
        try:  # a shallow checkout (fetch-depth: 1) has no merge base to diff from
            repo.git.fetch("--no-tags", "--unshallow", "origin")
        except _git_error() as exc:
            raise UserError(f"cannot unshallow the checkout ({exc.stderr.strip()[:200]}); use actions/checkout with fetch-depth: 0") from None
    missing = [sha for sha in shas if not has_commit(repo, sha)]
    if not missing:
        return
    refspecs = [*missing] + ([f"+refs/pull/{pr_number}/head:refs/remotes/origin/pr-head"] if pr_number else [])
    try:
        repo.git.fetch("--no-tags", "origin", *refspecs)
    except _git_error() as exc:
        raise UserError(f"cannot fetch {', '.join(missing)} from origin ({exc.stderr.strip()[:200]}); use actions/checkout with fetch-depth: 0") from None
    still = [sha for sha in missing if not has_commit(repo, sha)]
    if still:
        raise UserError(f"commits {', '.join(still)} are not in the checkout; use actions/checkout with fetch-depth: 0")


def checkout(repo, sha: str) -> None:
    """Detach at ``sha`` unless already there (actions/checkout of a PR defaults to the merge commit)."""
    if repo.is_dirty(untracked_files=False):  # an earlier step's edits would be committed as if they were the PR's
        raise UserError("the checkout has uncommitted changes; the bot needs a clean checkout of the pull request's head")
    if repo.head.is_valid() and repo.head.commit.hexsha == sha:
        return
    repo.git.checkout("--detach", sha)


def commit(repo, paths: list[Path], message: str, identity: Identity) -> str:
    """Commit exactly ``paths`` on top of HEAD; returns the new commit's sha."""
    repo.git.add("--", *[str(p) for p in paths])
    env = {
        "GIT_AUTHOR_NAME": identity.name,
        "GIT_AUTHOR_EMAIL": identity.email,
        "GIT_COMMITTER_NAME": identity.name,
        "GIT_COMMITTER_EMAIL": identity.email,
    }
    with repo.git.custom_environment(**env):
        repo.git.commit("--no-verify", "-q", "-m", message, "--", *[str(p) for p in paths])
    return repo.head.commit.hexsha


def fetch_commit(repo, sha: str) -> bool:
    try:
        repo.git.fetch("--no-tags", "origin", sha)
        return True
    except _git_error():
        return False


def is_ancestor(repo, ancestor: str, descendant: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", ancestor, descendant)
        return True
    except _git_error():
        return False


def try_push(repo, sha: str, branch: str, expected: str | None) -> bool:
    """Push only if origin's branch is still at ``expected`` (None: absent); False when someone else moved it."""
    lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
    try:
        repo.git.push(lease, "origin", f"{sha}:refs/heads/{branch}")
        return True
    except _git_error() as exc:
        if "remote rejected" not in exc.stderr and ("stale info" in exc.stderr or "rejected" in exc.stderr):
            return False  # someone moved the branch (a lease or fast-forward failure); "[remote rejected]" is a refusal
        raise UserError(f"git push to origin {branch} failed: {exc.stderr.strip()[:300]}") from None


def remote_branch(repo, branch: str) -> str | None:
    """The sha ``origin``'s branch points at now, or None."""
    out = repo.git.ls_remote("--heads", "origin", f"refs/heads/{branch}")
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return None


def same_change(repo, remote_sha: str, local_sha: str) -> bool:
    """Does the remote bot branch already hold this exact change (same parent, same tree)?"""
    if not fetch_commit(repo, remote_sha):
        return False
    remote, local = repo.commit(remote_sha), repo.commit(local_sha)
    return remote.tree.hexsha == local.tree.hexsha and [p.hexsha for p in remote.parents] == [p.hexsha for p in local.parents]


def push(repo, sha: str, branch: str, force: bool) -> None:
    args = ["origin", f"{sha}:refs/heads/{branch}"]
    try:
        repo.git.push(*(["--force"] if force else []), *args)
    except _git_error() as exc:
        raise UserError(f"git push to origin {branch} failed: {exc.stderr.strip()[:300]}") from None


def delete_branch(repo, branch: str) -> None:
    try:
        repo.git.push("origin", "--delete", branch)
    except _git_error():
        pass  # already gone: deleting is a courtesy
