"""JavaScript and TypeScript instrumentation throughput on large real code bases from npm:
lodash's sources (JS) and rxjs's `src/` (TS), `inject()` and the CLI against the bare parse rate.

    .venv/bin/python bench/throughput_js.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import WORK, cli_rate, core_rate, machine, median  # noqa: E402

from telemetry_inject.languages import LANGUAGES  # noqa: E402

CORPORA = [  # (npm package, language, files under the package)
    ("lodash@4.17.21", "javascript", "*.js"),
    ("rxjs@7.8.2", "typescript", "src/**/*.ts"),
]


def corpus(spec: str) -> Path:
    """The package's files, npm-packed once into bench/.work."""
    name = spec.replace("@", "-")
    tree = WORK / name
    if not tree.is_dir():
        WORK.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(["npm", "pack", "--silent", spec], cwd=WORK, capture_output=True, text=True, check=True).stdout.split()[-1]
        with tarfile.open(WORK / packed) as tar:
            tar.extractall(WORK / (name + ".tmp"), filter="data")
        (WORK / (name + ".tmp") / "package").rename(tree)
        shutil.rmtree(WORK / (name + ".tmp"))
    return tree


def parse_rate(language, sources: list[bytes]) -> tuple[int, float]:
    parser = language.parser()
    start = time.perf_counter()
    for source in sources:
        parser.parse(source)
    return len(sources), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{machine()}; median of {args.repeat}\n")
    print("| code base | measurement | files or functions | seconds | per second |")
    print("|---|---|---:|---:|---:|")
    for spec, name, pattern in CORPORA:
        language = LANGUAGES[name]
        tree = corpus(spec)
        paths = sorted(p for p in tree.glob(pattern) if p.is_file() and not p.name.endswith(".d.ts"))
        sources = [p.read_bytes() for p in paths]
        line = b'const _tel = require("./_telemetry_utils.cjs");' if name == "javascript" else b'import * as _tel from "./_telemetry_utils.mjs";'
        for label, measure, unit in (
            ("bare tree-sitter parse (1 process)", lambda: parse_rate(language, sources), "files"),
            ("inject() core, every gate on (1 process)", lambda: core_rate(language, sources, line), "functions"),
            ("`telemetry-inject run .` (CLI, all cores)", lambda: cli_rate(tree, 0, sorted({p.relative_to(tree).parts[0] for p in paths})), "functions"),
        ):
            runs = [measure() for _ in range(args.repeat)]
            count, seconds = runs[0][0], median([t for _, t in runs])
            print(f"| {spec} ({len(paths)} files) | {label} | {count} {unit} | {seconds:.2f} | {count / seconds:,.0f} |")


if __name__ == "__main__":
    main()
