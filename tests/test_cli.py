"""The CLI against real files in real git repositories."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, pythonpath_env

from telemetry_inject.cli import main
from telemetry_inject.engine.inject import inject, strip
from telemetry_inject.languages import LANGUAGES

SHOP = REPO / "examples" / "shop"
PYTHON = LANGUAGES["python"]


def make_package(root: Path) -> dict[Path, bytes]:
    files = {
        root / "pkg" / "__init__.py": b"",
        root / "pkg" / "sub" / "__init__.py": b"",
        root / "pkg" / "sub" / "calc.py": b'"""Calc."""\n\n\ndef add(a, b):\n    return a + b\n\n\nclass Box:\n    def get(self):\n        return 1\n',
        root / "script.py": b"#!/usr/bin/env python3\ndef hello():\n    return 'hi'\n\n\nprint(hello())\n",
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "script.py").chmod(0o755)
    return files


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*.py")) if ".git" not in p.parts}


def test_run_writes_runtime_per_import_root_and_second_run_is_noop(git_repo: Path, chdir, capsys) -> None:
    make_package(git_repo)
    chdir(git_repo)
    assert main(["run", "."]) == 1
    out = capsys.readouterr().out
    assert "instrumented 3 functions in 2 files" in out
    assert "created pkg/_telemetry_utils.py: run `git add pkg/_telemetry_utils.py`" in out
    calc = (git_repo / "pkg/sub/calc.py").read_bytes()
    assert b"from pkg import _telemetry_utils as _tel\n" in calc
    assert (git_repo / "pkg/_telemetry_utils.py").is_file()
    assert b"import _telemetry_utils as _tel\n" in (git_repo / "script.py").read_bytes()
    assert (git_repo / "_telemetry_utils.py").is_file()
    assert (git_repo / "script.py").stat().st_mode & 0o777 == 0o755, "mode bits kept"
    assert main(["run", "."]) == 0
    assert "instrumented 0 functions in 0 files" in capsys.readouterr().out


def test_instrumented_script_runs_and_emits_spans(git_repo: Path, chdir) -> None:
    make_package(git_repo)
    chdir(git_repo)
    main(["run", "script.py"])
    out = git_repo / "spans.jsonl"
    env = pythonpath_env() | {"TELEMETRY_INJECT_OUT": str(out)}
    proc = subprocess.run([sys.executable, "script.py"], cwd=git_repo, env=env, capture_output=True, text=True, check=True)
    assert proc.stdout == "hi\n"
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["name"] == "__main__.hello"
    assert record["status"] == "OK"


def test_dry_run_prints_diff_and_writes_nothing(git_repo: Path, chdir, capsys) -> None:
    before = make_package(git_repo)
    chdir(git_repo)
    assert main(["run", "--dry-run", "pkg"]) == 1
    out = capsys.readouterr().out
    assert "+@_tel.span\n" in out and "--- a/pkg/sub/calc.py" in out
    assert snapshot(git_repo) == before
    assert not (git_repo / "pkg/_telemetry_utils.py").exists()


def test_check_reports_without_writing(git_repo: Path, chdir, capsys) -> None:
    before = make_package(git_repo)
    chdir(git_repo)
    assert main(["run", "--check", "."]) == 1
    assert snapshot(git_repo) == before
    main(["run", "."])
    assert main(["run", "--check", "."]) == 0


def test_output_dir_leaves_source_untouched(git_repo: Path, tmp_path_factory, chdir) -> None:
    before = make_package(git_repo)
    chdir(git_repo)
    target = tmp_path_factory.mktemp("copy")
    assert main(["run", "-o", str(target), "."]) == 1
    assert snapshot(git_repo) == before
    assert b"@_tel.span" in (target / "pkg/sub/calc.py").read_bytes()
    assert (target / "pkg/_telemetry_utils.py").is_file()
    assert (target / "pkg/__init__.py").is_file()


def test_strip_restores_bytes_and_removes_runtime(git_repo: Path, chdir) -> None:
    before = make_package(git_repo)
    chdir(git_repo)
    main(["run", "."])
    assert main(["strip", "--check", "."]) == 1
    assert main(["strip", "--remove-runtime", "."]) == 1
    assert snapshot(git_repo) == before
    assert main(["strip", "."]) == 0


def test_status_text_and_json(git_repo: Path, chdir, capsys) -> None:
    make_package(git_repo)
    chdir(git_repo)
    main(["run", "pkg"])
    capsys.readouterr()
    assert main(["status", "--format", "json", "."]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == {"instrumented": 2, "missing": 1}
    main(["status", "."])
    assert "total: 2/3 functions instrumented (67%)" in capsys.readouterr().out


def test_run_json_reports_functions(git_repo: Path, chdir, capsys) -> None:
    make_package(git_repo)
    chdir(git_repo)
    assert main(["run", "--format", "json", "pkg"]) == 1
    data = json.loads(capsys.readouterr().out)
    (calc,) = [f for f in data["files"] if f["path"].endswith("calc.py")]
    assert calc["status"] == "changed"
    assert [(f["function"], f["line"], f["status"]) for f in calc["functions"]] == [("add", 4, "instrumented"), ("Box.get", 9, "instrumented")]
    assert data["summary"]["functions"] == 2


def test_ignored_dirs_gitignore_and_exclude(git_repo: Path, chdir) -> None:
    make_package(git_repo)
    for name in ("node_modules/x.py", ".venv/lib/y.py", "build/gen.py", "vendor/v.py", "tests/test_a.py"):
        path = git_repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("def f():\n    return 1\n")
    (git_repo / ".venv/pyvenv.cfg").write_text("home = /usr\n")
    (git_repo / ".gitignore").write_text("build/\n")
    (git_repo / ".telemetry-inject.toml").write_text('exclude = ["vendor/*", "tests/*"]\n')
    chdir(git_repo)
    main(["run", "."])
    for name in ("node_modules/x.py", ".venv/lib/y.py", "build/gen.py", "vendor/v.py", "tests/test_a.py"):
        assert b"_tel" not in (git_repo / name).read_bytes(), name


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[tool.telemetry-inject]\nlevle = "spans"\n', "unknown key `levle`"),
        ('[tool.telemetry-inject]\nlevel = "everything"\n', "`level` must be one of spans"),
        ("[tool.telemetry-inject]\nexclude = 3\n", "`exclude` must be a list"),
        ("[tool.telemetry-inject\n", "invalid TOML"),
    ],
)
def test_bad_config_is_exit_2_naming_the_key(git_repo: Path, chdir, capsys, config: str, message: str) -> None:
    make_package(git_repo)
    (git_repo / "pyproject.toml").write_text(config)
    chdir(git_repo)
    assert main(["run", "."]) == 2
    err = capsys.readouterr().err
    assert message in err and "pyproject.toml" in err


def test_bad_files_are_skipped_with_file_and_line(git_repo: Path, chdir, capsys) -> None:
    make_package(git_repo)
    bad = {
        "broken.py": b"def f(:\n    pass\n",
        "latin.py": b"def f():\n    return '\xe9'\n",
        "blob.py": b"\x00\x01def f(): pass\n",
        "big.py": b"def f():\n    return 1\n" + b"#" * 3_000_000 + b"\n",
    }
    for name, data in bad.items():
        (git_repo / name).write_bytes(data)
    chdir(git_repo)
    assert main(["run", "."]) == 1
    err = capsys.readouterr().err
    assert "broken.py: line 1: syntax error" in err
    assert "latin.py: line 2: not valid utf-8" in err
    assert "blob.py: binary file" in err
    assert "big.py: over the size limit" in err
    for name, data in bad.items():
        assert (git_repo / name).read_bytes() == data
    assert b"@_tel.span" in (git_repo / "pkg/sub/calc.py").read_bytes(), "good files still processed"


def test_missing_path_is_usage_error(tmp_path: Path, chdir, capsys) -> None:
    chdir(tmp_path)
    assert main(["run", "nope.py"]) == 2
    assert "nope.py: no such file or directory" in capsys.readouterr().err


def test_view_reports_bad_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"name": "a", "span_id": "1", "duration_ns": 5}\nnot json\n')
    assert main(["view", str(path)]) == 2
    assert "t.jsonl:2: not a telemetry-inject JSON Lines record" in capsys.readouterr().err


def test_example_shop_end_to_end(tmp_path: Path, chdir, capsys) -> None:
    """Instrument the bundled example, run it for real, read back its spans."""
    import shutil

    work = tmp_path / "shop"
    shutil.copytree(SHOP, work)
    chdir(work)
    assert main(["run", "shop"]) == 1
    out = tmp_path / "t.jsonl"
    env = pythonpath_env(work) | {"TELEMETRY_INJECT_OUT": str(out)}
    proc = subprocess.run([sys.executable, "-m", "shop"], cwd=work, env=env, capture_output=True, text=True, check=True)
    assert "rejected: pear" in proc.stdout
    spans = [json.loads(line) for line in out.read_text().splitlines()]
    by_name = {s["name"]: s for s in spans}
    assert by_name["shop.inventory.reserve"]["span_id"]
    errors = [s for s in spans if s["status"] == "ERROR"]
    assert [(s["name"], s["error.type"]) for s in errors] == [("shop.inventory.reserve", "shop.inventory.OutOfStock")]
    ids = {s["span_id"]: s for s in spans}
    charge = by_name["shop.orders.charge"]
    assert ids[charge["parent_span_id"]]["name"] == "shop.orders.place", "async parent links"
    capsys.readouterr()
    assert main(["view", str(out)]) == 0
    assert "shop.orders.place" in capsys.readouterr().out


def test_ctrl_c_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    originals = {}
    for i in range(400):
        path = tmp_path / f"m{i:03}.py"
        data = b"".join(b"def f%d_%d(x):\n    return x\n\n\n" % (i, j) for j in range(200))
        path.write_bytes(data)
        originals[path] = data
    proc = subprocess.Popen([sys.executable, "-m", "telemetry_inject", "run", "."], cwd=tmp_path, env=pythonpath_env(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(b"_tel" in p.read_bytes()[:40] for p in originals):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, 1), err
    if proc.returncode == 130:
        assert b"interrupted" in err
    new = 0
    for path, data in originals.items():
        current = path.read_bytes()
        if current != data:
            assert strip(current, PYTHON) == data
            assert inject(current, PYTHON, b"import _telemetry_utils as _tel").source == current
            new += 1
    assert new >= 1
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")], "no temp files left behind"


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    from conftest import run_on_terminal

    for i in range(220):
        (tmp_path / f"m{i}.py").write_text(f"def f{i}():\n    return {i}\n")
    env = {k: v for k, v in pythonpath_env(REPO).items() if k != "CI"} | {"TERM": "xterm", "COLUMNS": "100"}
    proc, shown = run_on_terminal([sys.executable, "-m", "telemetry_inject", "status", "."], tmp_path, env)
    assert proc.returncode == 0
    assert b"status" in shown and b"\x1b[" in shown, "a live progress display on the terminal"
    assert b"\x1b[" not in proc.stdout, "the report itself stays plain"
    piped = subprocess.run([sys.executable, "-m", "telemetry_inject", "status", "."], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert piped.stderr == b"", "no progress display when stderr is not a terminal"


def test_many_files_skipped_for_one_reason_make_one_line(git_repo: Path, chdir, capsys) -> None:
    chdir(git_repo)
    for i in range(8):
        (git_repo / f"m{i}.rb").write_text(f"def f{i}\n  {i}\nend\n")
    (git_repo / "a.py").write_text("def f(x):\n    return x\n")
    assert main(["run", "."]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skipped 8 files (m0.rb, m1.rb, m2.rb, …): no template for ruby")
