from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


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


def pythonpath_env(*paths: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    return env
