"""Per-call overhead of the Go runtime (`telemetry.go`), measured with `go test -bench`.

Run: .venv/bin/python bench/runtime_overhead_go.py [RUNTIME.go]

RUNTIME.go (default: the runtime in this checkout) lets the same bench time
another copy, e.g. the committed one for a before/after comparison.

A temporary module gets the runtime at internal/telemetry and a benchmark
calling a tiny leaf function, plain or instrumented, from inside an
instrumented root span (so with the sink every leaf record carries a parent
link). The test binary is built once; each configuration is a separate run of
it (the environment is read at start-up), COUNT processes per configuration,
and the table shows the median ns/op. Buffer writes happen inside the timed loop. The
go toolchain comes from scripts/toolchains/go.sh.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNTIME = REPO / "telemetry_inject/runtimes/go/telemetry.go"
COUNT = 5

BENCH = """package bench

import (
	"testing"

	"example.com/bench/internal/telemetry"
)

//go:noinline
func plain(x int) int { return x + 1 }

//go:noinline
func leaf(x int) int {
	defer telemetry.Start("bench.leaf").End()
	return x + 1
}

var sink int

func root(b *testing.B, f func(int) int) {
	defer telemetry.Start("bench.root").End()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink += f(i)
	}
}

// deep calls root under n more frames: runtime.Stack, used for parent
// links, formats the whole stack.
func deep(n int, b *testing.B, f func(int) int) {
	if n == 0 {
		root(b, f)
		return
	}
	deep(n-1, b, f)
	sink++
}

func BenchmarkPlain(b *testing.B)        { root(b, plain) }
func BenchmarkInstrumented(b *testing.B) { root(b, leaf) }
func BenchmarkDeep(b *testing.B)         { deep(20, b, leaf) }
"""

# name, benchmark, environment ("<tmp>": the sink file), iterations per run
CONFIGS = [
    ("plain call", "Plain", {}, 20_000_000),
    ("TELEMETRY_INJECT=off", "Instrumented", {"TELEMETRY_INJECT": "off"}, 20_000_000),
    ("instrumented, nothing configured", "Instrumented", {}, 20_000_000),
    ("JSONL sink, TELEMETRY_INJECT_PARENTS=off", "Instrumented",
     {"TELEMETRY_INJECT_OUT": "<tmp>", "TELEMETRY_INJECT_PARENTS": "off"}, 100_000),
    ("JSONL sink + parent links (default)", "Instrumented", {"TELEMETRY_INJECT_OUT": "<tmp>"}, 100_000),
    ("JSONL sink + parent links, 20 frames deeper", "Deep", {"TELEMETRY_INJECT_OUT": "<tmp>"}, 40_000),
    ("JSONL sink + parent links, sampled out (SAMPLE=0)", "Instrumented",
     {"TELEMETRY_INJECT_OUT": "<tmp>", "TELEMETRY_INJECT_SAMPLE": "0"}, 100_000),
]


def go_binary() -> str | None:
    return shutil.which("go") or next(
        (str(p) for p in [Path("/usr/lib/go/bin/go")] if p.is_file()), None)


def toolchain_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_", "GO"))}
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOSUMDB="off", GOTOOLCHAIN="local",
               GOCACHE=str(REPO / ".toolchains/go-cache"), GOPATH=str(REPO / ".toolchains/gopath"))
    return env


def measure(binary: Path, bench: str, env_extra: dict, loops: int, workdir: Path) -> tuple[float, float]:
    """Median ns/op and allocs/op over COUNT runs (processes) of one benchmark."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    sink = workdir / "spans.jsonl"
    for key, value in env_extra.items():
        env[key] = str(sink) if value == "<tmp>" else value
    rows = []
    for _ in range(COUNT):  # one process each, so every run starts with an empty sink file
        out = subprocess.run([str(binary), "-test.run", "^$", "-test.bench", f"^Benchmark{bench}$",
                              "-test.benchmem", "-test.benchtime", f"{loops}x"],
                             env=env, cwd=workdir, capture_output=True, text=True, check=True).stdout
        found = re.findall(r"^Benchmark\S+\s+\d+\s+([\d.]+) ns/op\s+\d+ B/op\s+(\d+) allocs/op", out, re.M)
        assert len(found) == 1, out
        rows.append(found[0])
        sink.unlink(missing_ok=True)
    return statistics.median(float(ns) for ns, _ in rows), statistics.median(int(a) for _, a in rows)


def main() -> int:
    runtime = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else RUNTIME
    go = go_binary()
    if go is None:
        print("go toolchain not found: run `bash scripts/toolchains/go.sh`", file=sys.stderr)
        return 2
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"runtime: {runtime}")
    print(f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | "
          f"cpus={os.cpu_count()} | {version}\n")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        module = Path(tmp) / "bench"
        (module / "internal/telemetry").mkdir(parents=True)
        shutil.copy(runtime, module / "internal/telemetry/telemetry.go")
        (module / "go.mod").write_text("module example.com/bench\n\ngo 1.19\n")
        (module / "bench_test.go").write_text(BENCH)
        subprocess.run([go, "test", "-c", "-o", "bench.test", "."], cwd=module, env=toolchain_env(),
                       check=True)
        for name, bench, env, loops in CONFIGS:
            results[name] = measure(module / "bench.test", bench, env, loops, module)
    plain = results["plain call"][0]
    print("| configuration | ns/call | added vs plain | allocs/call |")
    print("|---|---:|---:|---:|")
    for name, _bench, _env, _loops in CONFIGS:
        ns, allocs = results[name]
        added = "—" if name == "plain call" else f"{ns - plain:+.1f}"
        print(f"| {name} | {ns:.1f} | {added} | {allocs:g} |")
    print(f"\nmedian of {COUNT} runs (processes) per configuration; leaf calls inside an "
          "instrumented root span, sink writes inside the timed loop.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
