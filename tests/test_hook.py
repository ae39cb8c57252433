"""The pre-commit hook, through the real pre-commit framework in real git repositories."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TEN, decorated, git

TOOL = Path(sys.executable).with_name("telemetry-inject")


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory) -> tuple[Path, str]:
    """This checkout as pre-commit sees a hook repository: a git repo with the working tree committed."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file() and not name.startswith(("bench/", "tests/")):
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "-q", "-b", "main")
    git(snapshot, "add", "-A")
    git(snapshot, "-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-qm", "snapshot")
    return snapshot, git(snapshot, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")



@pytest.fixture
def project(git_repo: Path, hook_source, pre_commit_home) -> Path:
    source, rev = hook_source
    (git_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {source}\n  rev: {rev}\n  hooks:\n  - id: telemetry-inject\n  - id: telemetry-inject-check\n    stages: [manual]\n"
    )
    (git_repo / "pkg").mkdir()
    (git_repo / "pkg/__init__.py").write_text("")
    (git_repo / "pkg/calc.py").write_text(TEN)
    (git_repo / "pkg/_telemetry_utils.py").write_text("# placeholder committed so the first commit needs no runtime\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "init")
    (git_repo / "pkg/_telemetry_utils.py").unlink()
    git(git_repo, "rm", "-q", "--cached", "pkg/_telemetry_utils.py")
    git(git_repo, "commit", "-qm", "drop placeholder")
    pre_commit(git_repo, pre_commit_home, "install")
    return git_repo


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "TELEMETRY_INJECT", "VIRTUAL_ENV"))}
    env["PRE_COMMIT_HOME"] = str(home)
    env["TELEMETRY_INJECT_HOOK_SERVER"] = "off"  # no server outliving the test (tests/test_hook_server.py has its own)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env_for(home), capture_output=True, text=True)


def commit(cwd: Path, home: Path, message: str = "change") -> subprocess.CompletedProcess:
    return subprocess.run(["git", "commit", "-m", message], cwd=cwd, env=env_for(home), capture_output=True, text=True)



def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_commit_touching_one_function_instruments_only_it(project: Path, pre_commit_home: Path) -> None:
    edit(project / "pkg/calc.py", "return x + 4\n", "return x + 40\n")
    git(project, "add", "-u")
    first = commit(project, pre_commit_home)
    assert first.returncode != 0, "the hook changed files, so the commit is stopped"
    assert "pkg/calc.py:17: f4 instrumented" in first.stdout + first.stderr
    assert "git add pkg/_telemetry_utils.py" in first.stdout + first.stderr
    assert decorated(project / "pkg/calc.py") == ["f4"]
    git(project, "add", "-A")
    second = commit(project, pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(project, "status", "--porcelain") == ""
    again = pre_commit(project, pre_commit_home, "run", "--from-ref", "HEAD~1", "--to-ref", "HEAD")
    assert again.returncode == 0, again.stdout
    assert git(project, "status", "--porcelain") == ""


def test_missing_runtime_blocks_commit(project: Path, pre_commit_home: Path) -> None:
    edit(project / "pkg/calc.py", "return x + 1\n", "return x + 10\n")
    git(project, "add", "-u")
    commit(project, pre_commit_home)
    git(project, "add", "-u")  # re-staged the file but forgot the runtime
    result = commit(project, pre_commit_home)
    assert result.returncode != 0
    assert "pkg/_telemetry_utils.py is imported by staged files but not staged" in result.stdout + result.stderr


def test_partially_staged_file_keeps_unstaged_edits(project: Path, pre_commit_home: Path) -> None:
    calc = project / "pkg/calc.py"
    edit(calc, "return x + 2\n", "return x + 20\n")
    git(project, "add", "-u")
    edit(calc, "return x + 8\n", "return x + 80  # not staged\n")
    result = commit(project, pre_commit_home)
    assert result.returncode != 0
    text = calc.read_text()
    assert "return x + 80  # not staged" in text, "unstaged edit survives"
    assert decorated(calc) == ["f2"]
    assert "return x + 80" not in git(project, "diff", "--cached")


def test_new_file_instruments_every_function(project: Path, pre_commit_home: Path) -> None:
    (project / "pkg/new.py").write_text("def a():\n    return 1\n\n\nclass B:\n    def c(self):\n        return 2\n")
    git(project, "add", "-A")
    result = commit(project, pre_commit_home)
    assert result.returncode != 0
    assert decorated(project / "pkg/new.py") == ["a", "c"]


def test_deleted_lines_inside_a_function_touch_it_and_a_deleted_function_touches_nothing(project: Path, pre_commit_home: Path) -> None:
    calc = project / "pkg/calc.py"
    calc.write_text(TEN.replace("def f5(x):\n    return x + 5\n", "def f5(x):\n    y = x\n    return y + 5\n"))
    git(project, "commit", "-qam", "longer f5", "--no-verify")
    edit(calc, "    y = x\n    return y + 5\n", "    return x + 5\n")
    edit(calc, "\n\ndef f7(x):\n    return x + 7\n", "")
    git(project, "add", "-u")
    result = commit(project, pre_commit_home)
    assert result.returncode != 0
    assert decorated(calc) == ["f5"]


def test_renamed_file_follows_git_rename_detection(project: Path, pre_commit_home: Path) -> None:
    git(project, "mv", "pkg/calc.py", "pkg/maths.py")
    assert commit(project, pre_commit_home, "pure rename").returncode == 0, "a pure rename touches no function"
    assert decorated(project / "pkg/maths.py") == []
    git(project, "mv", "pkg/maths.py", "pkg/numbers.py")
    edit(project / "pkg/numbers.py", "return x + 6\n", "return x + 60\n")
    git(project, "add", "-A")
    assert commit(project, pre_commit_home, "rename and edit").returncode != 0
    assert decorated(project / "pkg/numbers.py") == ["f6"]


def test_all_files_without_diff_is_a_noop(project: Path, pre_commit_home: Path) -> None:
    result = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert result.returncode == 0, result.stdout
    assert git(project, "status", "--porcelain") == ""


def test_from_ref_to_ref_instruments_the_range(project: Path, pre_commit_home: Path) -> None:
    edit(project / "pkg/calc.py", "return x + 3\n", "return x + 30\n")
    git(project, "commit", "-qam", "edit f3", "--no-verify")
    edit(project / "pkg/calc.py", "return x + 9\n", "return x + 90\n")
    git(project, "commit", "-qam", "edit f9", "--no-verify")
    result = pre_commit(project, pre_commit_home, "run", "--from-ref", "HEAD~2", "--to-ref", "HEAD")
    assert result.returncode == 1, result.stdout
    assert decorated(project / "pkg/calc.py") == ["f3", "f9"]


def test_check_hook_fails_listing_functions(project: Path, pre_commit_home: Path) -> None:
    edit(project / "pkg/calc.py", "return x + 0\n", "return x - 0\n")
    git(project, "add", "-u")
    before = (project / "pkg/calc.py").read_bytes()
    result = pre_commit(project, pre_commit_home, "run", "--hook-stage", "manual", "telemetry-inject-check")
    assert result.returncode == 1
    assert "pkg/calc.py:1: f0 lacks telemetry" in result.stdout
    assert (project / "pkg/calc.py").read_bytes() == before


def test_unparsable_staged_file_does_not_block_unless_strict(project: Path, pre_commit_home: Path) -> None:
    (project / "pkg/broken.py").write_text("def oops(:\n    pass\n")
    git(project, "add", "-A")
    result = commit(project, pre_commit_home)
    assert result.returncode == 0, result.stdout
    git(project, "commit", "-q", "--allow-empty", "-m", "x", "--no-verify")
    (project / "pyproject.toml").write_text("[tool.telemetry-inject]\nstrict = true\n")
    edit(project / "pkg/broken.py", "pass", "return")
    git(project, "add", "-A")
    result = commit(project, pre_commit_home)
    assert result.returncode != 0
    assert "skipped pkg/broken.py: line 1: syntax error" in result.stdout + result.stderr


def test_scope_all_instruments_everything_on_all_files(project: Path, pre_commit_home: Path) -> None:
    (project / ".telemetry-inject.toml").write_text('scope = "all"\n')
    result = pre_commit(project, pre_commit_home, "run", "--all-files", "telemetry-inject")
    assert result.returncode == 1
    assert len(decorated(project / "pkg/calc.py")) == 10


def test_two_hook_processes_share_the_cache(git_repo: Path) -> None:
    for i in range(60):
        (git_repo / f"m{i}.py").write_text(f"# module {i}\n" + TEN)
    git(git_repo, "add", "-A")
    names = sorted(p.name for p in git_repo.glob("m*.py"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT")}
    procs = [subprocess.Popen([str(TOOL), "hook", *part], cwd=git_repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for part in (names[::2], names[1::2])]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outputs
    assert not any("warning" in err for _, err in outputs), outputs
    assert all(len(decorated(git_repo / n)) == 10 for n in names)
    stats = json.loads(subprocess.run([str(TOOL), "cache", "stats", "--format", "json"], cwd=git_repo, capture_output=True, text=True, check=True).stdout)
    assert stats["files"] == 60
    assert (git_repo / ".telemetry_cache/.gitignore").read_text().strip().endswith("*")


def test_hook_import_path_is_lean(git_repo: Path) -> None:
    (git_repo / "a.py").write_text("def f():\n    return 1\n")
    git(git_repo, "add", "-A")
    probe = (
        "import sys\nfrom telemetry_inject.cli import main\nrc = main(['hook', 'a.py'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'rich', 'git', 'github', 'anthropic', 'openai', 'httpx', 'multiprocessing', 'concurrent', 'tempfile'}\n"
        "               or m.startswith(('importlib.resources', 'difflib', 'tokenize'))\n"
        "               or m.startswith(('telemetry_inject.languages.j', 'telemetry_inject.languages.go', 'telemetry_inject.languages.ruby'))\n"
        "               or m.split('.')[0].startswith('tree_sitter_') and m.split('.')[0] != 'tree_sitter_python')\n"
        "print(rc, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=git_repo, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "1 []"
