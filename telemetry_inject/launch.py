"""The ``telemetry-inject`` console script: hand a hook call to a running hook server, else start the CLI.

Unless the config says ``hook-server = false`` (or ``TELEMETRY_INJECT_HOOK_SERVER=off``,
or a CI service runs the hook), the first hook call starts a
server for the repository (``telemetry_inject.hook.server``) and later calls
only ask it: this module then imports nothing but ``os``, ``sys`` and
``_socket``, so a commit pays for the interpreter's start and not for loading
the engine. Any trouble with the server (none running, another version,
declined) falls back to running the hook here, with the same result.
"""
from __future__ import annotations

import os
import sys

from telemetry_inject import __version__

SOCKET = ".telemetry_cache/hook.sock"  # relative to the repository root, where pre-commit runs hooks
PROTOCOL = b"telemetry-inject-hook/1"
SWITCH = "TELEMETRY_INJECT_HOOK_SERVER"
INTERRUPTED = "telemetry-inject: interrupted; every file is either as it was or fully written"
ANSWER_TIMEOUT = 900.0  # seconds; a whole-repository hook run on a slow machine stays well under this


def main() -> int:
    argv = sys.argv[1:]
    tolerant_stdout()
    if argv[:1] == ["hook"] and os.path.exists(SOCKET) and not switched_off(os.environ):  # a stat: the cost of a call when no server runs
        answered = ask_server(argv)
        if answered is not None:
            return answered
    from telemetry_inject.cli import main as cli_main

    return cli_main(argv)


def tolerant_stdout() -> None:
    """A name stdout cannot encode (a non-UTF-8 file name, a narrow locale) is escaped, never an internal error."""
    if getattr(sys.stdout, "errors", None) == "strict" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def switched_off(environ) -> bool:  # (a Mapping[str, str]; no typing import on this path)
    """``TELEMETRY_INJECT_HOOK_SERVER=off`` (or 0, false, no): no hook server for this call, whatever the config says."""
    return environ.get(SWITCH, "").strip().lower() in ("off", "0", "false", "no")


def identity() -> bytes:
    """What a server must share with its client: this version of the tool, in this interpreter, as installed now."""
    return b"%s %s %d" % (__version__.encode(), os.fsencode(sys.executable), os.stat(__file__).st_mtime_ns)


def ask_server(argv: list[str]) -> int | None:
    """The server's exit code after it wrote its output here; None when no server of ours will take the call.

    Once a server has taken the call it may have written files, so a reply
    that never comes is exit 1 (the commit stops), not a second run here.
    """
    import _socket

    if not hasattr(_socket, "AF_UNIX") or not _ours(SOCKET):
        return None  # Windows (a socket left under WSL), or a socket someone else put there
    umask = os.umask(0)
    os.umask(umask)
    environ = dict(os.environb)
    if b"COLUMNS" not in environ and sys.stdout.isatty():  # what argparse wraps --help to, here as in-process
        size = os.get_terminal_size(sys.stdout.fileno())
        environ[b"COLUMNS"], environ[b"LINES"] = b"%d" % size.columns, b"%d" % size.lines
    request = b"\0".join([PROTOCOL, identity(), os.fsencode(os.getcwd()), b"%d" % umask, b"%d" % len(argv),
                          *map(os.fsencode, argv), *(key + b"=" + value for key, value in environ.items())])
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            sock.settimeout(ANSWER_TIMEOUT)
            sock.connect(SOCKET)
            if not _same_user(sock):
                return None
            sock.sendall(request)
            sock.shutdown(_socket.SHUT_WR)
        except OSError:  # nobody behind the socket (a stale file): run here instead
            return None
        try:
            reply = read_all(sock)
        except OSError:
            reply = b""
    except KeyboardInterrupt:  # closing the socket tells the server to stop, as Ctrl-C would stop a run here
        print(INTERRUPTED, file=sys.stderr)
        return 130
    finally:
        sock.close()
    head, _, body = reply.partition(b"\n")
    fields = head.split(b" ")
    if fields[:1] == [b"declined"]:
        return None
    if len(fields) != 3 or not all(f.isdigit() for f in fields) or len(body) != int(fields[1]) + int(fields[2]):
        print("telemetry-inject: the hook server stopped during this call; its files may have changed: run the commit again",
              file=sys.stderr)
        return 1
    out_size = int(fields[1])
    sys.stdout.write(body[:out_size].decode("utf-8", "surrogateescape"))  # through this process's own encoding
    sys.stdout.flush()
    sys.stderr.write(body[out_size:].decode("utf-8", "surrogateescape"))
    sys.stderr.flush()
    return int(fields[0])


def _ours(path: str) -> bool:
    """A socket file owned by this user (anyone able to write to the repository could have put one there)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return info.st_mode & 0o170000 == 0o140000 and info.st_uid == os.geteuid()


def _same_user(sock) -> bool:
    """The process behind the socket runs as this user (Linux tells; elsewhere the file's owner must do)."""
    import _socket

    option = getattr(_socket, "SO_PEERCRED", None)
    if option is None:
        return True
    credentials = sock.getsockopt(_socket.SOL_SOCKET, option, 12)  # struct ucred: pid, uid, gid as C ints
    return int.from_bytes(credentials[4:8], sys.byteorder) == os.geteuid()


def read_all(sock) -> bytes:
    """Everything the other end sends until it shuts its side down."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
