"""Per-call overhead of the Python runtime (`_telemetry_utils`).

Run: .venv/bin/python bench/runtime_overhead.py [RUNTIME.py]

RUNTIME.py (default: the runtime in this checkout) lets the same bench time
another copy, e.g. the committed one for a before/after comparison:
``git show HEAD:telemetry_inject/runtimes/python/_telemetry_utils.py > /tmp/old.py``.

Each configuration runs in a fresh interpreter (so environment variables apply
at import), times a tight loop several times and keeps the median.  The
instrumented leaf calls run inside an instrumented root span, so with the JSON
sink every record carries a parent link; buffer flushes (JSON encoding and the
file write) are inside the timed loop.
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

RUNTIME = Path(__file__).resolve().parents[1] / "telemetry_inject/runtimes/python/_telemetry_utils.py"
REPEATS = 7

CHILD = r"""
import json, sys, time
mode, loops, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def leaf(x):
    return x

def run(call):
    perf = time.perf_counter_ns
    t0 = perf()
    for _ in range(loops):
        call(1)
    return (perf() - t0) / loops

results = []
if mode == "plain":
    results = [run(leaf) for _ in range(repeats)]
elif mode == "otel-sdk":
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    tracer = TracerProvider().get_tracer("bench")  # no processor: spans are built, then dropped
    def with_span(x):
        with tracer.start_as_current_span("leaf"):
            return leaf(x)
    with tracer.start_as_current_span("root"):
        plain = statistics_median = None
        results = [run(with_span) for _ in range(repeats)]
else:
    import _telemetry_utils as _tel
    if mode == "otel-bridge":
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        trace.set_tracer_provider(TracerProvider())
        _tel.refresh()
    wrapped = _tel.span(leaf)
    if mode == "off":
        assert wrapped is leaf, "TELEMETRY_INJECT=off must return the function itself"

    @_tel.span
    def root():
        return [run(wrapped) for _ in range(repeats)]

    results = root()
    _tel.flush()
print(json.dumps(results))
"""

# name, mode, extra environment, loops
CONFIGS = [
    ("plain call", "plain", {}, 200_000),
    ("TELEMETRY_INJECT=off (identity)", "off", {"TELEMETRY_INJECT": "off"}, 200_000),
    ("instrumented, no sink", "nosink", {}, 200_000),
    ("instrumented, JSONL sink + parent link", "sink", {"TELEMETRY_INJECT_OUT": "<tmp>"}, 100_000),
    ("instrumented, OTel SDK provider (bridge)", "otel-bridge", {}, 20_000),
    ("OTel SDK span (start_as_current_span)", "otel-sdk", {}, 20_000),
]
TARGETS = {"nosink": ("added", 100), "sink": ("added", 500)}  # plus: sink >= 15x cheaper than an OTel SDK span


def measure(mode: str, env_extra: dict, loops: int, workdir: Path) -> float:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    for key, value in env_extra.items():
        env[key] = str(workdir / "spans.jsonl") if value == "<tmp>" else value
    env["PYTHONPATH"] = str(workdir)
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(loops), str(REPEATS)],
                         env=env, cwd=workdir, capture_output=True, text=True, check=True)
    return statistics.median(json.loads(out.stdout))


def main() -> int:
    runtime = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else RUNTIME
    print(f"runtime: {runtime}")
    print(f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | "
          f"cpus={os.cpu_count()} | python {platform.python_version()} ({sys.executable})\n")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        shutil.copy(runtime, workdir / "_telemetry_utils.py")
        for name, mode, env, loops in CONFIGS:
            results[mode] = measure(mode, env, loops, workdir)
        sink_file = workdir / "spans.jsonl"
        lines = sink_file.read_text().count("\n") if sink_file.exists() else 0
    plain, otel = results["plain"], results["otel-sdk"]
    print("| configuration | ns/call | added vs plain | ratio vs OTel SDK span | target |")
    print("|---|---:|---:|---:|---|")
    for name, mode, _env, _loops in CONFIGS:
        ns = results[mode]
        added = ns - plain
        ratio = (otel - plain) / added if added > 0 else float("inf")
        target = ""
        if mode in TARGETS:
            _kind, limit = TARGETS[mode]
            target = f"≤{limit} ns added: {'PASS' if added <= limit else 'MISS'}"
        if mode == "off":
            target = "returns the function itself (asserted): PASS"
        if mode == "sink":
            target += f"; ≥15× cheaper than OTel: {'PASS' if ratio >= 15 else 'MISS'}"
        ratio_text = "—" if mode in ("plain", "otel-sdk") else (
            "∞" if ratio == float("inf") else f"{ratio:.1f}× cheaper")
        print(f"| {name} | {ns:.0f} | {added:+.0f} | {ratio_text} | {target} |")
    print(f"\nJSONL sink wrote {lines} records (leaf spans with a parent, plus roots).")
    print(f"median of {REPEATS} repeats per configuration; 'ratio' compares added cost.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
