"""The hook server on by default: what a git / pre-commit user would hit (each test failed on its first version).

Real console script, real git repositories, real detached servers; every server a test starts is stopped at
teardown (``stop_servers``).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import shutil
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
from conftest import TEN, git, terminal_output
from test_hook import hook_source, pre_commit_home, project  # noqa: F401 - fixtures
from test_hook_server import (  # noqa: F401 - the repo fixture, shared
    LOG,
    PID,
    SOCK,
    STARTED,
    SWITCH,
    TOOL,
    accepts,
    commit,
    fill,
    first_call,
    hook,
    log_lines,
    logged,
    repo,
    running,
    served_project,
    server_pid,
    servers_of,
    staged_edit,
    stop_servers,
    tool_env,
    wait_for,
)

BIG = "X = 0\n" + "\n\n".join(f"def g{i}(x):\n    return x + {i}\n" for i in range(4000))  # ~140 kB: slow to read ahead


def call(repo: Path, *files: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(TOOL), "hook", *files], cwd=repo, env=env or tool_env(), capture_output=True, text=True, timeout=60, check=False)


def short_accepts(path: Path) -> bool:
    """``accepts`` for a socket whose absolute path is too long for an AF_UNIX address: through /proc/self/fd."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        return accepts(Path(f"/proc/self/fd/{fd}/{path.name}"))
    finally:
        os.close(fd)


def started_lines(repo: Path) -> list[str]:
    lines = (repo / LOG).read_text().splitlines() if (repo / LOG).exists() else []
    return [line for line in lines if " started: pid " in line]


# 1. A repository where no server can listen (was: the notice and a spawn on every commit).

def test_no_started_notice_on_every_commit_when_no_server_can_listen(repo: Path) -> None:
    """Where no server can listen (a filesystem without sockets; here a directory where the socket goes), the first
    server says so in its log and the hook starts none again for a day: one notice, one attempt, commits as usual."""
    (repo / SOCK).mkdir(parents=True)
    outputs = []
    for old, new in [("return x + 4\n", "return x + 40\n"), ("return x + 5\n", "return x + 50\n"), ("return x + 6\n", "return x + 60\n")]:
        staged_edit(repo, old, new)
        result = hook(repo)
        assert result.returncode == 1, result.stdout + result.stderr
        outputs.append(result.stdout)
        wait_for(lambda: servers_of(repo) == [], "the server that could not listen is gone")
    assert sum(STARTED in out for out in outputs) == 1, outputs
    assert (repo / ".telemetry_cache/hook-server.failed").is_file()
    assert " cannot listen on .telemetry_cache/hook.sock: " in (repo / LOG).read_text()
    assert started_lines(repo) == [], "no server ever ran"


# 2. pre-commit's parallel partitions on the first commit (was: the "said once" notice said by every partition).

def test_parallel_first_calls_announce_the_server_once(repo: Path) -> None:
    """pre-commit runs a hook in one process per CPU (files partitioned) unless `require_serial`; on the first commit
    every partition may start a server, and only the one that creates the server log (O_EXCL) prints the notice."""
    names = [f"m{i}.py" for i in range(4)]
    for name in names:
        (repo / name).write_text(TEN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more", "--no-verify")
    most = 0
    for line in (4, 5, 6):  # three first commits (the cache wiped between them): timing varies from one to the next
        stop_servers(repo)
        shutil.rmtree(repo / ".telemetry_cache", ignore_errors=True)
        for name in names:
            (repo / name).write_text((repo / name).read_text().replace(f"return x + {line}\n", f"return x + {line}0\n"))
        git(repo, "add", "-A")
        procs = [subprocess.Popen([str(TOOL), "hook", name], cwd=repo, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for name in names]
        outputs = [proc.communicate(timeout=60)[0] for proc in procs]
        assert all(proc.returncode == 1 for proc in procs), outputs
        server_pid(repo)
        most = max(most, sum(STARTED in out for out in outputs))
    assert most <= 1, f"the first-server notice appears {most} times in one commit's output"


# 3. The new server's read-ahead (was: every file the first call was handed, so the next commit waited for it).

def test_a_new_server_reads_ahead_only_the_files_the_first_call_parsed(repo: Path) -> None:
    """Files passed to the hook but outside the staged diff (`pre-commit run --all-files`, then a commit) are not read
    in-process; a new server reading them ahead would keep the next commit waiting, or running without it."""
    names = [f"b{i:02}.py" for i in range(63)]
    for name in names:
        (repo / name).write_text(BIG)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big files", "--no-verify")
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    first = call(repo, "calc.py", *names)
    assert first.returncode == 1 and STARTED in first.stdout, first.stdout + first.stderr
    pid = server_pid(repo)
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    assert argv[-2:] == [b"calc.py", os.fsencode(repo)], argv
    staged_edit(repo, "return x + 6\n", "return x + 60\n")
    result = call(repo, "calc.py")
    assert result.returncode == 1 and "f6 instrumented" in result.stdout
    logged(repo, 1)


# 4. The read-ahead meets a file it cannot decode (was: a LookupError killed the new server before it listened).

def test_read_ahead_of_a_file_with_a_non_text_coding_cookie_does_not_kill_the_server(repo: Path) -> None:
    """`# -*- coding: rot13 -*-` (or hex, base64, zlib...): `codecs.lookup` knows it and `bytes.decode` raises
    LookupError, which read_source now turns into a SourceError; and the read-ahead is never fatal to the server.
    (Here rot.py is handed to the hook but is outside the diff, so the first call does not read it.)"""
    (repo / "rot.py").write_text("# -*- coding: rot13 -*-\nqrs s():\n    cnff\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "rot13", "--no-verify")
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    result = call(repo, "calc.py", "rot.py")
    assert result.returncode == 1 and "f4 instrumented" in result.stdout and STARTED in result.stdout, result.stdout + result.stderr
    wait_for(lambda: len(started_lines(repo)) == 1, "the server logged its start")
    with contextlib.suppress(AssertionError):
        wait_for(lambda: accepts(repo / SOCK), "a server answers", 4)
    assert accepts(repo / SOCK), "the announced server died during its read-ahead (LookupError from rot.py)"


# 5. A repository path longer than a socket address (was: every served call spawned a useless server process).

def test_a_long_repository_path_does_not_spawn_a_process_per_served_call(git_repo: Path) -> None:
    """The client and the server use the relative `.telemetry_cache/hook.sock`; `start()` once probed the absolute
    path, which past 107 bytes (sun_path) cannot be connected to, so the server itself (run_hook runs in it) spawned
    a new python on every call it answered. `start()` now asks the server's lock file."""
    deep = git_repo / ("d" * 110)
    deep.mkdir()
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "Dev"]):
        git(deep, *args)
    fill(deep, hook_server=True)
    try:
        staged_edit(deep, "return x + 4\n", "return x + 40\n")
        assert hook(deep).returncode == 1  # in-process; starts the server (it binds the relative path: fine)
        wait_for(lambda: short_accepts(deep / SOCK), "the server answers")
        pid = int((deep / PID).read_text())
        seen: set[int] = set()
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                seen.update(servers_of(deep))
                time.sleep(0.005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            for old, new in [("return x + 6\n", "return x + 60\n"), ("return x + 8\n", "return x + 80\n")]:
                staged_edit(deep, old, new)
                assert hook(deep).returncode == 1
            time.sleep(0.5)
        finally:
            done.set()
            watcher.join()
        logged(deep, 2)  # both calls were answered by the server
        assert seen - {pid} == set(), f"served calls spawned {len(seen - {pid})} more server processes ({pid=}, {sorted(seen)})"
    finally:
        stop_servers(deep)


# 6. Output the caller's stdout cannot encode (was: exit 3 in-process, a bare traceback and exit 1 when served).

def test_unencodable_output_fails_the_same_way_served_and_in_process(repo: Path, tmp_path_factory) -> None:
    """A file name that is not UTF-8 under a strict UTF-8 stdout (PYTHONIOENCODING=utf-8, as with LANG=en_US.UTF-8):
    both ways the name is escaped (launch.tolerant_stdout), with the same exit code and bytes."""
    name = os.fsdecode(b"\xff.py")
    twin = tmp_path_factory.mktemp("twin")
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "Dev"]):
        git(twin, *args)
    fill(twin, hook_server=False)
    results = []
    for where, env in ((repo, tool_env(PYTHONIOENCODING="utf-8")), (twin, tool_env(PYTHONIOENCODING="utf-8", **{SWITCH: "off"}))):
        (where / name).write_text(TEN)
        git(where, "add", "-A")
        git(where, "commit", "-qm", "odd name", "--no-verify")
        staged_edit(where, "return x + 4\n", "return x + 40\n")
        assert hook(where, env).returncode == 1  # calc.py, and the runtime; starts the server in `repo`
        git(where, "add", "-A")
        git(where, "commit", "-qm", "runtime", "--no-verify")
        if where == repo:
            server_pid(repo)
        (where / name).write_text(TEN.replace("return x + 5\n", "return x + 50\n"))
        git(where, "add", "-A")
        results.append(subprocess.run([str(TOOL), "hook", name], cwd=where, env=env, capture_output=True, timeout=60, check=False))
    served, alone = results
    logged(repo, 1)  # the server answered
    assert (alone.returncode, alone.stderr) == (1, b""), alone.stderr  # the name escaped, not an internal error
    assert alone.stdout.startswith(b"\\udcff.py:21: f5 instrumented\n"), alone.stdout
    assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout, alone.stderr)


# 7. `hook --help` on a terminal (was: argparse wrapped for the server's absent terminal, not the caller's).

def _help_on_terminal(repo: Path, env: dict[str, str], columns: int) -> tuple[int, bytes]:
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.run([str(TOOL), "hook", "--help"], cwd=repo, env=env, stdout=secondary, stderr=subprocess.PIPE, timeout=60, check=False)
    os.close(secondary)
    return proc.returncode, terminal_output(primary)


def test_help_on_a_terminal_is_wrapped_as_in_process(repo: Path) -> None:
    """shutil.get_terminal_size in the server reads COLUMNS, which the client sends (its stdout is /dev/null)."""
    first_call(repo)
    env = {k: v for k, v in tool_env().items() if k not in ("COLUMNS", "LINES")}
    served = _help_on_terminal(repo, env, 40)
    logged(repo, 1)  # the server answered `hook --help`
    alone = _help_on_terminal(repo, {**env, SWITCH: "off"}, 40)
    assert served == alone, (served[1].decode(), alone[1].decode())


@pytest.fixture(autouse=True)
def _no_stray_servers(tmp_path: Path):
    yield
    for path in tmp_path.rglob(".telemetry_cache"):  # any repository a test made under tmp_path
        with contextlib.suppress(Exception):
            stop_servers(path.parent)


def test_real_pre_commit_first_commit_announces_the_server_once(served_project: Path, pre_commit_home: Path) -> None:  # noqa: F811
    """The same through the real pre-commit: files are partitioned across CPUs, one process each, and the notice
    is printed once (needs two CPUs or more)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("pre-commit runs one process on one CPU")
    names = [f"pkg/m{i}.py" for i in range(8)]
    for name in names:
        (served_project / name).write_text(TEN)
    git(served_project, "add", "-A")
    git(served_project, "commit", "-qm", "more", "--no-verify")
    for name in names:
        (served_project / name).write_text(TEN.replace("return x + 4\n", "return x + 40\n"))
    git(served_project, "add", "-A")
    result = commit(served_project, pre_commit_home)
    assert result.returncode != 0 and "instrumented" in result.stdout + result.stderr, result.stdout + result.stderr
    assert (result.stdout + result.stderr).count(STARTED.strip()) <= 1, result.stdout + result.stderr


# 8. The server's parse memo (was: a commit rewriting many lines of a file the server had seen took seconds).

HANDLER = '''def handler_{i}(request, settings):
    """Handle request kind {i}."""
    if request is None:
        return None
    value = request.get("field_{i}", settings.default)
    return value
'''


def twins(repo: Path, tmp_path_factory, files: dict[str, str]) -> Path:
    """A second repository with the same commits as ``repo``, where the hook runs in-process."""
    twin = tmp_path_factory.mktemp("twin")
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "Dev"]):
        git(twin, *args)
    fill(twin, hook_server=False)
    for where in (repo, twin):
        for name, text in files.items():
            (where / name).write_text(text)
        git(where, "add", "-A")
        git(where, "commit", "-qm", "files", "--no-verify")
    return twin


def timed(where: Path, *files: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = call(where, *files, env=env)
    return time.perf_counter() - started, result


def test_a_commit_rewriting_many_lines_of_a_remembered_file_is_served_as_in_process(repo: Path, tmp_path_factory) -> None:
    """250 edited lines of a 2000-line module the server holds (a rename, a formatter): the tree memo's line diff
    (engine/trees.line_changes) once took seconds here; the result is the in-process one, byte for byte."""
    module = "\n\n".join(HANDLER.format(i=i) for i in range(250))  # 1998 lines: old + new stay under _MAX_DIFF_LINES
    twin = twins(repo, tmp_path_factory, {"big.py": module})
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    assert call(repo, "calc.py", "big.py").returncode == 1  # in-process; the new server reads big.py ahead
    server_pid(repo)
    times = {}
    for where, env in ((repo, tool_env()), (twin, tool_env(**{SWITCH: "off"}))):
        (where / "big.py").write_text(module.replace("settings.default", "settings.fallback"))
        git(where, "add", "-A")
        times[where], result = timed(where, "big.py", env=env)
        assert result.returncode == 1 and "instrumented 250 functions" in result.stdout, result.stdout + result.stderr
    logged(repo, 1)  # the server answered, from the tree it read ahead (bench: 4.2 s before the patience diff, now ms)
    assert (repo / "big.py").read_bytes() == (twin / "big.py").read_bytes()


# 9. One server for pre-commit's parallel partitions (was: the partitions waited for each other).

def test_a_call_arriving_while_the_server_is_busy_runs_in_its_own_process(repo: Path, tmp_path_factory) -> None:
    """pre-commit splits a big commit's files across processes: while the server answers one, the others are declined
    and run side by side in their own processes (waiting in line would make the commit take the sum of them)."""
    heavy = [f"p{j}.py" for j in range(4)]
    module = "\n\n".join(f"def h{i}(x):\n    return x + {i}\n" for i in range(2500))
    twin = twins(repo, tmp_path_factory, {name: module for name in [*heavy, "light.py"]})
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    assert call(repo, "calc.py").returncode == 1
    server_pid(repo)
    for where, env in ((repo, tool_env()), (twin, tool_env(**{SWITCH: "off"}))):
        for name in heavy:
            (where / name).write_text(module.replace("return x + ", "return 1 + x + "))  # every function touched
        (where / "light.py").write_text(module.replace("return x + 7\n", "return x + 70\n"))
        git(where, "add", "-A")
        busy = subprocess.Popen([str(TOOL), "hook", *heavy], cwd=where, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)  # it runs for seconds: 10,000 functions
        light = call(where, "light.py", env=env)
        assert light.returncode == 1 and "light.py:29: h7 instrumented\n" in light.stdout, light.stdout
        assert light.stdout.endswith("telemetry-inject: instrumented 1 functions in 1 files\n"), light.stdout
        assert busy.communicate(timeout=60)[0].endswith("instrumented 10000 functions in 4 files\n") and busy.returncode == 1
    assert "hook p0.py" in logged(repo, 1)[0], "the busy call was served, the other declined"
    for name in [*heavy, "light.py"]:
        assert (repo / name).read_bytes() == (twin / name).read_bytes()


# 10. A busy server with many callers (was: a full accept queue taken for a dead server, and a second one started).

def test_clients_beyond_the_accept_queue_do_not_start_a_second_server(repo: Path) -> None:
    """24 callers while the server answers a long call (pre-commit starts one process per CPU: a big commit on a big
    machine). They are declined and run in-process, and `start()` asks the server's lock, not a probe that a full
    accept queue could fail: the busy server stays the only one."""
    heavy = [f"p{j}.py" for j in range(8)]
    small = [f"s{k}.py" for k in range(24)]
    module = "\n\n".join(f"def h{i}(x):\n    return x + {i}\n" for i in range(2500))
    for name in heavy:
        (repo / name).write_text(module)
    for name in small:
        (repo / name).write_text(TEN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "files", "--no-verify")
    pid = first_call(repo)
    for name in heavy:
        (repo / name).write_text(module.replace("return x + ", "return 1 + x + "))
    for name in small:
        (repo / name).write_text(TEN.replace("return x + 6\n", "return x + 60\n"))
    git(repo, "add", "-A")
    env = tool_env()
    long_call = subprocess.Popen([str(TOOL), "hook", *heavy], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)  # the server is busy with the long call
    procs = [subprocess.Popen([str(TOOL), "hook", name], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in small]
    outputs = [proc.communicate(timeout=60)[0] for proc in [long_call, *procs]]
    assert all(proc.returncode == 1 for proc in [long_call, *procs]), outputs
    time.sleep(1.0)
    assert len(started_lines(repo)) == 1, started_lines(repo)
    assert int((repo / PID).read_text()) == pid, "another server took the repository over from a busy one"
