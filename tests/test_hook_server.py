"""The hook server (``hook-server = true``): the real console script, real detached servers, real git repositories."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest
from conftest import REPO, TEN, decorated, git
from telemetry_inject.config import CI_VARIABLES
from test_hook import TOOL, edit, env_for, hook_source, pre_commit_home, project  # noqa: F401 - fixtures, shared

IDLE = "TELEMETRY_INJECT_HOOK_SERVER_IDLE"
SWITCH = "TELEMETRY_INJECT_HOOK_SERVER"
SOCK, PID, LOG = ".telemetry_cache/hook.sock", ".telemetry_cache/hook-server.pid", ".telemetry_cache/hook-server.log"
INTERPRETER = TOOL.read_text().splitlines()[0].removeprefix("#!")  # the console script's python: part of a server's identity
SITE = sysconfig.get_paths()["purelib"]
STARTED = ("telemetry-inject: started a hook server for this repository: later commits skip loading the engine;"
           " it stops after 15 idle minutes (README: the hook server; `hook-server = false` turns it off)\n")


def tool_env(idle: str = "10", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "TELEMETRY_INJECT", "GIT_"))}
    return {**env, IDLE: idle, **extra}  # a short idle timeout: nothing outlives the test for long


def hook(repo: Path, env: dict[str, str] | None = None, umask: int = -1) -> subprocess.CompletedProcess:
    """``telemetry-inject hook calc.py`` from the repository root, as pre-commit runs it."""
    return subprocess.run([str(TOOL), "hook", "calc.py"], cwd=repo, env=env or tool_env(), capture_output=True, text=True, timeout=60, umask=umask, check=False)


def fill(repo: Path, hook_server: bool) -> Path:
    (repo / ".telemetry-inject.toml").write_text(f"hook-server = {str(hook_server).lower()}\n")
    (repo / "calc.py").write_text(TEN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo


def staged_edit(repo: Path, old: str, new: str) -> None:
    git(repo, "add", "-A")  # what the previous call wrote is committed-to-be; only this edit is new
    edit(repo / "calc.py", old, new)
    git(repo, "add", "-u")


def running(pid: int) -> bool:
    try:  # a detached server's parent is gone, and pid 1 may not reap it: a zombie counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def accepts(path: Path) -> bool:
    """A server accepted a connection on ``path`` and closed it (an empty request is its liveness probe)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(5)
    try:
        probe.connect(str(path))
        probe.shutdown(socket.SHUT_WR)
        return probe.recv(1) == b""
    except OSError:
        return False
    finally:
        probe.close()


def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def server_pid(repo: Path) -> int:
    """The pid of the server answering in ``repo``, once it is in its accept loop (signal handlers set)."""
    pid_file = repo / PID
    wait_for(lambda: pid_file.is_file() and pid_file.read_text().endswith("\n") and accepts(repo / SOCK), "a server answers")
    pid = int(pid_file.read_text())
    assert running(pid)
    return pid


def first_call(repo: Path, env: dict[str, str] | None = None) -> int:
    """A first hook call (f4 edited) runs in-process and starts the server; the server's pid."""
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    assert hook(repo, env).returncode == 1
    return server_pid(repo)


def wait_gone(repo: Path, pid: int) -> None:
    wait_for(lambda: not running(pid), f"server {pid} exits")
    wait_for(lambda: not (repo / SOCK).exists() and not (repo / PID).exists(), "the socket and pid file are removed", 2)


def log_lines(repo: Path) -> list[str]:
    """The server log's lines for calls it answered (not those saying a server started)."""
    lines = (repo / LOG).read_text().splitlines() if (repo / LOG).exists() else []
    return [line for line in lines if " started: pid " not in line]


def logged(repo: Path, count: int) -> list[str]:
    """The server's log once it holds ``count`` lines: the server writes a call's line after the caller has its answer."""
    wait_for(lambda: len(log_lines(repo)) >= count, f"{count} lines in the server's log", 5)
    assert len(log_lines(repo)) == count, log_lines(repo)
    return log_lines(repo)


def servers_of(repo: Path) -> list[int]:
    """Pids of the servers for ``repo``, found by their command line: one still starting has no pid file yet."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")[:-1]
        except OSError:
            continue
        if b"telemetry_inject.hook.server" in argv and argv[-1] == os.fsencode(repo) and running(pid := int(proc.name)):
            pids.append(pid)
    return pids


def stop_servers(repo: Path) -> None:
    """SIGTERM every server for ``repo``."""
    for pid in servers_of(repo):
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda p=pid: not running(p), f"server {pid} stops at teardown", 5)


@pytest.fixture
def repo(git_repo: Path):
    yield fill(git_repo, hook_server=True)
    stop_servers(git_repo)


def files_of(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in sorted(repo.rglob("*"))
            if p.is_file() and p.relative_to(repo).parts[0] not in (".git", ".telemetry_cache", ".telemetry-inject.toml")}


def test_second_call_is_answered_by_the_server_exactly_as_in_process(repo: Path, tmp_path_factory) -> None:
    twin = tmp_path_factory.mktemp("twin")  # the same repository and edits, without the server
    for args in (["init", "-q", "-b", "main"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "Dev"]):
        git(twin, *args)
    fill(twin, hook_server=False)
    edits = [("return x + 4\n", "return x + 40\n"), ("return x + 6\n", "return x + 60\n"),
             ("return x + 8\n", "y = 1\n    return x + 80 + y\n"), ("def f9(", "def g(x):\n    return -x\n\n\ndef f9(")]
    codes = []
    for step, (old, new) in enumerate(edits):  # the last two reparse calc.py from the server's remembered trees
        results = []
        for where in (repo, twin):
            staged_edit(where, old, new)
            results.append(hook(where))
        served, alone = results
        notice = STARTED if step == 0 else ""  # the repository's first server is announced once, after the call's lines
        assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout + notice, alone.stderr)
        assert files_of(repo) == files_of(twin)
        codes.append(served.returncode)
        if step == 0:
            pid = server_pid(repo)
        logged(repo, step)  # the first call ran in-process, every later one in the server
        assert running(pid) and int((repo / PID).read_text()) == pid
    assert served.returncode == 1 and "g instrumented" in served.stdout
    assert decorated(repo / "calc.py") == ["f4", "f6", "f8", "g"]
    assert [line.split(" exit ")[1].split(" in ")[0] for line in logged(repo, 3)] == [str(code) for code in codes[1:]]
    assert all(line.endswith(" ms: hook calc.py") for line in logged(repo, 3))
    assert not (twin / SOCK).exists()


@pytest.fixture
def served_project(project: Path):  # noqa: F811 - test_hook's fixture
    (project / ".telemetry-inject.toml").write_text("hook-server = true\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "hook server on", "--no-verify")
    yield project
    stop_servers(project)


def commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in env_for(home).items() if k != SWITCH}  # test_hook switches the server off
    return subprocess.run(["git", "commit", "-m", "change", *args], cwd=cwd, env={**env, IDLE: "10"}, capture_output=True, text=True, check=False)


def test_pre_commit_with_the_server_stops_then_accepts_and_handles_commit_a(served_project: Path, pre_commit_home: Path) -> None:  # noqa: F811
    calc = served_project / "pkg/calc.py"
    edit(calc, "return x + 4\n", "return x + 40\n")
    git(served_project, "add", "-u")
    first = commit(served_project, pre_commit_home)
    assert first.returncode != 0 and "pkg/calc.py:17: f4 instrumented" in first.stderr, first.stdout + first.stderr
    assert decorated(calc) == ["f4"]
    pid = server_pid(served_project)
    git(served_project, "add", "-A")
    second = commit(served_project, pre_commit_home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert " exit 0 in " in logged(served_project, 1)[0], "the server answered"
    edit(calc, "return x + 6\n", "return x + 60\n")  # not staged: `commit -a` stages it in a temporary index (GIT_INDEX_FILE)
    third = commit(served_project, pre_commit_home, "-a")
    assert third.returncode != 0 and "f6 instrumented" in third.stderr, third.stdout + third.stderr
    assert decorated(calc) == ["f4", "f6"]
    assert " exit 1 in " in logged(served_project, 2)[-1], "the server answered, with git's temporary index"
    fourth = commit(served_project, pre_commit_home, "-a")
    assert fourth.returncode == 0, fourth.stdout + fourth.stderr
    assert git(served_project, "status", "--porcelain") == ""
    assert " exit 0 in " in logged(served_project, 3)[-1] and running(pid)


def test_stale_socket_falls_back_in_process_and_a_new_server_replaces_it(repo: Path) -> None:
    (repo / ".telemetry_cache").mkdir()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(repo / SOCK))
    stale.close()  # the file stays, with nobody behind it (a server killed with SIGKILL)
    assert (repo / SOCK).exists() and not accepts(repo / SOCK)
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    result = hook(repo)
    assert (result.returncode, result.stderr) == (1, "")
    assert "calc.py:17: f4 instrumented" in result.stdout
    assert decorated(repo / "calc.py") == ["f4"]
    server_pid(repo)  # a new server listens where the stale file was
    staged_edit(repo, "return x + 6\n", "return x + 60\n")
    assert hook(repo).returncode == 1 and decorated(repo / "calc.py") == ["f4", "f6"]
    logged(repo, 1)


def test_server_of_another_interpreter_declines_and_exits(repo: Path, tmp_path_factory) -> None:
    other = tmp_path_factory.mktemp("interpreter") / "python"
    other.symlink_to(INTERPRETER)  # the same python under another sys.executable; outside the venv, so PYTHONPATH
    env = tool_env(PYTHONPATH=os.pathsep.join([str(REPO), SITE]))
    server = subprocess.Popen([str(other), "-P", "-m", "telemetry_inject.hook.server", str(repo)], cwd=repo, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert server_pid(repo) == server.pid
        staged_edit(repo, "return x + 4\n", "return x + 40\n")
        result = hook(repo)
        assert (result.returncode, result.stderr) == (1, "")
        assert "calc.py:17: f4 instrumented" in result.stdout
        assert decorated(repo / "calc.py") == ["f4"]
        assert server.wait(timeout=5) == 0, server.stderr.read()
        assert log_lines(repo) == [], "the call was declined, not answered"
    finally:
        stop_servers(repo)
        server.stderr.close()


def test_config_turned_off_answers_then_exits(repo: Path) -> None:
    pid = first_call(repo)
    (repo / ".telemetry-inject.toml").write_text("hook-server = false\n")
    staged_edit(repo, "return x + 6\n", "return x + 60\n")
    result = hook(repo)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout == "calc.py:27: f6 instrumented\ntelemetry-inject: instrumented 1 functions in 1 files\n"
    assert decorated(repo / "calc.py") == ["f4", "f6"]
    logged(repo, 1)  # the server answered this call
    wait_gone(repo, pid)


def test_sigterm_stops_the_server_and_removes_its_files(repo: Path) -> None:
    pid = first_call(repo)
    os.kill(pid, signal.SIGTERM)
    wait_gone(repo, pid)
    staged_edit(repo, "return x + 6\n", "return x + 60\n")
    assert hook(repo).returncode == 1 and decorated(repo / "calc.py") == ["f4", "f6"]  # no socket: in-process again
    assert server_pid(repo) != pid, "and that run starts a new server"


def test_idle_server_exits_by_itself(repo: Path) -> None:
    pid = first_call(repo, tool_env(idle="1"))  # the server inherits the idle timeout from the hook that starts it
    wait_gone(repo, pid)


def test_config_error_exit_code_and_stderr_come_through_the_server(repo: Path) -> None:
    pid = first_call(repo)
    (repo / ".telemetry-inject.toml").write_text("hook-server = true\nbogus = 1\n")
    staged_edit(repo, "return x + 6\n", "return x + 60\n")
    served = hook(repo)
    assert (served.returncode, served.stdout) == (2, "")
    assert served.stderr.startswith("telemetry-inject: error: ") and "unknown key `bogus`" in served.stderr
    assert " exit 2 in " in logged(repo, 1)[0], "the server answered"
    wait_gone(repo, pid)  # an invalid config does not ask for a server
    alone = hook(repo)
    assert (alone.returncode, alone.stdout, alone.stderr) == (served.returncode, served.stdout, served.stderr)


PROBE = """
import sys
sys.argv = ["telemetry-inject", "hook", "calc.py"]
from telemetry_inject.launch import main
code = main()
heavy = {"argparse", "pathlib", "tree_sitter", "sqlite3", "telemetry_inject.cli"} & {*sys.modules, *(m.split(".")[0] for m in sys.modules)}
print(code, *sorted(heavy), file=sys.stderr)
"""


def test_client_answered_by_the_server_imports_nothing_heavy(repo: Path) -> None:
    # -S: the venv's editable-install finder imports pathlib at every start, which would hide whether launch.py does
    probe = [INTERPRETER, "-S", "-c", PROBE]
    env = tool_env(PYTHONPATH=os.pathsep.join([str(REPO), SITE]))
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    alone = subprocess.run(probe, cwd=repo, env=env, capture_output=True, text=True, timeout=60, check=False)
    code, *loaded = alone.stderr.split()
    assert code == "1" and {"telemetry_inject.cli", "tree_sitter"} <= set(loaded), alone.stderr  # what the probe sees in-process
    server_pid(repo)
    staged_edit(repo, "return x + 6\n", "return x + 60\n")
    served = subprocess.run(probe, cwd=repo, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert served.stderr.split() == ["1"], served.stderr
    assert "calc.py:27: f6 instrumented" in served.stdout
    logged(repo, 1)  # the server answered the probe


def test_socket_is_for_its_owner_only_and_calls_run_under_the_callers_umask(repo: Path) -> None:
    (repo / ".telemetry-inject.toml").write_text('hook-server = true\npython-runtime-module = "obs.tel"\npython-runtime-path = "obs/tel.py"\n')
    staged_edit(repo, "def f5", "# five\n\n\ndef f5")  # touches no function: no runtime written yet
    assert hook(repo, umask=0).returncode == 0  # the server inherits this umask; left alone, its socket would be srwxrwxrwx
    server_pid(repo)
    mode = os.stat(repo / SOCK).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) & 0o077 == 0, oct(mode)
    staged_edit(repo, "return x + 4\n", "return x + 40\n")
    assert hook(repo, umask=0o077).returncode == 1 and (repo / "obs/tel.py").is_file()
    logged(repo, 1)  # the server answered
    assert stat.S_IMODE((repo / "obs").stat().st_mode) == 0o700, "the runtime's directory, made under the caller's umask"


def test_without_a_config_key_a_server_starts_on_a_developer_machine_but_not_in_ci_or_when_switched_off(git_repo: Path) -> None:
    (git_repo / "calc.py").write_text(TEN)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "init")
    local = {k: v for k, v in tool_env().items() if k not in CI_VARIABLES}
    try:
        for step, (env, edited) in enumerate([({**local, "CI": "true"}, "f4"), ({**local, "TF_BUILD": "True"}, "f5"),
                                              ({**local, SWITCH: "off"}, "f6")]):
            staged_edit(git_repo, f"return x + {step + 4}\n", f"return x + {step + 40}\n")
            result = hook(git_repo, env)
            assert result.returncode == 1 and f": {edited} instrumented\n" in result.stdout, result.stdout
            assert "hook server" not in result.stdout and servers_of(git_repo) == [], "no server in CI or when switched off"
        staged_edit(git_repo, "return x + 7\n", "return x + 70\n")
        first = hook(git_repo, local)
        assert first.returncode == 1 and first.stdout.endswith(STARTED), first.stdout
        pid = server_pid(git_repo)
        staged_edit(git_repo, "return x + 8\n", "return x + 80\n")
        off = hook(git_repo, {**local, SWITCH: "off"})  # a running server is not asked either
        assert off.returncode == 1 and "f8 instrumented" in off.stdout and log_lines(git_repo) == []
        staged_edit(git_repo, "return x + 9\n", "return x + 90\n")
        served = hook(git_repo, local)
        assert served.returncode == 1 and "f9 instrumented" in served.stdout and STARTED not in served.stdout
        assert len(logged(git_repo, 1)) == 1 and servers_of(git_repo) == [pid]
        assert decorated(git_repo / "calc.py") == ["f4", "f5", "f6", "f7", "f8", "f9"]
        os.kill(pid, signal.SIGTERM)
        wait_gone(git_repo, pid)
        staged_edit(git_repo, "return x + 3\n", "return x + 30\n")
        again = hook(git_repo, local)  # a later server, after the first: started without a word
        assert again.returncode == 1 and STARTED not in again.stdout and server_pid(git_repo) != pid
    finally:
        stop_servers(git_repo)


def test_server_exits_when_its_socket_is_deleted(repo: Path) -> None:
    pid = first_call(repo, tool_env(idle="8"))  # it looks at its socket every 2 s when idle
    shutil.rmtree(repo / ".telemetry_cache")  # e.g. `git clean -fdX`, or the repository deleted
    wait_for(lambda: not running(pid), "the server notices its socket is gone", 6)  # before its idle timeout


@pytest.mark.parametrize(("setting", "environ", "wanted"), [
    (None, {}, True), (None, {"CI": "true"}, False), (None, {"CI": "false"}, True), (None, {"CI": "0"}, True),
    (None, {"GITLAB_CI": "true", "CI": "true"}, False), (None, {"JENKINS_URL": "http://ci/"}, False),
    (True, {"CI": "true"}, True), (False, {}, False), (True, {SWITCH: "off"}, False), (True, {SWITCH: "0"}, False),
    (None, {SWITCH: " No "}, False), (None, {SWITCH: "on"}, True),
])
def test_who_wants_a_server(setting: bool | None, environ: dict[str, str], wanted: bool, tmp_path: Path) -> None:
    from telemetry_inject.config import Settings, hook_server_wanted

    assert hook_server_wanted(Settings(tmp_path, hook_server=setting), environ) is wanted
