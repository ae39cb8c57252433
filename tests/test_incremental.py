"""Diff-driven selection and the content-hash cache, through the CLI on real git repositories."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import TEN, decorated, git

from telemetry_inject.cli import main
from telemetry_inject.engine.cache import Cache


def committed(repo: Path) -> Path:
    (repo / "calc.py").write_text(TEN)
    (repo / "other.py").write_text(TEN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo / "calc.py"


def run_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    main(["run", "--format", "json", *args])
    return json.loads(capsys.readouterr().out)


def test_staged_selects_only_touched_functions(git_repo: Path, chdir) -> None:
    calc = committed(git_repo)
    calc.write_text(TEN.replace("x + 2\n", "x + 22\n").replace("x + 7\n", "x + 77\n"))
    git(git_repo, "add", "-u")
    chdir(git_repo)
    assert main(["run", "--staged", "."]) == 1
    assert decorated(calc) == ["f2", "f7"]
    assert decorated(git_repo / "other.py") == []


def test_lines_added_at_the_top_of_a_file_touch_no_function(git_repo: Path, chdir) -> None:
    """`git diff -U0` writes a lone `@@ -0,0 +1,3 @@` hunk for them; it is not a new file."""
    calc = committed(git_repo)
    calc.write_text("# numbers\n\n\n" + TEN)
    git(git_repo, "add", "-u")
    chdir(git_repo)
    assert main(["run", "--staged", "."]) == 0
    assert decorated(calc) == []


def test_base_range_and_head(git_repo: Path, chdir) -> None:
    calc = committed(git_repo)
    git(git_repo, "checkout", "-qb", "feature")
    calc.write_text(TEN.replace("x + 5\n", "x + 55\n"))
    git(git_repo, "commit", "-qam", "f5")
    calc.write_text(calc.read_text().replace("x + 6\n", "x + 66\n"))  # uncommitted
    chdir(git_repo)
    assert main(["run", "--check", "--base", "main", "--head", "HEAD", "."]) == 1
    assert main(["run", "--base", "main", "."]) == 1
    assert decorated(calc) == ["f5", "f6"], "working tree included without --head"


def test_diff_file(git_repo: Path, chdir, tmp_path_factory) -> None:
    calc = committed(git_repo)
    calc.write_text(TEN.replace("x + 1\n", "x + 11\n"))
    patch = tmp_path_factory.mktemp("patch") / "change.diff"
    patch.write_text(git(git_repo, "diff"))
    chdir(git_repo)
    assert main(["run", "--diff", str(patch), "."]) == 1
    assert decorated(calc) == ["f1"]


def test_bad_diff_file_is_usage_error(git_repo: Path, chdir, capsys, tmp_path_factory) -> None:
    committed(git_repo)
    patch = tmp_path_factory.mktemp("patch") / "bad.diff"
    patch.write_text("--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,2 @@\n+only one line\n")
    chdir(git_repo)
    assert main(["run", "--diff", str(patch), "."]) == 2
    assert "bad.diff: not a unified diff" in capsys.readouterr().err


def test_instrumented_function_whose_body_changed_keeps_its_telemetry(git_repo: Path, chdir) -> None:
    calc = committed(git_repo)
    chdir(git_repo)
    main(["run", "."])
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "instrumented")
    calc.write_text(calc.read_text().replace("x + 3\n", "x + 33\n"))
    git(git_repo, "add", "-u")
    before = calc.read_bytes()
    assert main(["run", "--staged", "."]) == 0
    assert calc.read_bytes() == before


def test_cache_reports_sources_and_warm_rerun_skips_parsing(git_repo: Path, chdir, capsys) -> None:
    committed(git_repo)
    chdir(git_repo)
    cold = run_json(capsys, "--dry-run", "calc.py")
    assert {f["source"] for f in cold["files"][0]["functions"]} == {"template"}
    warm = run_json(capsys, "--dry-run", "calc.py")
    assert {f["source"] for f in warm["files"][0]["functions"]} == {"cache"}, "function results come from the cache"
    run_json(capsys, "calc.py")
    again = run_json(capsys, "calc.py")
    assert again["files"][0] == {"path": "calc.py", "status": "unchanged", "functions": [], "cached": True}
    nocache = run_json(capsys, "--no-cache", "calc.py")
    assert nocache["files"][0]["status"] == "unchanged" and "cached" not in nocache["files"][0]


def test_cached_value_is_reverified_before_use(git_repo: Path, chdir, capsys) -> None:
    """A poisoned shared cache must not smuggle anything into a file."""
    calc = committed(git_repo)
    chdir(git_repo)
    run_json(capsys, "--dry-run", "calc.py")
    db = sqlite3.connect(git_repo / ".telemetry_cache/cache.sqlite3")
    db.execute("UPDATE functions SET value = ?", (b"import os; os.system('echo pwned')\n",))
    db.commit()
    db.close()
    result = run_json(capsys, "calc.py")
    assert {f["source"] for f in result["files"][0]["functions"]} == {"template"}
    assert b"pwned" not in calc.read_bytes()
    assert len(decorated(calc)) == 10


def test_corrupt_cache_is_rebuilt_with_a_warning(git_repo: Path, chdir, capsys) -> None:
    calc = committed(git_repo)
    (git_repo / ".telemetry_cache").mkdir()
    (git_repo / ".telemetry_cache/cache.sqlite3").write_bytes(b"this is not a database" * 100)
    chdir(git_repo)
    assert main(["run", "calc.py"]) == 1
    assert "is unreadable" in (err := capsys.readouterr().err) and "rebuilding it" in err
    assert len(decorated(calc)) == 10
    assert Cache(git_repo).stats().functions == 10


def test_unwritable_cache_dir_is_bypassed(git_repo: Path, chdir, capsys) -> None:
    calc = committed(git_repo)
    (git_repo / ".telemetry_cache").write_text("a file where the directory should be")
    chdir(git_repo)
    assert main(["run", "calc.py"]) == 1
    assert "running without it" in capsys.readouterr().err
    assert len(decorated(calc)) == 10


def test_cache_stats_clear_prune(git_repo: Path, chdir, capsys) -> None:
    committed(git_repo)
    chdir(git_repo)
    main(["run", "."])
    capsys.readouterr()
    assert main(["cache", "stats", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["functions"] == 10 and stats["files"] == 1, "identical files share entries"
    assert main(["cache", "prune", "--max-entries", "4", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["functions"] == 4
    assert main(["cache", "clear", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["functions"] == 0
    assert (git_repo / ".telemetry_cache/.gitignore").read_text().splitlines()[-1] == "*"
    assert git(git_repo, "status", "--porcelain", "--untracked-files=all").count(".telemetry_cache") == 0
