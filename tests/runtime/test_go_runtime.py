"""The Go runtime copied into a module and exercised with the real go toolchain.

``tests/runtime/go/app`` is a small module whose functions carry the injected
shape by hand (``defer telemetry.Start("pkg.Func").End()``, one file importing
the runtime under the alias ``_tel``). It is copied to a temporary directory
with the runtime at ``internal/telemetry/telemetry.go``, checked with gofmt and
go vet, and built once (the program, and the ``worker`` tests with -race);
each test then runs the binaries with its own environment and reads back the
JSON Lines written.

The toolchain comes from ``scripts/toolchains/go.sh``; without it these tests
fail. Module downloads are never needed (standard library only, GOPROXY=off),
and the build cache lives in the git-ignored ``.toolchains/go-cache``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from gotoolchain import check, go_binary

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "telemetry_inject/runtimes/go/telemetry.go"
APP = Path(__file__).resolve().parent / "go/app"
KEYS = {"name", "trace_id", "span_id", "parent_span_id", "start_ns", "duration_ns", "status",
        "error.type", "error.message", "code.filepath", "code.lineno", "code.function",
        "code.namespace", "thread", "pid", "attributes"}


@pytest.fixture(scope="module")
def module(tmp_path_factory) -> SimpleNamespace:
    """The fixture module with the runtime installed, formatted, vetted and built."""
    go = go_binary()
    root = tmp_path_factory.mktemp("gomod") / "app"
    shutil.copytree(APP, root)
    (root / "internal/telemetry").mkdir(parents=True)
    shutil.copy(RUNTIME, root / "internal/telemetry/telemetry.go")
    gofmt = Path(go).resolve().parent / "gofmt"
    unformatted = check([str(gofmt) if gofmt.is_file() else "gofmt", "-l", "."], root)
    check([go, "vet", "./..."], root)
    check([go, "build", "-o", "app.bin", "."], root)
    check([go, "test", "-c", "-race", "-o", "worker.test", "./worker"], root)
    return SimpleNamespace(root=root, app=root / "app.bin", worker=root / "worker.test",
                           unformatted=unformatted)


def run(module, tmp_path: Path, *args: str, out: str | None = "spans.jsonl", binary=None,
        expect: int = 0, **env: str):
    """Run the app (or another binary) in tmp_path; return (records, stdout, stderr)."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    out_path = tmp_path / out if out else None
    if out_path is not None:
        child_env["TELEMETRY_INJECT_OUT"] = str(out_path)
    child_env.update(env)
    proc = subprocess.run([str(binary or module.app), *args], cwd=tmp_path, env=child_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == expect, proc.stdout + proc.stderr
    records = []
    if out_path is not None and out_path.is_file():
        records = [json.loads(line) for line in out_path.read_text().splitlines()]
    return records, proc.stdout, proc.stderr


def by_name(records) -> dict:
    return {r["name"]: r for r in records}


def func_line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def test_runtime_and_instrumented_code_are_gofmt_clean_and_vet_clean(module):
    # go vet and go build ran in the fixture (a failure fails every test).
    assert module.unformatted == ""
    assert RUNTIME.read_text() == (module.root / "internal/telemetry/telemetry.go").read_text()


def test_records_schema_parent_links_methods_and_generics(module, tmp_path):
    records, out, _ = run(module, tmp_path, "nested")
    _, plain, _ = run(module, tmp_path, "nested", out=None)
    assert out == plain == "5 3 5 2 [x xx] 3\n"
    assert len(records) == 12
    for r in records:
        assert set(r) == KEYS
        assert re.fullmatch("[0-9a-f]{32}", r["trace_id"]) and re.fullmatch("[0-9a-f]{16}", r["span_id"])
        assert r["status"] == "OK" and r["error.type"] is None and r["error.message"] is None
        assert r["thread"] == "goroutine 1" and isinstance(r["pid"], int)
        assert r["attributes"] == {"service.name": "unknown_service"}
        assert r["duration_ns"] >= 0 and r["start_ns"] > 1_600_000_000 * 10**9
    assert len({r["trace_id"] for r in records}) == 1
    assert len({r["span_id"] for r in records}) == 12
    recs = by_name(records)
    ids = {r["span_id"]: r["name"] for r in records}
    parents = sorted((r["name"], ids.get(r["parent_span_id"])) for r in records)
    assert parents == sorted([
        ("main.main", None), ("main.nested", "main.main"),
        ("main.outer", "main.nested"), ("main.inner", "main.outer"), ("main.inner", "main.outer"),
        ("shapes.Counter.Add", "main.nested"), ("shapes.Counter.Add", "main.nested"),
        ("shapes.Stack.Push", "main.nested"), ("shapes.Stack.Push", "main.nested"),
        ("shapes.Map", "main.nested"), ("shapes.Pair.Sum", "main.nested"),
        ("main.report", "main.nested"),  # the file importing the runtime as _tel
    ])
    shapes = module.root / "shapes/shapes.go"
    expected = {
        "shapes.Counter.Add": ("(*Counter).Add", "func (c *Counter) Add"),
        "shapes.Pair.Sum": ("Pair.Sum", "func (p Pair) Sum"),
        "shapes.Map": ("Map[...]", "func Map["),
        "shapes.Stack.Push": ("(*Stack[...]).Push", "func (s *Stack[T]) Push"),
    }
    for name, (function, line_start) in expected.items():
        r = recs[name]
        assert r["code.function"] == function and r["code.namespace"] == "example.com/app/shapes"
        assert r["code.filepath"] == str(shapes) and r["code.lineno"] == func_line(shapes, line_start)
    assert recs["main.report"]["code.namespace"] == "main"
    assert recs["main.report"]["code.filepath"] == str(module.root / "alias.go")
    assert recs["main.outer"]["start_ns"] <= min(r["start_ns"] for r in records if r["name"] == "main.inner")


def test_a_goroutine_started_inside_a_span_starts_its_own_trace(module, tmp_path):
    records, out, _ = run(module, tmp_path, "goroutines")
    assert out == "[1 2 3]\n"
    fan_out = by_name(records)["main.fanOut"]
    works = [r for r in records if r["name"] == "main.work"]
    inners = [r for r in records if r["name"] == "main.inner"]
    assert len(works) == len(inners) == 3
    assert fan_out["thread"] == "goroutine 1"
    for work in works:  # roots of their own traces, on their own goroutines
        assert work["parent_span_id"] is None
        assert work["trace_id"] != fan_out["trace_id"] and work["thread"] != "goroutine 1"
    assert len({w["trace_id"] for w in works}) == len({w["thread"] for w in works}) == 3
    work_by_id = {w["span_id"]: w for w in works}
    for inner in inners:  # nested under the goroutine's root
        work = work_by_id[inner["parent_span_id"]]
        assert (inner["trace_id"], inner["thread"]) == (work["trace_id"], work["thread"])


def test_panics_are_recorded_and_reach_outer_recovers_unchanged(module, tmp_path):
    records, out, _ = run(module, tmp_path, "recovered")
    _, plain, _ = run(module, tmp_path, "recovered", out=None, TELEMETRY_INJECT="off")
    assert out == plain
    assert out.splitlines() == [
        "*main.AppError app error: bad input true",  # the same pointer reached recover()
        "false",  # panic(nil) stayed a panic: the caller's return was not reached
        "runtime error: index out of range [5] with length 3",
        "recovered: inside",
        "with cleanup",
        "via helper",  # recovered by an instrumented deferred helper
    ]
    recs = by_name(records)
    for name in ("main.thrower", "main.mid"):  # the innermost recovered; mid saw the re-panic
        assert (recs[name]["status"], recs[name]["error.type"], recs[name]["error.message"]) == (
            "ERROR", "*main.AppError", "app error: bad input")
    assert recs["main.nilPanics"]["status"] == "ERROR"
    assert recs["main.indexes"]["error.type"] == "runtime.boundsError"
    assert recs["main.panicsWithCleanup"]["error.message"] == "with cleanup"
    for name in ("main.selfRecover", "main.cleanup", "main.handlePanic", "main.recovered"):
        assert recs[name]["status"] == "OK" and recs[name]["error.type"] is None
    assert recs["main.cleanup"]["parent_span_id"] == recs["main.panicsWithCleanup"]["span_id"]


def _normalized(stderr: str) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x?", stderr)


def test_unrecovered_panic_crashes_with_its_value_after_writing_the_spans(module, tmp_path):
    _, _, plain = run(module, tmp_path, "crash", out=None, TELEMETRY_INJECT="off", expect=2)
    records, _, crashed = run(module, tmp_path, "crash", expect=2)
    assert plain.startswith("panic: fatal thing\n\ngoroutine 1 [running]:\n")
    # One recover/re-panic however many instrumented frames the panic leaves.
    assert crashed.startswith(("panic: fatal thing [recovered]\n\tpanic: fatal thing\n",
                               "panic: fatal thing [recovered, repanicked]\n"))
    assert crashed.count("[recovered") == 1
    assert "main.explode()" in crashed  # the original panic site is still in the trace
    recs = by_name(records)
    assert set(recs) == {"main.before", "main.explode", "main.crashRoot", "main.main"}
    assert recs["main.before"]["status"] == "OK"
    for name in ("main.explode", "main.crashRoot", "main.main"):
        assert (recs[name]["status"], recs[name]["error.type"], recs[name]["error.message"]) == (
            "ERROR", "*errors.errorString", "fatal thing")

    records, _, passive = run(module, tmp_path, "crash", out="passive.jsonl",
                              TELEMETRY_INJECT_RECOVER="off", expect=2)
    assert _normalized(passive) == _normalized(plain)
    recs = by_name(records)
    assert (recs["main.explode"]["status"], recs["main.explode"]["error.type"],
            recs["main.explode"]["error.message"]) == ("ERROR", "panic", None)


def test_goexit_from_t_failnow_is_not_a_panic_and_concurrent_use_is_race_free(module, tmp_path):
    records, out, _ = run(module, tmp_path, "-test.v", binary=module.worker, expect=1)
    assert "--- FAIL: TestFailNow" in out and "deferred in test ran" in out
    assert "after FailNow" not in out and "panic" not in out
    assert "--- PASS: TestConcurrent" in out and "DATA RACE" not in out
    assert "--- PASS: TestPositive" in out
    exits = [r for r in records if r["attributes"].get("go.goexit")]
    assert len(exits) == 1 and exits[0]["name"] == "worker.MustPositive"
    assert exits[0]["status"] == "OK" and exits[0]["error.type"] is None
    tagged = [r for r in records if r["name"] == "worker.Tagged"]
    assert len(tagged) == 800 and len(records) == 1 + 1 + 1600
    assert sorted(r["attributes"]["x"] for r in tagged) == sorted(list(range(1, 101)) * 8)
    by_id = {r["span_id"]: r for r in tagged}
    children = [r for r in records if r["parent_span_id"] in by_id]
    assert len(children) == 800 and all(by_id[c["parent_span_id"]]["thread"] == c["thread"] for c in children)

    quiet = tmp_path / "off"
    quiet.mkdir()
    _, out, _ = run(module, quiet, "-test.run", "TestOffIsAllocationFree", "-test.v",
                    binary=module.worker, out=None)
    assert "allocation-free" in out and list(quiet.iterdir()) == []


def test_off_unless_configured_and_the_switches(module, tmp_path):
    _, out, err = run(module, tmp_path, "nested", out=None)
    assert out == "5 3 5 2 [x xx] 3\n" and err == ""
    assert list(tmp_path.iterdir()) == []
    records, _, err = run(module, tmp_path, "nested", TELEMETRY_INJECT="off")
    assert records == [] and list(tmp_path.iterdir()) == [] and err == ""
    _, out, err = run(module, tmp_path, "nested", out=None, TELEMETRY_INJECT="on")
    assert out == "5 3 5 2 [x xx] 3\n" and list(tmp_path.iterdir()) == []
    assert len([json.loads(line) for line in err.splitlines()]) == 12
    run(module, tmp_path, "nested", out=None, TELEMETRY_INJECT_OUT="relative.jsonl")
    assert len((tmp_path / "relative.jsonl").read_text().splitlines()) == 12


def test_sampling_is_per_trace(module, tmp_path):
    records, _, _ = run(module, tmp_path, "sample", TELEMETRY_INJECT_SAMPLE="0")
    assert records == []
    records, _, _ = run(module, tmp_path, "sample", out="all.jsonl", TELEMETRY_INJECT_SAMPLE="1")
    assert len(records) == 1 + 200 * 3
    records, _, _ = run(module, tmp_path, "sample", out="half.jsonl", TELEMETRY_INJECT_SAMPLE="0.5")
    roots = {r["span_id"]: r for r in records if r["name"] == "main.root"}
    leaves = [r for r in records if r["name"] == "main.leaf"]
    assert 50 < len(roots) < 150
    assert len(leaves) == 2 * len(roots)
    assert all(roots[leaf["parent_span_id"]]["trace_id"] == leaf["trace_id"] for leaf in leaves)


def test_parent_links_off_gives_flat_roots_written_when_main_returns(module, tmp_path):
    # main.main is instrumented: its end writes the buffer when no roots are tracked.
    records, out, _ = run(module, tmp_path, "nested", TELEMETRY_INJECT_PARENTS="off")
    assert out == "5 3 5 2 [x xx] 3\n" and len(records) == 12
    assert all(r["parent_span_id"] is None and r["thread"] is None for r in records)
    assert len({r["trace_id"] for r in records}) == 12

    records, out, _ = run(module, tmp_path, "recovered", out="recovered.jsonl", TELEMETRY_INJECT_PARENTS="off")
    assert out.splitlines()[0] == "*main.AppError app error: bad input true"
    recs = by_name(records)
    assert recs["main.thrower"]["error.type"] == recs["main.mid"]["error.type"] == "*main.AppError"
    _, _, crashed = run(module, tmp_path, "crash", out="crash.jsonl", TELEMETRY_INJECT_PARENTS="off", expect=2)
    assert crashed.startswith("panic: fatal thing") and crashed.count("[recovered") == 1


def test_attributes_lazy_redacted_truncated_and_service(module, tmp_path):
    records, out, _ = run(module, tmp_path, "attrs", OTEL_SERVICE_NAME="checkout",
                          OTEL_RESOURCE_ATTRIBUTES="service.version=1.2%2B3,deployment=x")
    # order.id evaluated once (then overridden), api_token never evaluated,
    # Attr outside any span never evaluated, the body ran once.
    assert out.split() == ["1", "0", "0", "1"]
    attrs = by_name(records)["main.enriched"]["attributes"]
    note = attrs.pop("customer.note")
    assert len(note) == 256 and note.endswith("é…")
    assert attrs == {"service.name": "checkout", "service.version": "1.2+3", "order.id": 70,
                     "api_token": "[REDACTED]", "Session-Cookie": "[REDACTED]", "ratio": 0.25,
                     "ok": True, "nan": "NaN", "err": "no such order"}  # "broken" panicked: dropped
    assert by_name(records)["main.enriched"]["status"] == "OK"

    _, out, _ = run(module, tmp_path, "attrs", out=None)
    assert out.split() == ["0", "0", "0", "1"]  # off: no value function runs


def test_many_spans_from_goroutines_across_buffer_flushes(module, tmp_path):
    before = time.time_ns()
    records, _, _ = run(module, tmp_path, "load")
    after = time.time_ns()
    assert len(records) == 1 + 5 * 501
    assert len({r["span_id"] for r in records}) == len(records)
    roots = {r["span_id"]: r for r in records if r["name"] == "main.root"}
    assert len(roots) == 5 and len({r["thread"] for r in roots.values()}) == 5
    for r in records:
        assert before <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] <= after
        if r["name"] == "main.leaf":
            parent = roots[r["parent_span_id"]]
            assert (r["trace_id"], r["thread"]) == (parent["trace_id"], parent["thread"])


def test_flush_before_os_exit_writes_the_finished_spans(module, tmp_path):
    records, _, _ = run(module, tmp_path, "exit", expect=3)
    # Still open at os.Exit (never written): main.main and main.openRoot.
    assert sorted(r["name"] for r in records) == ["main.leaf", "main.leaf", "main.root"]
