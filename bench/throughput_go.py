"""Go instrumentation throughput on a large real Go code base: the Go standard library's sources
(Debian's golang-go, non-test files), `inject()` and the CLI against the bare parse+query rate.

    .venv/bin/python bench/throughput_go.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import tree_sitter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cli_rate, core_rate, machine, median  # noqa: E402

from telemetry_inject.languages import LANGUAGES  # noqa: E402

GO = LANGUAGES["go"]
STDLIB = Path("/usr/lib/go/src")  # scripts/toolchains/go.sh installs it
TESTDATA = shutil.ignore_patterns("testdata")


def sources_of(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.go") if "testdata" not in p.parts and not p.name.endswith("_test.go"))


def bare_rate(sources: list[bytes]) -> tuple[int, float]:
    parser = GO.parser()
    start = time.perf_counter()
    count = 0
    for source in sources:
        tree = parser.parse(source)
        count += len(tree_sitter.QueryCursor(GO._query).captures(tree.root_node).get("function", []))
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tree = STDLIB.resolve()
    if not tree.is_dir():
        raise SystemExit("the Go sources are missing: run `bash scripts/toolchains/go.sh`")
    sources = [p.read_bytes() for p in sources_of(tree)]
    rows = []
    for label, measure in (
        ("bare tree-sitter parse + query (1 process)", lambda: bare_rate(sources)),
        ("inject() core, every gate on (1 process)", lambda: core_rate(GO, sources, b'import _tel "std/internal/telemetry"')),
        ("`telemetry-inject run -j1 .` (CLI, writes files)", lambda: cli_rate(tree, 1, ignore=TESTDATA)),
        ("`telemetry-inject run .` (CLI, all cores)", lambda: cli_rate(tree, 0, ignore=TESTDATA)),
    ):
        runs = [measure() for _ in range(args.repeat)]
        rows.append((label, runs[0][0], median([t for _, t in runs])))
    bare = rows[0][1] / rows[0][2]
    print(f"Go standard library ({tree}): {len(sources)} files; {machine()}; median of {args.repeat}\n")
    print("| measurement | functions | seconds | functions/s | vs bare |")
    print("|---|---:|---:|---:|---:|")
    for label, functions, seconds in rows:
        rate = functions / seconds
        print(f"| {label} | {functions} | {seconds:.2f} | {rate:,.0f} | {rate / bare:.2f}× |")
    print("\n(bare counts every function with a body; the others count those instrumented: one-line bodies, "
          "compiler directives and generated files are skipped)")


if __name__ == "__main__":
    main()
