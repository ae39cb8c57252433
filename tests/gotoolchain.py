"""The go toolchain for tests: the binary (or a clear failure, never a skip) and an offline environment."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def go_binary() -> str:
    found = shutil.which("go") or next((str(p) for p in [Path("/usr/lib/go/bin/go")] if p.is_file()), None)
    if found is None:
        pytest.fail("the go toolchain is missing: run `bash scripts/toolchains/go.sh` "
                    "(installs Debian's golang-go), then re-run these tests", pytrace=False)
    return found


def toolchain_env() -> dict:
    """Offline (GOPROXY=off: standard library only) with the build cache in the git-ignored .toolchains/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_", "GO"))}
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOSUMDB="off", GOTOOLCHAIN="local",
               GO111MODULE="on", GOCACHE=str(REPO / ".toolchains/go-cache"),
               GOPATH=str(REPO / ".toolchains/gopath"), TELEMETRY_INJECT_HOOK_SERVER="off")
    return env


def check(cmd: list[str], cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env or toolchain_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout
