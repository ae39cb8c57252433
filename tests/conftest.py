from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SERVER_OFF = {"TELEMETRY_INJECT_HOOK_SERVER": "off"}  # the hook starts no server here; tests of the server remove this
os.environ.update(SERVER_OFF)  # (for in-process hook calls and every child process that inherits this environment)
TEN = "\n\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(10))  # a module of ten functions


def git(cwd: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check).stdout


def decorated(path: Path) -> list[str]:
    """Names of the functions in ``path`` that carry the injected decorator, in order."""
    lines = path.read_text().splitlines()
    return [lines[i + 1].split("(")[0].strip().removeprefix("def ") for i, line in enumerate(lines) if line.strip() == "@_tel.span"]


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty real git repository with an identity, as a user's checkout would be."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.email", "dev@example.com"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "Dev"], check=True)
    return tmp_path


@pytest.fixture
def chdir(monkeypatch: pytest.MonkeyPatch):
    def _chdir(path: Path) -> None:
        monkeypatch.chdir(path)

    return _chdir


def run_on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, bytes]:
    """Run ``args`` with stderr on a pseudo-terminal, as a user at a terminal sees it, and stdout piped:
    (the finished process, every byte the terminal showed)."""
    import pty

    primary, secondary = pty.openpty()
    proc = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=secondary, timeout=120)
    os.close(secondary)
    return proc, terminal_output(primary)


def terminal_output(primary: int) -> bytes:
    """Every byte a pseudo-terminal showed, once its other side is closed (then ``primary`` is closed too)."""
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    return shown


def pythonpath_env(*paths: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    return env
