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
