"""The hook server: one resident process per repository that answers hook calls (on unless ``hook-server = false``,
``TELEMETRY_INJECT_HOOK_SERVER=off`` or a CI service: config.hook_server_wanted).

A hook call spends most of its time starting Python and importing the engine;
the server has both done already. It listens on ``.telemetry_cache/hook.sock``
(mode 0600, so only its user can connect), answers one call at a time with the
caller's working directory, environment and umask (git's ``GIT_INDEX_FILE``
included), exactly as ``telemetry-inject hook`` would have run, and writes one
line per call to ``.telemetry_cache/hook-server.log`` (its pid is in
``hook-server.pid`` beside it). It exits after
``TELEMETRY_INJECT_HOOK_SERVER_IDLE`` seconds without a call (default 900), on
SIGTERM (after answering a call in progress), when the config no longer asks
for it, when its socket is deleted, when a caller is another version of the
tool, or when its repository was moved. A caller that hangs up (Ctrl-C)
interrupts its run as Ctrl-C would; calls that arrive while one runs are
declined (they run in their own processes). It holds
``.telemetry_cache/hook-server.lock`` while it runs: one server per repository.

    python -P -m telemetry_inject.hook.server [FILE...] ROOT   # started by the hook itself, detached
"""
from __future__ import annotations

import _thread
import contextlib
import gc
import io
import os
import select
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from telemetry_inject.engine import trees
from telemetry_inject.engine.cache import CACHE_DIR, make_directory
from telemetry_inject.launch import PROTOCOL, SOCKET, identity, read_all

LOG = ".telemetry_cache/hook-server.log"
LOCK = ".telemetry_cache/hook-server.lock"  # held by the repository's one server for as long as it runs
FAILED = ".telemetry_cache/hook-server.failed"  # a server could not listen here: the hook starts none for a while
RETRY_AFTER = 86400.0  # seconds
PID = ".telemetry_cache/hook-server.pid"  # `kill $(cat .telemetry_cache/hook-server.pid)` stops it
DEFAULT_IDLE = 900.0
DECLINED = b"declined 0 0\n"  # the reply that sends a caller to run the call in its own process


def start(root: str, files: list[str]) -> bool:
    """Start a detached server for ``root`` unless one runs there already (the hook calls this after a run).

    It reads ``files`` (relative to ``root``: those the call parsed) before it listens, as if it had answered this call.
    True when this is the repository's first server: the hook says so once.
    """
    if not hasattr(os, "posix_spawn") or not hasattr(socket, "AF_UNIX"):
        return False  # (Windows: no server; every call runs in its own process)
    if _locked(os.path.join(root, LOCK)) or _failed_lately(os.path.join(root, FAILED)):
        return False
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]  # never hold pre-commit's pipes open
    argv = [sys.executable, "-P", "-m", "telemetry_inject.hook.server", *files[:LEARN_MAX], root]  # the root last
    try:
        os.posix_spawn(sys.executable, argv, os.environ, file_actions=devnull, setsid=True)
    except (OSError, NotImplementedError):  # no session of its own on this system (setsid), or no process to spare
        return False  # the hook has done its work; it only stays as fast as it was
    try:  # the log, made here: of several hook processes starting servers at once, one says so
        os.close(os.open(os.path.join(root, LOG), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return True
    except OSError:
        return False


def serve(root: str, idle: float, files: list[str] = ()) -> None:
    os.closerange(3, _OPEN_MAX)  # nothing the hook that started us had open (a lock, a pipe) stays held by us
    os.chdir(root)
    with contextlib.suppress(OSError):
        make_directory(Path(CACHE_DIR))
    lock = _lock(LOCK)  # held until this process ends: one server per repository
    if lock is None:
        return  # another server has it
    with contextlib.suppress(OSError):
        os.unlink(SOCKET)  # a stale socket: the server that bound it is gone (it held the lock)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o077)
    try:
        listener.bind(SOCKET)
    except OSError as exc:  # a filesystem without sockets: the hook stops starting servers here for a while
        _log(f"{_now()} cannot listen on {SOCKET}: {exc.strerror}; no server is started here before {RETRY_AFTER / 3600:.0f} hours")
        with contextlib.suppress(OSError), open(FAILED, "w", encoding="utf-8") as failed:
            failed.write(f"{exc.strerror}\n")
        return
    finally:
        os.umask(mask)
    ours = _file_id(SOCKET)
    server = _Server(os.getcwd())
    try:
        signal.signal(signal.SIGTERM, server.terminate)  # before the pid file tells anyone whom to kill
        signal.signal(signal.SIGINT, signal.default_int_handler)  # no terminal reaches us (setsid): a caller hanging up does
        with open(PID, "w", encoding="ascii") as pid:
            pid.write(f"{os.getpid()}\n")
        _log(f"{_now()} started: pid {os.getpid()}, stops after {idle:.0f} idle seconds")
        trees.keep()
        _warm_up(server.home, files)  # a call meanwhile is refused and runs in its own process (the lock stops a 2nd server)
        server.database = _database(server.home)  # the connection _warm_up opened is to this file
        listener.listen(64)
        listener.settimeout(min(idle / 4, TICK))
        last_call = time.monotonic()
        while not server.stopping:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if time.monotonic() - last_call >= idle or not _bound(os.path.join(server.home, SOCKET), ours):
                    break  # idle, or the socket is gone (the cache or the repository deleted, the repository moved)
                continue
            try:
                with conn:
                    if not server.answer(conn, listener):
                        break
            except KeyboardInterrupt:
                pass  # the caller hung up just as its call ended: nothing left to tell it
            last_call = time.monotonic()
    except _Stop:
        pass
    finally:
        with contextlib.suppress(OSError):
            if _bound(os.path.join(server.home, SOCKET), ours):
                os.unlink(os.path.join(server.home, SOCKET))
                os.unlink(os.path.join(server.home, PID))
        listener.close()


def _lock(path: str) -> int | None:
    """A descriptor of ``path`` holding its exclusive lock, or None when another process holds it (or it cannot be made)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _locked(path: str) -> bool:
    """A server holds the repository's lock, or no lock can be had there (no cache directory, or a read-only one)."""
    fd = _lock(path)
    if fd is None:
        return True
    os.close(fd)
    return False


def _failed_lately(path: str) -> bool:
    try:
        return time.time() - os.stat(path).st_mtime < RETRY_AFTER
    except OSError:
        return False


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


_OPEN_MAX = 65536
LEARN_MAX = 64  # files the first call hands a new server to read ahead (the memo keeps as many)...
LEARN_BYTES = 2_000_000  # ...up to this much source
TICK = 30.0  # seconds between looks at whether the socket is still ours while idle


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _bound(path: str, ours: tuple[int, int] | None) -> bool:
    """``path`` is still the socket this server bound."""
    return ours is not None and _file_id(path) == ours


class _Stop(BaseException):
    """SIGTERM between calls: unlike SystemExit, nothing on the way up mistakes it for an exit code."""


class _Server:
    def __init__(self, home: str) -> None:
        self.home = home
        self.database: tuple[int, int] | None = None  # the cache file the open connection is to
        self.busy = False
        self.stopping = False

    def terminate(self, *_) -> None:
        """SIGTERM: a call in progress is finished and answered first (its files are being written)."""
        self.stopping = True
        if not self.busy:
            raise _Stop

    def answer(self, conn: socket.socket, listener: socket.socket) -> bool:
        """Answer one call; False when this server should stop after it."""
        conn.settimeout(30.0)
        try:
            request = read_all(conn)
        except OSError:
            return True
        if not request:
            return True  # a liveness probe (a connection closed without a word)
        fields = request.split(b"\0")
        if len(fields) < 5 or fields[0] != PROTOCOL or fields[1] != identity() or os.fsdecode(fields[2]) != self.home:
            _send(conn, DECLINED)
            # Another version of the tool (make way for its own server), or our socket reached from another
            # directory: the repository was moved, and a server there must bind anew.
            return len(fields) < 5 or fields[0] != PROTOCOL  # (garbage is only declined)
        try:
            umask, argc = int(fields[3]), int(fields[4])
            argv = [os.fsdecode(f) for f in fields[5 : 5 + argc]]
            environ = dict(f.split(b"=", 1) for f in fields[5 + argc :] if b"=" in f and not f.startswith(b"="))
        except ValueError:
            _send(conn, DECLINED)
            return True
        started = time.perf_counter()
        self.busy = True  # until the answer is out: a SIGTERM meanwhile waits for it
        gc.disable()  # no collection pause while the caller waits: one runs after the answer is out
        try:
            code, out, err = self.run(conn, listener, argv, environ, umask)
            _send(conn, b"%d %d %d\n" % (code, len(out), len(err)) + out + err)
        finally:
            self.busy = False
            gc.enable()
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)  # the caller is done: log and look at the config after it left
        _log(f"{_now()} exit {code} in {(time.perf_counter() - started) * 1000:.0f} ms: {' '.join(argv)}")
        gc.collect()
        return not self.stopping and _still_wanted(self.home)

    def run(self, conn: socket.socket, listener: socket.socket, argv: list[str], environ: dict[bytes, bytes],
            umask: int) -> tuple[int, bytes, bytes]:
        """``telemetry-inject`` with the caller's argv, environment and umask; its exit code and output.

        A caller that hangs up (Ctrl-C) interrupts the run as Ctrl-C interrupts it in-process. Calls that
        arrive meanwhile (pre-commit's other processes for the same commit) are declined: they run in their own
        processes, in parallel, rather than wait for this one.
        """
        from telemetry_inject.cli import main
        from telemetry_inject.engine.run import close_caches

        close_caches(broken_only=_database(self.home) == self.database)  # reconnect when replaced; retry a locked one
        os.chdir(self.home)  # (a caller that hung up as the last call ended may have cut its clean-up short)
        saved = dict(os.environb)
        os.environb.clear()
        os.environb.update(environ)
        old_mask = os.umask(umask)
        out, err = io.StringIO(), io.StringIO()
        code = 130  # until main returns: whatever cuts the call short counts as an interruption
        done_read, done_write = os.pipe()  # written when the run is over: wakes the watcher at once
        watcher = threading.Thread(target=_watch, args=(conn, done_read, listener), daemon=True)
        watcher.start()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        except SystemExit as exc:  # main returns its codes; this is only for a stray sys.exit below it
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.write(done_write, b"x")
            watcher.join()
            os.close(done_read)
            os.close(done_write)
            if code == 130:
                close_caches()  # an interrupted call: start the next from a fresh connection, as a new process would
            self.database = _database(self.home)
            os.umask(old_mask)
            os.environb.clear()
            os.environb.update(saved)
            os.chdir(self.home)
        return code, out.getvalue().encode("utf-8", "surrogateescape"), err.getvalue().encode("utf-8", "surrogateescape")


def _watch(conn: socket.socket, done: int, listener: socket.socket) -> None:
    """While a call runs: interrupt it if its caller hangs up, and decline the calls that arrive."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLHUP)
    poller.register(done, select.POLLIN)
    poller.register(listener.fileno(), select.POLLIN)
    while True:
        ready = dict(poller.poll())
        if done in ready:
            return
        if conn.fileno() in ready:
            _thread.interrupt_main()  # a KeyboardInterrupt in the run: cli.main answers it with exit 130, files whole
            return
        _decline(listener)


def _decline(listener: socket.socket) -> None:
    try:
        other, _ = listener.accept()
    except OSError:
        return
    with other:
        other.settimeout(5.0)
        try:
            request = read_all(other)  # all of it: closing on unread bytes would reset the connection, not decline
        except OSError:
            return
        if request:  # (an empty one is a liveness probe)
            _send(other, DECLINED)


def _warm_up(home: str, files: list[str]) -> None:
    """Load what a first call would: the CLI, the engine, Python's grammar and query (other languages on first use),
    the cache's connection; then read ``files`` as a call would, so that the next commit touching them reparses only
    its edits."""
    from pathlib import PurePath

    import unidiff  # noqa: F401 - (engine/diff.py imports it on first use)

    from telemetry_inject import cli, hook  # noqa: F401
    from telemetry_inject.config import find_root, load_settings
    from telemetry_inject.engine import run
    from telemetry_inject.languages import language_for

    python = language_for(PurePath("x.py"))
    python.function_units(python.parser().parse(b"def f():\n    pass\n"), b"def f():\n    pass\n")  # grammar, query
    run.open_cache(Path(home)).has_file("")  # connects (a lookup of no file)
    try:
        run.remember_files([Path(name) for name in files], load_settings(find_root(Path(home))), LEARN_BYTES)
    except Exception:  # noqa: BLE001 - a head start only, never a reason to stop: the next call reads and reports for itself
        pass


def _database(home: str) -> tuple[int, int] | None:
    return _file_id(os.path.join(home, CACHE_DIR, "cache.sqlite3"))


def _still_wanted(home: str) -> bool:
    from telemetry_inject.config import find_root, hook_server_wanted, load_settings
    from telemetry_inject.errors import UserError

    try:
        return hook_server_wanted(load_settings(find_root(Path(home))), os.environ)
    except UserError:
        return False


def _send(conn: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the caller gave up (Ctrl-C): the files are written atomically either way
        conn.sendall(data)


def _log(line: str) -> None:
    with contextlib.suppress(OSError), open(LOG, "a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(line + "\n")


if __name__ == "__main__":
    serve(sys.argv[-1], float(os.environ.get("TELEMETRY_INJECT_HOOK_SERVER_IDLE", DEFAULT_IDLE)), sys.argv[1:-1])
