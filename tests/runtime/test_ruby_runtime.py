"""The Ruby runtime copied into users' repositories, exercised with the real ruby.

``tests/runtime/ruby`` is a small program (``app.rb`` and ``lib/shapes.rb``) whose methods
carry the injected shape by hand (exactly the lines documented at the top of
telemetry_inject.rb; a test checks that).  It runs beside a copy of the runtime, always under
``ruby -w``; the same program with the shapes stripped runs too, and every mode must print the
same thing and exit the same way stripped, with telemetry off and with it on.  Each ruby launch
happens once per module (``launch`` memoizes), so a mode shared by several tests costs one run.

ruby comes from ``scripts/toolchains/ruby.sh``; without it these tests fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "telemetry_inject/runtimes/ruby/telemetry_inject.rb"
FIXTURES = Path(__file__).resolve().parent / "ruby"
KEYS = {"name", "trace_id", "span_id", "parent_span_id", "start_ns", "duration_ns", "status",
        "error.type", "error.message", "code.filepath", "code.lineno", "code.function",
        "code.namespace", "thread", "pid", "attributes"}

# What a verifier recognizes (and strip removes).  A string literal may not interpolate.
_STR = r'"(?:[^"\\\n#]|\\[^\n]|#(?![{@$]))*"'
OPEN = re.compile(rf"(?P<indent>[ \t]*)TelemetryInject\.span\((?P<name>{_STR}), (?P<file>{_STR}), (?P<line>\d+)\) do")
CLOSE = re.compile(r"(?P<indent>[ \t]*)end")
ATTR = re.compile(rf"(?P<indent>[ \t]*)TelemetryInject\.attr\((?P<key>{_STR})\) \{{ (?P<expr>.+) \}}")
REQUIRE = re.compile(r'require_relative "\.{1,2}/(?:\.\./)*(?:[\w.-]+/)*telemetry_inject"')
DEF = re.compile(r"(?P<indent>[ \t]*)(?:(?:private|protected|public|module_function) )?def "
                 r"(?P<name>(?:self\.)?[^\s(;]+?)(?=[\s(;]|$)")
MODES_ALIKE = [("shapes",), ("errors",), ("threads", "3", "20"), ("sampling",), ("fork", "exit"), ("fork", "exit!"),
               ("exit",), ("exit!",), ("process_exit!",), ("crash",)]
EXIT_CODES = {"exit": 3, "exit!": 4, "process_exit!": 5, "crash": 1}


def ruby() -> str:
    found = shutil.which("ruby")
    if found is None:
        pytest.fail("`ruby` is missing: run `bash scripts/toolchains/ruby.sh` (installs Debian's ruby), "
                    "then re-run these tests", pytrace=False)
    return found


def pairs_in(lines: list[str]) -> list[tuple[int, int, int]]:
    """(def line, OPEN line, CLOSE line), 0-based, for every instrumented method.

    CLOSE is the first `end` after OPEN at OPEN's indentation that is followed by the method's
    own `end` (at the `def`'s indentation)."""
    found = []
    for number, line in enumerate(lines):
        match = OPEN.fullmatch(line)
        if not match:
            continue
        header = number - 1
        while not DEF.match(lines[header]):
            header -= 1
        outer = DEF.match(lines[header])["indent"]
        close = next(i for i in range(number + 1, len(lines) - 1)
                     if lines[i] == match["indent"] + "end" and lines[i + 1] == outer + "end")
        found.append((header, number, close))
    return found


def strip(text: str) -> str:
    """The program as it was before instrumentation."""
    lines = text.split("\n")
    drop = {i for _, open_, close in pairs_in(lines) for i in (open_, close)}
    drop |= {i for i, line in enumerate(lines) if ATTR.fullmatch(line) or REQUIRE.fullmatch(line)}
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> SimpleNamespace:
    """The program beside the runtime, and the stripped program, both syntax-checked with -w."""
    base = tmp_path_factory.mktemp("ruby")
    app = base / "app"
    shutil.copytree(FIXTURES, app)
    shutil.copy(RUNTIME, app / "telemetry_inject.rb")
    original = base / "original"
    for path in FIXTURES.rglob("*.rb"):
        target = original / path.relative_to(FIXTURES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(strip(path.read_text()))
    checks = {}
    for root in (app, original):
        for path in sorted(root.rglob("*.rb")):
            proc = subprocess.run([ruby(), "-wc", str(path)], capture_output=True, text=True, timeout=60)
            checks[path.relative_to(base).as_posix()] = (proc.returncode, proc.stdout + proc.stderr)
    return SimpleNamespace(base=base, app=app, original=original, checks=checks, runs={})


def launch(build, mode: tuple[str, ...], variant: str = "on", **env: str):
    """Run ``ruby -w app.rb *mode`` once per (mode, variant, env); return (records, process).

    variant: "on" (JSON sink in a fresh file), "off" (nothing configured) or "original" (the
    stripped program).  ``env`` adds variables."""
    key = (mode, variant, tuple(sorted(env.items())))
    if key in build.runs:
        return build.runs[key]
    sink = build.base / f"spans{len(build.runs)}.jsonl"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_", "RUBY"))}
    if variant == "on":
        child_env["TELEMETRY_INJECT_OUT"] = str(sink)
    child_env.update(env)
    root = build.original if variant == "original" else build.app
    proc = subprocess.run([ruby(), "-w", "app.rb", *mode], cwd=root, env=child_env,
                          capture_output=True, text=True, timeout=120)
    records = []
    if sink.is_file():
        records = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    proc.sink = sink
    build.runs[key] = (records, proc)
    return records, proc


def check_schema(records, thread="main"):
    for r in records:
        assert set(r) == KEYS
        assert re.fullmatch(r"[0-9a-f]{32}", r["trace_id"]) and r["trace_id"] != "0" * 32
        assert re.fullmatch(r"[0-9a-f]{16}", r["span_id"]) and r["span_id"] != "0" * 16
        assert r["parent_span_id"] is None or re.fullmatch(r"[0-9a-f]{16}", r["parent_span_id"])
        assert isinstance(r["start_ns"], int) and r["start_ns"] > 1_600_000_000 * 10**9
        assert isinstance(r["duration_ns"], int) and r["duration_ns"] >= 0
        assert r["status"] in ("OK", "ERROR") and (r["status"] == "ERROR") == (r["error.type"] is not None)
        assert (r["error.type"] is None) == (r["error.message"] is None)
        assert thread is None or r["thread"] == thread
        assert isinstance(r["pid"], int) and r["pid"] > 0
        owner, function = re.fullmatch(r"(.*?(?:::)?[^:#.]*)[#.](.+)", r["name"]).groups()
        assert (r["code.namespace"], r["code.function"]) == (owner, function)
        assert r["attributes"]["service.name"] == "unknown_service"
    assert len({r["span_id"] for r in records}) == len(records)


def links(records):
    ids = {r["span_id"]: r for r in records}
    return [(r["name"], ids[r["parent_span_id"]]["name"] if r["parent_span_id"] else None) for r in records]


# --- the shapes -----------------------------------------------------------------


def test_fixtures_use_exactly_the_documented_shapes():
    """Every line naming the runtime is OPEN, CLOSE, an attribute or the require; OPEN follows
    the `def` line(s) at the body's indentation (the def's, with method-level rescue/else/ensure)
    and CLOSE precedes the method's `end`; LINE is the def's line, FILE the path."""
    files = sorted(FIXTURES.rglob("*.rb"))
    assert [p.relative_to(FIXTURES).as_posix() for p in files] == ["app.rb", "lib/shapes.rb"]
    total = 0
    for path in files:
        lines = path.read_text().split("\n")
        relative = path.relative_to(FIXTURES).as_posix()
        pairs = pairs_in(lines)
        total += len(pairs)
        for header, open_, close in pairs:
            where = f"{relative}:{open_ + 1}"
            match = OPEN.fullmatch(lines[open_])
            assert int(match["line"]) == header + 1, f"{where}: LINE should be {header + 1}"
            assert json.loads(match["file"]) == relative, where
            name = json.loads(match["name"])
            defined = DEF.match(lines[header])["name"]
            separators = "." if defined.startswith("self.") else "#."  # "#." : `class << self` methods
            assert re.search(rf"[{separators}]{re.escape(defined.removeprefix('self.'))}$", name), where
            assert all(not line.strip() or re.match(r"\s*(?:\)|\w+:.*,?)$", line) for line in lines[header + 1:open_]), \
                f"{where}: OPEN goes right after the def header"
            body = lines[open_ + 1:close]
            outer = DEF.match(lines[header])["indent"]
            clauses = any(re.fullmatch(rf"{outer}(?:rescue|else|ensure)\b.*", line) for line in body)
            assert match["indent"] == (outer if clauses else min(
                (re.match(r"[ \t]*", line)[0] for line in body if line.strip()), key=len)), where
        for number, line in enumerate(lines):
            if "TelemetryInject" in line and not OPEN.fullmatch(line):
                assert ATTR.fullmatch(line), f"{relative}:{number + 1}: {line!r}"
            if "telemetry_inject" in line:
                assert REQUIRE.fullmatch(line), f"{relative}:{number + 1}: {line!r}"
    assert total >= 30
    # Interpolation would run code: the string pattern refuses it.
    assert not OPEN.fullmatch('  TelemetryInject.span("A#{system(1)}", "a.rb", 1) do')
    assert OPEN.fullmatch('  TelemetryInject.span("A#b", "a.rb", 1) do')


def test_runtime_and_programs_are_warning_free(build):
    for name, (code, output) in build.checks.items():
        assert (code, output) == (0, "Syntax OK\n"), name
    assert set(build.checks) >= {"app/telemetry_inject.rb", "app/app.rb", "original/lib/shapes.rb"}
    assert "TelemetryInject" not in (build.original / "lib/shapes.rb").read_text()


# --- behaviour --------------------------------------------------------------------


def _backtrace_lines_of_the_runtime(text: str) -> str:
    # The two `span` definitions (off, on) are different lines of telemetry_inject.rb.
    return re.sub(r"telemetry_inject\.rb:\d+", "telemetry_inject.rb", text)


@pytest.mark.parametrize("mode", MODES_ALIKE, ids=lambda m: "-".join(m))
def test_program_behaves_the_same_stripped_off_and_on(build, mode):
    _, original = launch(build, mode, "original")
    _, off = launch(build, mode, "off")
    _, on = launch(build, mode, "on")
    assert original.returncode == off.returncode == on.returncode == EXIT_CODES.get(mode[0], 0)
    assert original.stdout == off.stdout == on.stdout
    assert _backtrace_lines_of_the_runtime(off.stderr) == _backtrace_lines_of_the_runtime(on.stderr)
    if mode[0] == "crash":
        assert "fatal: crash (ArgumentError)" in original.stderr and "fatal: crash (ArgumentError)" in on.stderr
    else:
        assert original.stderr == on.stderr == ""  # ruby -w: not one warning


def test_method_semantics_inside_the_block(build):
    records, proc = launch(build, ("shapes",))
    seen = proc.stdout.splitlines()
    assert seen == [
        '"hey ANN? [1, 2] blk:ANN"',  # implicit super: current argument values and the block
        '"hello BOB? [] -"',
        '"missing:dyn_ping:[1]"', "true", ":nope",  # method_missing / respond_to_missing? and super
        "[6, 18, 8]", "3",  # each with and without a block (block_given?, yield)
        "9", ":none", "[3, 4]",  # return from inside an iterator's block; multiple values
        "17", "9", '"renamed"', "true",
        '[:who, "Shop::Cart", false]', '[:who, "Shop::Cart", true]',  # __method__, block_given?
        ":else_value", "-1", "-1",  # method-level rescue/else/ensure/retry
        '"boom"', "42", ":thrown", "900",  # ensure only; throw/catch; a caller's break
        ":private_value", '"Set"', "3", "false",
        '["parsed", "ensure", "invalid value for Integer(): \\"x\\"", "ensure", '
        '"invalid value for Integer(): \\"retry\\"", "ensure", "cleaned", "cleaned"]',
    ]
    check_schema(records)
    pairs = links(records)
    assert ("Shop::Cart#greet", "Object#shapes") in pairs and ("Shop::Base#greet", "Shop::Cart#greet") in pairs
    assert ("Shop::Cart#initialize", "Shop::Cart.build") in pairs and ("Shop::Base#initialize", "Shop::Cart#initialize") in pairs
    assert ("Shop::Cart#secret", "Shop::Cart#call_secret") in pairs and ("Shop::Cart.registry", "Object#shapes") in pairs
    # each.next runs `each` in the Enumerator's fiber: a fiber starts with no parent, and this
    # one is never resumed to the end, so its span never ends.
    assert pairs.count(("Shop::Cart#each", "Object#shapes")) == 3
    statuses = {}
    for r in records:
        statuses.setdefault(r["name"], set()).add((r["status"], r["error.type"], r["error.message"]))
    assert statuses["Shop::Cart#parse"] == {("OK", None, None)}  # the method rescued it itself
    assert statuses["Shop::Cart#cleanup"] == {("OK", None, None), ("ERROR", "KeyError", "boom")}
    assert statuses["Shop::Base#method_missing"] == {("OK", None, None), ("ERROR", "NoMethodError", statuses[
        "Shop::Base#method_missing"].difference({("OK", None, None)}).pop()[2])}
    assert statuses["Shop::Cart#jump"] == statuses["Shop::Cart#first_over"] == {("OK", None, None)}
    assert "Shop::Cart#size" not in statuses and "Shop::Cart#empty?" not in statuses  # not instrumented
    root = next(r for r in records if r["name"] == "Object#shapes")
    for r in records:
        assert r["trace_id"] == root["trace_id"]
        assert root["start_ns"] <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] <= root["start_ns"] + root["duration_ns"]
    assert (root["code.filepath"], root["code.lineno"], root["code.namespace"], root["code.function"]) == \
        ("app.rb", 11, "Object", "shapes")
    build_span = next(r for r in records if r["name"] == "Shop::Cart.build")
    source = (FIXTURES / build_span["code.filepath"]).read_text().splitlines()
    assert source[build_span["code.lineno"] - 1].strip() == "def self.build(*items)"
    assert (build_span["code.namespace"], build_span["code.function"]) == ("Shop::Cart", "build")


def test_errors_are_recorded_and_reraised_as_the_same_object(build):
    records, proc = launch(build, ("errors",))
    # The rescuer gets the very object raised, its cause and its backtrace's first line.
    assert proc.stdout.splitlines() == ["true", '"bad input"', '"KeyError"', '"raise $thrown"', '"exit 0"']
    check_schema(records)
    failed = [(r["name"], r["error.type"], r["error.message"]) for r in records if r["status"] == "ERROR"]
    assert failed == [("Object#fails", "AppError", "bad input")] * 3
    pairs = links(records)
    assert pairs.count(("Object#fails", "Object#fails")) == 2 and ("AppError#initialize", "Object#fails") in pairs
    leave = next(r for r in records if r["name"] == "Shop::Cart#leave")
    assert leave["status"] == "OK"  # SystemExit, like Python's, is not an error of the span


def test_attributes_are_lazy_redacted_truncated_and_never_raise(build):
    records, proc = launch(build, ("attributes",))
    assert proc.stdout == "ok evaluated=1\n" and proc.stderr == ""
    (record,) = records
    attrs = record["attributes"]
    assert list(attrs)[:2] == ["service.name", "user.id"]
    assert attrs["user.id"] == 42 and attrs["cart.total"] == 9.5 and attrs["flag"] is True
    assert attrs["big"] == 10**30 and attrs["nan"] == "NaN" and attrs["nothing"] == "nil"
    assert attrs["sym"] == ":ready" and attrs["list"] == '[1, "a", nil]' and attrs["lazy"] == 1
    for name in ("db.password", "X-Api-KEY", "Session_Cookie", "auth_header"):
        assert attrs[name] == "[REDACTED]"
    assert attrs["body"] == "x" * 255 + "…" and attrs["emoji"] == "\U0001F600" * 255 + "…"
    assert attrs["quote"] == 'say "hi"\n\t\x01' and attrs["binary"] == "café \ufffd"
    assert "broken" not in attrs and "unprintable" not in attrs  # the block (NotImplementedError: no StandardError) or inspect raised


@pytest.mark.parametrize("env", [{}, {"TELEMETRY_INJECT": "off", "TELEMETRY_INJECT_OUT": "spans.jsonl"}],
                         ids=["nothing-configured", "off"])
def test_off_writes_nothing_and_evaluates_no_attribute(build, env):
    records, proc = launch(build, ("off", "2000"), "off", **env)
    assert proc.returncode == 0 and proc.stdout.split()[0] == str(sum(range(2000))) and proc.stderr == ""
    assert proc.stdout.split()[-1] == "evaluated=0"
    assert records == [] and not (build.app / "spans.jsonl").exists()


def test_forced_on_writes_to_stderr(build):
    _, proc = launch(build, ("attributes",), "off", TELEMETRY_INJECT="on")
    assert proc.stdout == "ok evaluated=1\n"
    (record,) = [json.loads(line) for line in proc.stderr.splitlines()]
    assert record["name"] == "Object#attributes" and record["attributes"]["user.id"] == 42


@pytest.mark.parametrize(("rate", "expected"), [("0", 0), ("1", 1200), ("nonsense", 1200)])
def test_sampling_rates(build, rate, expected):
    records, proc = launch(build, ("sampling",), TELEMETRY_INJECT_SAMPLE=rate)
    assert proc.stdout == f"sum={sum(range(400)) + 400}\n"
    assert len(records) == expected


def test_sampling_decides_per_trace(build):
    records, _ = launch(build, ("sampling",), TELEMETRY_INJECT_SAMPLE="0.5")
    traces = {}
    for r in records:
        traces.setdefault(r["trace_id"], []).append(r)
    assert 130 < len(traces) < 270  # 400 roots at one half
    for spans in traces.values():
        assert sorted(r["name"] for r in spans) == ["Object#leaf", "Object#leaf", "Object#root"]


def test_service_name_and_version_from_the_environment(build):
    records, _ = launch(build, ("attributes",), OTEL_SERVICE_NAME="checkout",
                        OTEL_RESOURCE_ATTRIBUTES="service.version=1.2%2E3,team=x")
    (record,) = records
    assert list(record["attributes"].items())[:3] == [("service.name", "checkout"), ("service.version", "1.2.3"),
                                                      ("user.id", 42)]


def test_many_spans_across_flushes_keep_every_record(build):
    records, proc = launch(build, ("many", "3000"))
    total, before, after, evaluated = proc.stdout.split()
    assert int(total) == sum(range(3000)) and evaluated == "evaluated=3000"
    assert len(records) == 3001
    check_schema(records)
    (root,) = [r for r in records if r["name"] == "Object#many"]
    assert all(r["parent_span_id"] == root["span_id"] and r["trace_id"] == root["trace_id"]
               for r in records if r is not root)
    assert sorted(r["attributes"]["i"] for r in records if r is not root) == list(range(3000))
    slack = 1_000_000  # the wall clock is read once per flush; spans are timed by the monotonic one
    for r in records:
        assert int(before) - slack <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] <= int(after) + slack


def test_threads_have_their_own_parent_links_and_lose_no_record(build):
    records, proc = launch(build, ("threads", "8", "400"))
    assert proc.stdout == f"total={8 * sum(range(400))}\n"
    assert len(records) == 8 + 8 * 400
    check_schema(records, thread=None)
    ids = {r["span_id"]: r for r in records}
    works = [r for r in records if r["name"] == "Object#work"]
    assert all(r["parent_span_id"] is None for r in works) and len({r["trace_id"] for r in works}) == 8
    for r in records:
        if r["name"] == "Object#leaf":
            parent = ids[r["parent_span_id"]]
            assert parent["name"] == "Object#work" and parent["thread"] == r["thread"]
    # Spans that end before Thread#name= runs are named after the thread object.
    assert all(r["thread"] == f"worker-{r['attributes']['worker']}" or r["thread"].startswith("thread-") for r in works)


@pytest.mark.parametrize(("mode", "names"), [
    ("exit", ["Object#dies", "Object#finished"]),  # SystemExit leaves through the span (status OK)
    ("exit!", ["Object#finished"]),  # exit! skips at_exit and ensure: flushed by the exit! hook
    ("process_exit!", ["Object#finished"]),
    ("crash", ["Object#dies", "Object#finished"]),
])
def test_flushed_at_exit(build, mode, names):
    records, _ = launch(build, (mode,))
    assert sorted(r["name"] for r in records) == names
    dies = next((r for r in records if r["name"] == "Object#dies"), None)
    if mode == "crash":
        assert (dies["status"], dies["error.type"], dies["error.message"]) == ("ERROR", "ArgumentError", "fatal: crash")
    elif dies is not None:
        assert dies["status"] == "OK"


@pytest.mark.parametrize("how", ["exit", "exit!"])
def test_forked_child_writes_its_own_spans_only(build, how):
    records, proc = launch(build, ("fork", how))
    assert proc.stdout == "child 0\n"
    check_schema(records)
    assert sorted(r["name"] for r in records) == ["Object#leaf"] * 3 + ["Object#spawn_child"]
    leaves = {r["attributes"]["i"]: r for r in records if r["name"] == "Object#leaf"}
    spawn = next(r for r in records if r["name"] == "Object#spawn_child")
    # The parent's buffered span is written once; the span the child inherited (and left by
    # `exit`) is written by the parent only; the child's own span links to it.
    assert leaves[1]["pid"] == leaves[3]["pid"] == spawn["pid"] != leaves[2]["pid"]
    assert leaves[2]["parent_span_id"] == spawn["span_id"] and leaves[2]["trace_id"] == spawn["trace_id"]
    assert len({r["span_id"] for r in records}) == 4


def test_sink_failure_never_reaches_user_code(build):
    sink = build.base / "a_directory"
    sink.mkdir()
    records, proc = launch(build, ("many", "3000"), "off", TELEMETRY_INJECT_OUT=str(sink))
    assert proc.returncode == 0 and proc.stdout.startswith(f"{sum(range(3000))} ") and proc.stderr == ""
    assert records == []


def test_a_second_copy_of_the_runtime_defers_to_the_first(build, tmp_path):
    for copy in ("a", "b"):
        (tmp_path / copy).mkdir()
        shutil.copy(RUNTIME, tmp_path / copy / "telemetry_inject.rb")
    script = ('require_relative "a/telemetry_inject"; require_relative "b/telemetry_inject"; '
              'p TelemetryInject.span("Object#x", "x.rb", 1) { 5 }')
    (tmp_path / "two.rb").write_text(script)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_", "RUBY"))}
    proc = subprocess.run([ruby(), "-w", "two.rb"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**env, "TELEMETRY_INJECT_OUT": "spans.jsonl"})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "5\n", "")  # no "already initialized constant"
    (record,) = [json.loads(line) for line in (tmp_path / "spans.jsonl").read_text().splitlines()]
    assert record["name"] == "Object#x" and record["code.namespace"] == "Object"
