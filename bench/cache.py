"""The content-hash cache: a rerun of `run` over the whole Django tree, warm cache vs none.

    .venv/bin/python bench/cache.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_tree, machine, median  # noqa: E402

TOOL = Path(sys.executable).with_name("telemetry-inject")


def run(cwd: Path, *flags: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([str(TOOL), "run", *flags, "."], cwd=cwd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cold, warm, uncached = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "django"
            shutil.copytree(django_tree(), tree)
            subprocess.run(["git", "init", "-q", str(tree)], check=True)
            cold.append(run(tree))  # instruments everything, fills the cache
            warm.append(run(tree))  # every file is a known fixed point
            uncached.append(run(tree, "--no-cache"))  # the same rerun, parsing and checking every file
    print(f"Django sdist, whole tree; {machine()}; median of {args.repeat}\n")
    print("| run | median s | vs cold |\n|---|---:|---:|")
    for label, values in (("cold: first run, empty cache", cold), ("rerun, warm cache", warm), ("rerun, --no-cache", uncached)):
        print(f"| {label} | {median(values):.2f} | {median(values) / median(cold):.2f}× |")
    print(f"\nwarm rerun is {median(uncached) / median(warm):.1f}× faster than the same rerun without the cache")


if __name__ == "__main__":
    main()
