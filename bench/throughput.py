"""Whole-repo throughput on the Django sdist: `run` with every gate on vs the bare parse+query rate.

    .venv/bin/python bench/throughput.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import tree_sitter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cli_rate, core_rate, django_tree, machine, median  # noqa: E402

from telemetry_inject.languages import LANGUAGES  # noqa: E402

PYTHON = LANGUAGES["python"]


def bare_rate(sources: list[bytes]) -> tuple[int, float]:
    parser = PYTHON.parser()
    query = PYTHON._query
    start = time.perf_counter()
    count = 0
    for source in sources:
        tree = parser.parse(source)
        count += len(tree_sitter.QueryCursor(query).captures(tree.root_node).get("function", []))
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = django_tree()
    sources = [p.read_bytes() for p in sorted(tree.rglob("*.py"))]
    rows = []
    for label, measure in (
        ("bare tree-sitter parse + query (1 process)", lambda: bare_rate(sources)),
        ("inject() core, every gate on (1 process)", lambda: core_rate(PYTHON, sources, b"from django import _telemetry_utils as _tel")),
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
