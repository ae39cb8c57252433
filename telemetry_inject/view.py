"""``telemetry-inject view FILE.jsonl``: the call tree and the hottest functions."""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from telemetry_inject.errors import UserError


def load_spans(path: Path) -> list[dict]:
    spans = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read telemetry: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            record["name"], record["span_id"], record["duration_ns"]  # noqa: B018 - required fields
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{path}:{number}: not a telemetry-inject JSON Lines record") from None
        spans.append(record)
    return spans


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.3f} ms"


def write_tree(spans: list[dict], out: TextIO, max_lines: int = 200) -> None:
    by_id = {s["span_id"]: s for s in spans}
    children: dict[str | None, list[dict]] = defaultdict(list)
    for span in spans:
        parent = span.get("parent_span_id")
        children[parent if parent in by_id else None].append(span)
    for siblings in children.values():
        siblings.sort(key=lambda s: (s.get("start_ns", 0), s["span_id"]))
    printed = 0

    def walk(span: dict, depth: int) -> None:
        nonlocal printed
        if printed >= max_lines:
            return
        error = f"  ✗ {span.get('error.type')}: {span.get('error.message')}" if span.get("status") == "ERROR" else ""
        out.write(f"{'  ' * depth}{span['name']}  {_ms(span['duration_ns'])}{error}\n")
        printed += 1
        for child in children.get(span["span_id"], []):
            walk(child, depth + 1)

    for root in children[None]:
        walk(root, 0)
    if printed >= max_lines:
        out.write(f"… ({len(spans) - printed} more spans)\n")


def write_hottest(spans: list[dict], out: TextIO, top: int = 15) -> None:
    durations: dict[str, list[int]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for span in spans:
        durations[span["name"]].append(span["duration_ns"])
        errors[span["name"]] += span.get("status") == "ERROR"
    rows = sorted(durations.items(), key=lambda kv: -sum(kv[1]))[:top]
    width = max((len(name) for name, _ in rows), default=8)
    out.write(f"{'function':<{width}}  {'calls':>6}  {'errors':>6}  {'total':>12}  {'median':>12}\n")
    for name, values in rows:
        out.write(f"{name:<{width}}  {len(values):>6}  {errors[name]:>6}  {_ms(sum(values)):>12}  {_ms(int(statistics.median(values))):>12}\n")


def view(path: Path, out: TextIO, fmt: str) -> int:
    spans = load_spans(path)
    if fmt == "json":
        json.dump({"spans": len(spans), "traces": len({s.get("trace_id") for s in spans})}, out)
        out.write("\n")
        return 0
    out.write(f"{len(spans)} spans in {len({s.get('trace_id') for s in spans})} traces from {path}\n\ncall tree:\n")
    write_tree(spans, out)
    out.write("\nhottest functions (by total time):\n")
    write_hottest(spans, out)
    return 0
