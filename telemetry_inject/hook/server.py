"""The hook server: one resident process per repository that answers hook calls (``hook-server = true``).

A hook call spends most of its time starting Python and importing the engine;
the server has both done already. It listens on ``.telemetry_cache/hook.sock``
(mode 0600, so only its user can connect), answers one call at a time with the
caller's working directory, environment and umask (git's ``GIT_INDEX_FILE``
included), exactly as ``telemetry-inject hook`` would have run, and writes one
line per call to ``.telemetry_cache/hook-server.log`` (its pid is in
``hook-server.pid`` beside it). It exits after
``TELEMETRY_INJECT_HOOK_SERVER_IDLE`` seconds without a call (default 900), on
SIGTERM, when the config no longer asks for it, or when a caller is another
version of the tool.

    python -P -m telemetry_inject.hook.server ROOT   # started by the hook itself, detached
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import time

from telemetry_inject.engine import trees
from telemetry_inject.engine.cache import CACHE_DIR
from telemetry_inject.launch import PROTOCOL, SOCKET, identity

LOG = ".telemetry_cache/hook-server.log"
PID = ".telemetry_cache/hook-server.pid"  # `kill $(cat .telemetry_cache/hook-server.pid)` stops it
DEFAULT_IDLE = 900.0


def start(root: str) -> None:
    """Start a detached server for ``root`` unless one answers there already (the hook calls this after a run)."""
    if not hasattr(os, "posix_spawn") or not hasattr(socket, "AF_UNIX") or _alive(os.path.join(root, SOCKET)):
        return  # (Windows: no server; every call runs in its own process)
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]  # never hold pre-commit's pipes open
    os.posix_spawn(sys.executable, [sys.executable, "-P", "-m", "telemetry_inject.hook.server", root], os.environ,
                   file_actions=devnull, setsid=True)


def serve(root: str, idle: float) -> None:
    os.chdir(root)
    if _alive(SOCKET):
        return  # another server won the race
    with contextlib.suppress(FileNotFoundError):
        os.unlink(SOCKET)  # a stale socket: nobody answers behind it
    os.makedirs(os.path.dirname(SOCKET), exist_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o077)
    try:
        listener.bind(SOCKET)
    except OSError:
        return  # another server bound it in between, or the filesystem has no sockets
    finally:
        os.umask(mask)
    ours = os.stat(SOCKET).st_ino
    server = _Server(os.getcwd())
    try:
        signal.signal(signal.SIGTERM, _stop)  # before the pid file tells anyone whom to kill
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal that started a commit is not for us
        with open(PID, "w", encoding="ascii") as pid:
            pid.write(f"{os.getpid()}\n")
        trees.keep()
        listener.listen(16)
        listener.settimeout(idle)
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                break
            with conn:
                keep_going = server.answer(conn)
            if not keep_going:
                break
    except _Stop:
        pass  # a call cut short gets no answer: its client runs the hook itself
    finally:
        with contextlib.suppress(OSError):
            if os.stat(os.path.join(server.home, SOCKET)).st_ino == ours:
                os.unlink(os.path.join(server.home, SOCKET))
                os.unlink(os.path.join(server.home, PID))
        listener.close()


class _Stop(BaseException):
    """SIGTERM: unlike SystemExit, nothing on the way up mistakes it for an exit code."""


def _stop(*_) -> None:
    raise _Stop


class _Server:
    def __init__(self, home: str) -> None:
        self.home = home
        self.database: tuple[int, int] | None = None  # the cache file the open connection is to

    def answer(self, conn: socket.socket) -> bool:
        """Answer one call; False when this server should stop after it."""
        conn.settimeout(30.0)
        try:
            request = _read_all(conn)
        except OSError:
            return True
        if not request:
            return True  # a liveness probe (``_alive``)
        fields = request.split(b"\0")
        if len(fields) < 5 or fields[0] != PROTOCOL or fields[1] != identity() or os.fsdecode(fields[2]) != self.home:
            _send(conn, b"declined 0 0\n")
            return fields[1:2] == [identity()]  # another version of the tool is calling: make way for its own server
        try:
            umask, argc = int(fields[3]), int(fields[4])
        except ValueError:
            _send(conn, b"declined 0 0\n")
            return True
        argv = [os.fsdecode(f) for f in fields[5 : 5 + argc]]
        environ = dict(f.split(b"=", 1) for f in fields[5 + argc :] if b"=" in f)
        started = time.perf_counter()
        code, out, err = self.run(argv, environ, umask)
        _send(conn, b"%d %d %d\n" % (code, len(out), len(err)) + out + err)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)  # the caller is done: log and look at the config after it left
        _log(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} exit {code} in {(time.perf_counter() - started) * 1000:.0f} ms: {' '.join(argv)}")
        return _still_wanted(self.home)

    def run(self, argv: list[str], environ: dict[bytes, bytes], umask: int) -> tuple[int, bytes, bytes]:
        """``telemetry-inject`` with the caller's argv, environment and umask; its exit code and output."""
        from telemetry_inject.cli import main
        from telemetry_inject.engine.run import close_caches

        if _database(self.home) != self.database:  # removed or rebuilt since the last call: reconnect
            close_caches()
        saved = dict(os.environb)
        os.environb.clear()
        os.environb.update(environ)
        old_mask = os.umask(umask)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        except SystemExit as exc:  # main returns its codes; this is only for a stray sys.exit below it
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            self.database = _database(self.home)
            os.umask(old_mask)
            os.environb.clear()
            os.environb.update(saved)
            os.chdir(self.home)
        return code, out.getvalue().encode("utf-8", "surrogateescape"), err.getvalue().encode("utf-8", "surrogateescape")


def _database(home: str) -> tuple[int, int] | None:
    try:
        info = os.stat(os.path.join(home, CACHE_DIR, "cache.sqlite3"))
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _still_wanted(home: str) -> bool:
    from telemetry_inject.config import find_root, load_settings
    from telemetry_inject.errors import UserError

    try:
        return load_settings(find_root(_path(home))).hook_server
    except UserError:
        return False


def _path(text: str):
    from pathlib import Path

    return Path(text)


def _alive(path: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _send(conn: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the caller gave up (Ctrl-C): the files are written atomically either way
        conn.sendall(data)


def _log(line: str) -> None:
    with contextlib.suppress(OSError), open(LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


if __name__ == "__main__":
    serve(sys.argv[1], float(os.environ.get("TELEMETRY_INJECT_HOOK_SERVER_IDLE", DEFAULT_IDLE)))
