"""Per-call overhead of the JS runtime (`_telemetry_utils.cjs`) on Node.

Run: .venv/bin/python bench/runtime_overhead_node.py [RUNTIME_DIR]

RUNTIME_DIR (default: the runtime in this checkout) holds `_telemetry_utils.cjs` and
`.mjs`, so another copy can be timed for a before/after comparison.

Each configuration runs in a fresh `node` process (bench/runtime_overhead_node.mjs), so the
environment applies at load.  A sync function and an async function, plain and in the
injected shapes, are called in batches of 1000 inside a traced root (every record has a
parent link through AsyncLocalStorage); after each batch `flush()` writes the batch's
records and is timed apart, so the table shows the span bookkeeping on the caller's path
and the formatting and writing of its record separately, and their sum.  Medians of the
repeats; "added" and "×" compare with the plain function of the same run.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNTIME = HERE.parent / "telemetry_inject/runtimes/js"
DRIVER = HERE / "runtime_overhead_node.mjs"
LOOPS = 100_000  # sync calls per repeat; the async loop makes a fifth of that
REPEATS = 7
TARGET_NS = 150  # added per call with parent links on (the target)

# name, mode, extra environment
CONFIGS = [
    ("plain", "plain", {}),
    ("off", "traced", {}),
    ("sink", "traced", {"TELEMETRY_INJECT_OUT": "<tmp>"}),
]


def measure(mode: str, env_extra: dict, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    for key, value in env_extra.items():
        env[key] = str(workdir / "spans.jsonl") if value == "<tmp>" else value
    out = subprocess.run(["node", str(DRIVER), mode, str(LOOPS), str(REPEATS), str(workdir)],
                         env=env, cwd=workdir, capture_output=True, text=True, check=True)
    raw = json.loads(out.stdout)
    return {kind: {part: statistics.median(values) for part, values in parts.items()}
            for kind, parts in raw.items()}


def main() -> int:
    if shutil.which("node") is None:
        print("node is not on PATH (see scripts/toolchains/node.sh)", file=sys.stderr)
        return 2
    runtime = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else RUNTIME
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"runtime: {runtime}")
    print(f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | "
          f"cpus={os.cpu_count()} | node {version}\n")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name in ("_telemetry_utils.cjs", "_telemetry_utils.mjs"):
            shutil.copy(runtime / name, workdir / name)
        results = {mode_name: measure(mode, env, workdir) for mode_name, mode, env in CONFIGS}
        sink_file = workdir / "spans.jsonl"
        lines = sink_file.read_text().count("\n") if sink_file.exists() else 0

    plain, off, sink = results["plain"], results["off"], results["sink"]
    rows = [
        ("plain function", {k: plain[k]["calls"] for k in ("sync", "async")}),
        ("instrumented, runtime off (default)", {k: off[k]["calls"] for k in ("sync", "async")}),
        ("instrumented, sink + parent links: span bookkeeping",
         {k: sink[k]["calls"] for k in ("sync", "async")}),
        ("instrumented, sink + parent links: + format & write its record",
         {k: sink[k]["calls"] + sink[k]["flush"] for k in ("sync", "async")}),
    ]
    print("| configuration | sync ns/call | sync added | sync × plain | async ns/call | async added | async × plain |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in rows:
        cells = []
        for kind in ("sync", "async"):
            base = plain[kind]["calls"]
            cells += [f"{values[kind]:.0f}", f"{values[kind] - base:+.0f}", f"{values[kind] / base:.1f}×"]
        print(f"| {name} | " + " | ".join(cells) + " |")

    print(f"\ntarget: ≤{TARGET_NS} ns added per call with parent links on")
    for kind in ("sync", "async"):
        base = plain[kind]["calls"]
        hot = sink[kind]["calls"] - base
        total = sink[kind]["calls"] + sink[kind]["flush"] - base
        print(f"- {kind}: span bookkeeping {hot:+.0f} ns: {'PASS' if hot <= TARGET_NS else 'MISS'}; "
              f"with the record written {total:+.0f} ns: {'PASS' if total <= TARGET_NS else 'MISS'}")
    print(f"\nJSONL sink wrote {lines} records (every call, the roots, the warm-up).")
    print(f"median of {REPEATS} repeats per configuration; {LOOPS} sync / {LOOPS // 5} async calls per repeat.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
