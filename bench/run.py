"""Every benchmark, one command: `.venv/bin/python bench/run.py` (tables of medians, same-run ratios)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["hook_latency.py", "throughput.py", "cache.py", "runtime_overhead.py", "runtime_overhead_go.py", "runtime_overhead_node.py", "llm_cost.py", "throughput_go.py", "throughput_js.py"]

if __name__ == "__main__":
    failed = 0
    for bench in BENCHES:
        print(f"\n## {bench}\n", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / bench), *sys.argv[1:]]).returncode != 0
    raise SystemExit(1 if failed else 0)
