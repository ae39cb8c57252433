"""The hook server at its edges: signals, Ctrl-C, inherited descriptors, foreign sockets, odd names and encodings,
a moved repository, syntax errors from remembered trees. Each was a failure found by review before its fix."""
from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import TEN, git
from test_hook_server import (  # noqa: F401 - fixtures, shared
    PID,
    SOCK,
    TOOL,
    fill,
    hook,
    log_lines,
    logged,
    repo,
    running,
    server_pid,
    staged_edit,
    stop_servers,
    tool_env,
    wait_for,
)

from telemetry_inject.cli_args import hook_parser as _hook_parser
from telemetry_inject.cli_args import plain_hook_args as _plain_hook_args
from telemetry_inject.engine import trees
from telemetry_inject.engine.inject import parse
from telemetry_inject.engine.source import SourceError, read_source
from telemetry_inject.languages import language_for

BIG = "X = 0\n" + "\n\n".join(f"def g{i}(x):\n    return x + {i}\n" for i in range(200))  # parsed, never instrumented below


def served_with_runtime(repo: Path) -> int:  # noqa: F811
    """A first call in-process (writes and commits the runtime), then the server's pid."""
    staged_edit(repo, "return x + 1\n", "return x + 10\n")
    assert hook(repo).returncode == 1
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "runtime", "--no-verify")
    return server_pid(repo)


def committed_then_edited(repo: Path, names: list[str], text: str, edited: str) -> None:  # noqa: F811
    """``names`` committed holding ``text``, then rewritten to ``edited`` (not staged yet)."""
    for name in names:
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "files", "--no-verify")
    for name in names:
        (repo / name).write_text(edited)


def many_files(repo: Path, count: int) -> list[str]:  # noqa: F811
    """``calc.py`` (one touched function) then ``count`` big files whose staged edit touches no function."""
    names = [f"m{i:03}.py" for i in range(count)]
    committed_then_edited(repo, names, BIG, BIG.replace("X = 0\n", "X = 1\n"))
    (repo / "calc.py").write_text((repo / "calc.py").read_text().replace("return x + 2\n", "return x + 20\n"))
    git(repo, "add", "-A")
    return ["calc.py", *names]


def test_sigterm_mid_call_does_not_become_a_silent_exit_0(repo: Path) -> None:  # noqa: F811
    """SIGTERM during a call: the call is finished and answered (its files are being written), then the server exits."""
    pid = served_with_runtime(repo)
    names = many_files(repo, 300)
    before = (repo / "calc.py").read_bytes()
    client = subprocess.Popen([str(TOOL), "hook", *names], cwd=repo, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: (repo / "calc.py").read_bytes() != before, "the server instrumented calc.py", 20)
    os.kill(pid, signal.SIGTERM)  # e.g. `kill $(cat .telemetry_cache/hook-server.pid)` as the README says, mid-call
    out, _ = client.communicate(timeout=60)
    assert (repo / "calc.py").read_bytes() != before
    assert client.returncode == 1, "calc.py was changed by this call: the hook must say so and exit 1"
    assert b"calc.py" in out


def test_ctrl_c_on_the_client_stops_the_run_as_in_process(repo: Path) -> None:  # noqa: F811
    """Ctrl-C on the client: exit 130 and the "interrupted" line as in-process, and the server stops writing."""
    served_with_runtime(repo)
    touched = [f"t{i:03}.py" for i in range(600)]  # many files with a touched function each: a long call
    committed_then_edited(repo, touched, TEN, TEN.replace("return x + 3\n", "return x + 30\n"))
    git(repo, "add", "-A")

    def done() -> int:
        return sum(b"@_tel.span" in (repo / name).read_bytes() for name in touched)

    client = subprocess.Popen([str(TOOL), "hook", *touched], cwd=repo, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: done() > 0, "the server started writing", 20)
    calls = len(log_lines(repo))
    client.send_signal(signal.SIGINT)
    _, err = client.communicate(timeout=60)
    wait_for(lambda: len(log_lines(repo)) > calls, "the server ended the interrupted call", 20)  # its file at hand, whole
    assert " exit 130 " in log_lines(repo)[-1]
    at_exit = done()
    time.sleep(1.5)
    assert client.returncode == 130 and b"interrupted" in err and b"Traceback" not in err, (client.returncode, err[-300:])
    assert done() == at_exit, "files kept changing after the interrupted hook returned"


def test_server_does_not_keep_the_first_callers_other_file_descriptors(repo: Path) -> None:  # noqa: F811
    """The detached server closes every descriptor the hook that started it had open (a pipe, a `flock 9` lock)."""
    staged_edit(repo, "return x + 1\n", "return x + 10\n")
    read_end, write_end = os.pipe()
    client = subprocess.Popen([str(TOOL), "hook", "calc.py"], cwd=repo, env=tool_env(), pass_fds=(write_end,), stdout=subprocess.PIPE)
    os.close(write_end)
    client.communicate(timeout=60)
    server_pid(repo)
    try:
        ready, _, _ = select.select([read_end], [], [], 3)
        assert ready and os.read(read_end, 1) == b"", "the server holds the caller's pipe open: its reader never sees EOF"
    finally:
        os.close(read_end)


def test_client_sends_nothing_to_a_socket_of_another_user(repo: Path) -> None:  # noqa: F811
    """A socket file that is not our own user's socket gets nothing: not the environment (tokens), not the call."""
    staged_edit(repo, "return x + 1\n", "return x + 10\n")
    (repo / ".telemetry_cache").mkdir(exist_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.geteuid() == 0:
        listener.bind(str(repo / SOCK))
        os.chown(repo / SOCK, 65534, 65534)  # as if another user had put it there
    else:  # (only root can give a socket away) a symlink to a socket elsewhere: not a socket file of ours either
        listener.bind(str(repo / "elsewhere.sock"))
        (repo / SOCK).symlink_to(repo / "elsewhere.sock")
    listener.listen(1)
    listener.settimeout(10)
    received = []

    def fake_server() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received.append(data)
            with contextlib.suppress(OSError):
                conn.sendall(b"0 0 0\n")

    thread = threading.Thread(target=fake_server)
    thread.start()
    result = hook(repo, tool_env(SECRET_TOKEN="hunter2"))
    listener.close()
    thread.join()
    assert not any(b"hunter2" in data for data in received), "the environment went to another user's socket"
    assert result.returncode == 1 and "f1 instrumented" in result.stdout


def test_undecodable_file_name_does_not_kill_the_server(repo: Path) -> None:  # noqa: F811
    """A file name that is not UTF-8 is logged escaped; the server lives on."""
    pid = served_with_runtime(repo)
    name = os.fsdecode(b"\xff.py")
    subprocess.run([str(TOOL), "hook", name], cwd=repo, env=tool_env(), capture_output=True, timeout=60, check=False)
    time.sleep(0.5)
    assert running(pid) and (repo / SOCK).exists(), "the server died after a call with an undecodable file name"


def test_served_output_is_encoded_as_the_caller_encodes_it(repo: Path) -> None:  # noqa: F811
    """The client writes the output in its own stdout encoding, as an in-process run would."""
    git(repo, "config", "core.quotePath", "false")  # see test_hook_instruments_a_file_with_a_non_ascii_name
    (repo / "é.py").write_text(TEN)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "é", "--no-verify")
    served_with_runtime(repo)
    (repo / "é.py").write_text(TEN.replace("return x + 4\n", "return x + 40\n"))
    git(repo, "add", "-A")
    env = tool_env(PYTHONIOENCODING="latin-1")
    served = subprocess.run([str(TOOL), "hook", "é.py"], cwd=repo, env=env, capture_output=True, timeout=60, check=False)
    logged(repo, 1)  # answered by the server
    assert served.returncode == 1
    assert served.stdout.startswith("é.py:".encode("latin-1")), served.stdout


def test_syntax_error_line_from_a_remembered_tree_is_the_fresh_parse_line() -> None:
    """A syntax error is reported at the line a fresh parse finds, whatever trees the server remembers."""
    v0 = (b"@overload\n@staticmethod\ndef f(self):\n\tfor i in y:\n\t\t#telemetry: skip please\n\t\tfor i in y:\n\t\t\treturn 1\n"
          b"\t\t# note\n\t\tfor i in y:\n\t\t\treturn 1\n\t\t\t'''doc'''\n\t\t\tprint(sys._getframe())\n\t\t\tprint(sys._getframe())\n"
          b"\t\t@x.setter\n\t\tasync def h(self):  # telemetry: skip\n\t\t  w = 4\n\t\t@x.setter\n\t\tasync def g(self):  # c\n"
          b"\t\t  w = 4\n\t\t  pass\n\t\t  x = 1\n\t#telemetry: skip please\n\treturn 1\n\tfor i in y:\n\t\tasync def f(self):  # c\n"
          b"\t\t\tx = 1; y = 2\n\t\t\t'''doc'''\n\t\t\tw = 4\n\t\t\t'''doc'''\nclass B:\n\t@dataclass\n\tclass B:\n\t\t# note\n"
          b"\t\tif x:\n\t\t\tx = 1\n\t\t\ty = 2\n\t\t\tpass\n\t\telse:\n\t\t\tz = 3\n\t\t\tprint(sys._getframe())\n\t\t\t# telemetry: skip\n"
          b"\t\t\t'''doc'''\n\n\t\t\tprint(sys._getframe())\n\t\twith q:\n\t\t\tx = 1; y = 2\n\t\t\t# telemetry: skip\n\t\t\tz = 3\n\n"
          b"\t\t\tx = 1\n\t\tw = 4\n\tclass B:\n\n\t\tclass A:\n\t\t\ty = 2\n\t\t\tx = 1; y = 2\n\t\tfor i in y:\n\t\t\tx = 1\n"
          b"\t\tclass C:\n\n\t\t\tw = 4\n\t\t\tx = 1; y = 2\n\t\t\ty = 2\n\t\t\tpass\n\t\tclass A:\n\t\t\ty = 2\n\t\t\tw = 4\n"
          b"def f(self):  # c\n  class B:\n\t  class A:\n\t\t  x = 1; y = 2\n\t\t  # telemetry: skip\n\t\t  '''doc'''\n\t\t  pass\n"
          b"\t\t  print(sys._getframe())\n")

    def edited(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
        for start, end, text in reversed(edits):
            data = data[:start] + text + data[end:]
        return data

    v1 = edited(v0, [(376, 379, b'"""'), (670, 671, b"  ")])
    v2 = edited(v1, [(679, 680, b"    "), (847, 849, b'"""')])
    python = language_for(Path("x.py"))

    def error_of(data: bytes) -> str:
        with pytest.raises(SourceError) as caught:
            parse(python, read_source(data), memo_key="x.py")
        return str(caught.value)

    fresh = error_of(v2)
    trees.keep()
    try:
        parse(python, read_source(v0), memo_key="x.py")  # valid
        error_of(v1)
        served = error_of(v2)
    finally:
        trees.keep(None)
    assert served == fresh


def test_a_moved_repository_gets_a_server_again(repo: Path) -> None:  # noqa: F811
    """After the repository moves, its old server steps aside and the next call starts one at the new place."""
    served_with_runtime(repo)
    moved = repo.with_name(repo.name + "-moved")
    repo.rename(moved)
    try:
        for k in (3, 4, 5):
            staged_edit(moved, f"return x + {k}\n", f"return x + {k}0\n")
            hook(moved)
        time.sleep(0.5)
        assert log_lines(moved), "no call in the moved repository was answered by a server"
    finally:
        stop_servers(moved)
        stop_servers(repo)
        moved.rename(repo)


@pytest.mark.parametrize("argv", [["a.py", "--check", "b.py"], ["--check", "a.py", "--check", "b.py"]])
def test_plain_hook_args_accept_only_what_argparse_accepts(argv: list[str]) -> None:
    """The plain-argument fast path takes only what argparse takes the same way (options before files)."""
    with pytest.raises(SystemExit):
        _hook_parser().parse_args(argv)
    assert _plain_hook_args(argv) is None


def test_hook_instruments_a_file_with_a_non_ascii_name(git_repo: Path) -> None:
    """git quotes non-ASCII paths in diffs (`+++ "b/\\303\\251.py"`); the scope unquotes them."""
    fill(git_repo, hook_server=False)
    (git_repo / "é.py").write_text(TEN)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "é")
    (git_repo / "é.py").write_text(TEN.replace("return x + 4\n", "return x + 40\n"))
    git(git_repo, "add", "-A")
    result = subprocess.run([str(TOOL), "hook", "é.py"], cwd=git_repo, env=tool_env(), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "f4 instrumented" in result.stdout, result.stdout
