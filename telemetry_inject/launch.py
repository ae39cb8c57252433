"""The ``telemetry-inject`` console script: hand a hook call to a running hook server, else start the CLI.

With ``hook-server = true`` in the config, the first hook call starts a
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
ANSWER_TIMEOUT = 900.0  # seconds; a whole-repository hook run on a slow machine stays well under this


def main() -> int:
    argv = sys.argv[1:]
    if argv[:1] == ["hook"] and os.path.exists(SOCKET):
        answered = ask_server(argv)
        if answered is not None:
            return answered
    from telemetry_inject.cli import main as cli_main

    return cli_main(argv)


def identity() -> bytes:
    """What a server must share with its client: this version of the tool, in this interpreter, as installed now."""
    return b"%s %s %d" % (__version__.encode(), os.fsencode(sys.executable), os.stat(__file__).st_mtime_ns)


def ask_server(argv: list[str]) -> int | None:
    """The server's exit code after it wrote its output here; None when it cannot or will not answer."""
    import _socket

    if not hasattr(_socket, "AF_UNIX"):
        return None  # a socket left by a server under WSL, seen from Windows
    umask = os.umask(0)
    os.umask(umask)
    request = b"\0".join([PROTOCOL, identity(), os.fsencode(os.getcwd()), b"%d" % umask, b"%d" % len(argv),
                          *map(os.fsencode, argv), *(key + b"=" + value for key, value in os.environb.items())])
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(ANSWER_TIMEOUT)
        sock.connect(SOCKET)
        sock.sendall(request)
        sock.shutdown(_socket.SHUT_WR)
        reply = _read_all(sock)
    except OSError:  # no server behind the socket (a stale file), or it died: run here instead
        return None
    finally:
        sock.close()
    head, _, body = reply.partition(b"\n")
    fields = head.split(b" ")
    if len(fields) != 3 or fields[0] == b"declined":
        return None
    code, out_size = int(fields[0]), int(fields[1])
    sys.stdout.buffer.write(body[:out_size])
    sys.stdout.flush()
    sys.stderr.buffer.write(body[out_size:])
    sys.stderr.flush()
    return code


def _read_all(sock) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
