"""Whole-repo throughput on the Django sdist: `run` with every gate on vs the bare parse+query rate.

    .venv/bin/python bench/throughput.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tree_sitter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_tree, machine, median  # noqa: E402

from telemetry_inject.engine.inject import inject  # noqa: E402
from telemetry_inject.engine.source import SourceError  # noqa: E402
from telemetry_inject.languages import LANGUAGES  # noqa: E402

PYTHON = LANGUAGES["python"]
TOOL = Path(sys.executable).with_name("telemetry-inject")


def bare_rate(sources: list[bytes]) -> tuple[int, float]:
    parser = PYTHON.parser()
    query = PYTHON._query
    start = time.perf_counter()
    count = 0
    for source in sources:
        tree = parser.parse(source)
        count += len(tree_sitter.QueryCursor(query).captures(tree.root_node).get("function", []))
    return count, time.perf_counter() - start


def core_rate(sources: list[bytes]) -> tuple[int, float]:
    start = time.perf_counter()
    count = 0
    for source in sources:
        try:
            count += len(inject(source, PYTHON, b"from django import _telemetry_utils as _tel").instrumented)
        except SourceError:
            pass
    return count, time.perf_counter() - start


def cli_rate(tree: Path, jobs: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "django"
        shutil.copytree(tree, copy)
        subprocess.run(["git", "init", "-q", str(copy)], check=True)
        start = time.perf_counter()
        proc = subprocess.run([str(TOOL), "run", "--format", "json", "-j", str(jobs), "."], cwd=copy, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"telemetry-inject run failed: {proc.stderr}")
    return json.loads(proc.stdout)["summary"]["functions"], elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = django_tree()
    sources = [p.read_bytes() for p in sorted(tree.rglob("*.py"))]
    rows = []
    for label, measure in (
        ("bare tree-sitter parse + query (1 process)", lambda: bare_rate(sources)),
        ("inject() core, every gate on (1 process)", lambda: core_rate(sources)),
        ("`telemetry-inject run -j1 .` (CLI, writes files)", lambda: cli_rate(tree, 1)),
        ("`telemetry-inject run .` (CLI, all cores)", lambda: cli_rate(tree, 0)),
    ):
        runs = [measure() for _ in range(args.repeat)]
        functions = runs[0][0]
        rows.append((label, functions, median([t for _, t in runs])))
    bare = rows[0][1] / rows[0][2]
    print(f"Django {tree.name}: {len(sources)} files; {machine()}; median of {args.repeat}\n")
    print("| measurement | functions | seconds | functions/s | vs bare |")
    print("|---|---:|---:|---:|---:|")
    for label, functions, seconds in rows:
        rate = functions / seconds
        print(f"| {label} | {functions} | {seconds:.2f} | {rate:,.0f} | {rate / bare:.2f}× |")
    best = max(f / s for _, f, s in rows[2:])
    print(f"\ntarget: ≥ 15,000 functions/s and ≥ 0.7× bare → best CLI {best:,.0f}/s, {best / bare:.2f}× bare: {'PASS' if best >= 15000 and best >= 0.7 * bare else 'MISS'}")


if __name__ == "__main__":
    main()
