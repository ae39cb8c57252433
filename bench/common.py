"""Shared bench helpers: the corpus download, medians, the machine line."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
DJANGO = "5.2.19"


def django_tree() -> Path:
    """The Django sdist, downloaded once from PyPI into bench/.work (gitignored)."""
    tree = WORK / f"django-{DJANGO}"
    if not tree.is_dir():
        WORK.mkdir(parents=True, exist_ok=True)
        archive = WORK / f"django-{DJANGO}.tar.gz"
        if not archive.exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", f"django=={DJANGO}", "-d", str(WORK)],
                check=True,
            )
        with tarfile.open(archive) as tar:
            tar.extractall(WORK, filter="data")
    return tree


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores {cpu}, Python {platform.python_version()}"


def core_rate(language, sources: list[bytes], import_line: bytes) -> tuple[int, float]:
    """Functions instrumented by the pure core (every gate on) over ``sources``, in one process: (count, seconds)."""
    import time

    from telemetry_inject.engine.inject import inject
    from telemetry_inject.engine.source import SourceError

    start = time.perf_counter()
    count = 0
    for source in sources:
        try:
            count += len(inject(source, language, import_line).instrumented)
        except SourceError:
            pass
    return count, time.perf_counter() - start


def cli_rate(tree: Path, jobs: int, targets: list[str] | None = None, ignore=None) -> tuple[int, float]:
    """`telemetry-inject run` on a git-initialised copy of ``tree``: (functions instrumented, seconds)."""
    import json
    import shutil
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / tree.name
        shutil.copytree(tree, copy, symlinks=True, ignore=ignore)
        subprocess.run(["git", "init", "-q", str(copy)], check=True)
        tool = Path(sys.executable).with_name("telemetry-inject")
        start = time.perf_counter()
        proc = subprocess.run([str(tool), "run", "--format", "json", "-j", str(jobs), *(targets or ["."])], cwd=copy, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"telemetry-inject run failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)["summary"]["functions"], elapsed
