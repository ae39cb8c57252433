"""The Java runtime copied into users' source trees, exercised with the real javac and java.

``tests/runtime/java/src`` is a small program whose methods carry the injected shape by hand
(exactly the lines documented at the top of Telemetry.java; a test checks that).  It is copied
to a temporary source root with the runtime at ``telemetry_inject/Telemetry.java`` and compiled
once with ``javac -Xlint:all -Werror``; the same program with the shapes stripped is compiled
too, and every mode must print the same thing and exit the same way stripped, with telemetry
off and with it on.  Each JVM launch happens once per module (``launch`` memoizes), so a mode
shared by several tests costs one run.

javac/java come from ``scripts/toolchains/java.sh``; without them these tests fail.
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
RUNTIME = REPO / "telemetry_inject/runtimes/java/telemetry_inject/Telemetry.java"
FIXTURES = Path(__file__).resolve().parent / "java/src"
KEYS = {"name", "trace_id", "span_id", "parent_span_id", "start_ns", "duration_ns", "status",
        "error.type", "error.message", "code.filepath", "code.lineno", "code.function",
        "code.namespace", "thread", "pid", "attributes"}

# What a verifier recognizes (and strip removes): whole lines.
_STR = r'"(?:[^"\\\n]|\\[^u\n])*"'  # a Java string literal without \u escapes
OPEN = re.compile(rf'(?P<indent>[ \t]*)final telemetry_inject\.Telemetry\.Span _tel\$ = telemetry_inject\.Telemetry\.start\('
                  rf'(?P<name>{_STR}), (?P<file>{_STR}), (?P<line>\d+)\); try \{{')
CLOSE = re.compile(r"(?P<indent>[ \t]*)\} catch \(Throwable _tel\$e\) \{ _tel\$\.fail\(_tel\$e\); throw _tel\$e; \} "
                   r"finally \{ _tel\$\.end\(\); \}")
ATTR = re.compile(rf"(?P<indent>[ \t]*)telemetry_inject\.Telemetry\.attr\((?P<key>{_STR}), \(\) -> (?P<expr>.+)\);")
MODES_ALIKE = [("shapes",), ("errors",), ("threads", "3", "20"), ("sampling",), ("hook",), ("exit",), ("crash",)]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is missing: run `bash scripts/toolchains/java.sh` (installs Debian's "
                    "default-jdk-headless), then re-run these tests", pytrace=False)
    return found


def compile_java(root: Path, out: Path, *options: str) -> None:
    sources = sorted(str(p.relative_to(root)) for p in root.rglob("*.java"))
    proc = subprocess.run([tool("javac"), "-Xlint:all", "-Werror", *options, "-d", str(out), *sources],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"javac failed in {root}:\n{proc.stdout}{proc.stderr}"


def strip(text: str) -> str:
    """The program as it was before instrumentation: the shape's whole lines removed."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not (OPEN.fullmatch(line.rstrip("\n")) or CLOSE.fullmatch(line.rstrip("\n"))
                           or ATTR.fullmatch(line.rstrip("\n"))))


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> SimpleNamespace:
    """The program with the runtime, compiled; the stripped program, compiled; memoized runs."""
    tool("java")
    base = tmp_path_factory.mktemp("java")
    src = base / "src"
    shutil.copytree(FIXTURES, src)
    (src / "telemetry_inject").mkdir()
    shutil.copy(RUNTIME, src / "telemetry_inject/Telemetry.java")
    compile_java(src, base / "classes")
    original = base / "original"
    for path in FIXTURES.rglob("*.java"):
        target = original / path.relative_to(FIXTURES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(strip(path.read_text()))
    compile_java(original, base / "original-classes")
    return SimpleNamespace(base=base, classes=base / "classes", original=base / "original-classes", runs={})


def launch(build, mode: tuple[str, ...], variant: str = "on", **env: str):
    """Run ``java app.Main *mode`` once per (mode, variant, env); return (records, process).

    variant: "on" (JSON sink in a fresh directory), "off" (nothing configured) or "original"
    (the stripped program).  ``env`` adds variables (relative paths are inside the run directory).
    """
    key = (mode, variant, tuple(sorted(env.items())))
    if key in build.runs:
        return build.runs[key]
    directory = build.base / f"run{len(build.runs)}"
    directory.mkdir()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_", "JAVA_TOOL"))}
    sink = directory / "spans.jsonl"
    if variant == "on":
        child_env["TELEMETRY_INJECT_OUT"] = str(sink)
    child_env.update(env)
    classes = build.original if variant == "original" else build.classes
    proc = subprocess.run([tool("java"), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", str(classes), "app.Main", *mode],
                          cwd=directory, env=child_env, capture_output=True, text=True, timeout=120)
    records = []
    if sink.is_file():
        records = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    proc.directory = directory
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
        assert r["code.function"] == r["name"].rsplit(".", 1)[-1]
        assert r["code.namespace"] == r["name"].rsplit(".", 1)[0]
        assert r["attributes"]["service.name"] == "unknown_service"
    assert len({r["span_id"] for r in records}) == len(records)


def links(records):
    ids = {r["span_id"]: r for r in records}
    return [(r["name"], ids[r["parent_span_id"]]["name"] if r["parent_span_id"] else None) for r in records]


# --- the shapes -----------------------------------------------------------------


def test_fixtures_use_exactly_the_documented_shapes():
    """Every line naming the runtime is OPEN, CLOSE or an attribute; OPEN and CLOSE pair up at
    one indentation around a body; LINE is the declaration's first line, FILE the path."""
    files = sorted(FIXTURES.rglob("*.java"))
    assert len(files) == 2
    opened_total = 0
    for path in files:
        lines = path.read_text().splitlines()
        relative = path.relative_to(FIXTURES).as_posix()
        stack = []
        for number, line in enumerate(lines, 1):
            where = f"{relative}:{number}"
            if "_tel" not in line and "telemetry_inject" not in line:
                continue
            assert "\\u" not in line, f"{where}: javac decodes unicode escapes before anything else"
            if match := OPEN.fullmatch(line):
                opened_total += 1
                header = number - 1
                while re.fullmatch(r"\s*(this|super)\(.*|\s*[^{}]*\);", lines[header - 1]):
                    header -= 1  # after this(...)/super(...), possibly over several lines
                assert lines[header - 1].rstrip().endswith("{"), where
                while lines[header - 2].strip() and not lines[header - 2].rstrip().endswith((";", "{", "}", "*/")) \
                        or lines[header - 2].strip().startswith("@"):
                    header -= 1  # a declaration over several lines, annotations included
                assert int(match["line"]) == header, f"{where}: LINE should be {header}"
                assert json.loads(match["file"]) == relative, where
                name = json.loads(match["name"])
                header_text = " ".join(lines[header - 1:number - 1])
                simple = name.rsplit(".", 1)[1]
                assert simple == "<init>" or re.search(rf"\b{re.escape(simple)}\s*\(", header_text), where
                stack.append(match["indent"])
            elif match := CLOSE.fullmatch(line):
                indent = stack.pop()
                assert match["indent"] == indent, where
                assert re.fullmatch(r"\s*\}", lines[number]), f"{where}: CLOSE must be followed by the body's `}}`"
            else:
                assert ATTR.fullmatch(line) or line.lstrip().startswith(("import", "package", "/**", "*", "//")), \
                    f"{where}: {line!r}"
        assert stack == [], relative
    assert opened_total >= 35


def test_instrumented_code_compiles_with_xlint_werror_and_the_runtime_with_java_8(build, tmp_path):
    # The fixture compiled the instrumented program (and the stripped one) with -Xlint:all -Werror:
    # precise rethrow in methods with and without throws clauses, void/value methods, bodies
    # ending in return/throw/an endless loop, final fields, this(...)/super(...), generics,
    # records, enums, interfaces, local and anonymous classes.
    assert (build.classes / "app/shapes/Shapes$Point.class").is_file()
    assert (build.classes / "telemetry_inject/Telemetry$Span.class").is_file()
    compile_java(RUNTIME.parent, tmp_path / "java8", "--release", "8")
    assert (tmp_path / "java8/telemetry_inject/Telemetry.class").is_file()


# --- behaviour --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES_ALIKE, ids=lambda m: m[0])
def test_program_behaves_the_same_stripped_off_and_on(build, mode):
    _, original = launch(build, mode, "original")
    _, off = launch(build, mode, "off")
    _, on = launch(build, mode, "on")
    assert original.returncode == off.returncode == on.returncode == {"exit": 3, "crash": 1}.get(mode[0], 0)
    assert original.stdout == off.stdout == on.stdout
    assert off.stderr == on.stderr  # the crash's stack trace too: the shape adds no frame
    if mode[0] == "crash":
        assert re.sub(r"\.java:\d+", ".java", original.stderr) == re.sub(r"\.java:\d+", ".java", on.stderr)
    else:
        assert original.stderr == ""


def test_records_schema_parent_links_and_code_fields(build):
    records, proc = launch(build, ("shapes",))
    assert proc.stdout.startswith("[10, 14, 9, [x, x, y, y], 18, one/negative, one/many:7, 30, hello ann, 8, read, ")
    check_schema(records)
    assert len({r["trace_id"] for r in records}) == 1
    pairs = links(records)
    assert pairs.count(("Main.shapes", None)) == 1
    # A delegating constructor's span starts after this(...)/super(...): the constructors it
    # calls are its siblings, not its children.
    assert pairs.count(("Shapes.<init>", "Main.shapes")) == 2 + 2  # new Shapes(2) and Derived's super(...): this(...)
    assert ("Shapes.Derived.<init>", "Main.shapes") in pairs
    assert ("Shapes.loopUntil", "Shapes.Derived.loopUntil") in pairs
    assert ("Shapes.lambdas.Local.triple", "Shapes.lambdas.toString") in pairs
    assert ("Shapes.lambdas.toString", "Shapes.lambdas") in pairs
    assert pairs.count(("Shapes.Point.<init>", "Main.shapes")) == 2  # the record's this(...) and compact constructor
    assert ("Shapes.Named.greet", "Main.shapes") in pairs and ("Shapes.Level.weigh", "Main.shapes") in pairs
    assert {name for name, _ in pairs} >= {"Shapes.record", "Shapes.max", "Shapes.gather", "Shapes.kind",
                                          "Shapes.describe", "Shapes.read", "Shapes.log", "Shapes.Named.of",
                                          "Shapes.Point.sum", "Shapes.Level.<init>"}
    root = next(r for r in records if r["name"] == "Main.shapes")
    for r in records:
        assert root["start_ns"] <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] <= root["start_ns"] + root["duration_ns"]
        assert r["status"] == "OK" and r["attributes"] == {"service.name": "unknown_service"}
    read = next(r for r in records if r["name"] == "Shapes.read")
    source = (FIXTURES / read["code.filepath"]).read_text().splitlines()
    assert source[read["code.lineno"] - 1].strip().startswith("public static String read(")
    assert read["code.namespace"] == "Shapes" and read["code.function"] == "read"


def test_errors_are_recorded_and_rethrown_as_the_same_object(build):
    records, proc = launch(build, ("errors",))
    # The catch sites see the very object thrown, with its own stack trace.
    assert proc.stdout == ("[io:true:disk on fire, unsupported:true, generic:true, record:negative point, "
                           "constructor:negative base, error:true:deepFailure]\n")
    check_schema(records)
    errors = [(r["name"], r["error.type"], r["error.message"]) for r in records if r["status"] == "ERROR"]
    assert errors == [
        ("Shapes.read", "java.io.IOException", "disk on fire"),
        ("Shapes.unsupported", "java.lang.UnsupportedOperationException", "never"),
        ("Shapes.sneaky", "java.lang.InterruptedException", "sneaky"),
        ("Shapes.Point.<init>", "java.lang.IllegalArgumentException", "negative point"),
        ("Shapes.<init>", "java.lang.IllegalArgumentException", "negative base"),
        *[("Main.deepFailure", "java.lang.StackOverflowError", "pretend")] * 4,
    ]
    pairs = links(records)
    assert pairs.count(("Main.deepFailure", "Main.deepFailure")) == 3 and ("Main.errors", None) in pairs
    assert next(r for r in records if r["name"] == "Main.errors")["status"] == "OK"  # it caught them all


def test_attributes_are_lazy_redacted_truncated_and_never_throw(build):
    records, proc = launch(build, ("attributes",))
    assert proc.stdout == "ok evaluated=1\n" and proc.stderr == ""
    (record,) = records
    attrs = record["attributes"]
    assert list(attrs)[:2] == ["service.name", "user.id"]
    assert attrs["user.id"] == 42 and attrs["order.count"] == 7_000_000_000 and attrs["cart.total"] == 9.5
    assert attrs["ratio"] == 0.1 and attrs["flag"] is True and attrs["big"] == 10**30
    assert attrs["nan"] == "NaN" and attrs["nothing"] == "null" and attrs["lazy"] == 1
    for name in ("db.password", "X-Api-KEY", "Session_Cookie", "auth_header"):
        assert attrs[name] == "[REDACTED]"
    assert attrs["body"] == "x" * 255 + "…"
    assert attrs["emoji"] == "a" * 254 + "…"  # a surrogate pair is never cut in half
    assert attrs["quote"] == 'say "hi"\n\t\x01\ud800'  # a lone surrogate survives as an escape
    assert attrs["items"] == "[1, 2, 3]" and attrs["names"] == "[a, b]"
    assert "broken" not in attrs and "unprintable" not in attrs  # the supplier or toString threw


@pytest.mark.parametrize("env", [{}, {"TELEMETRY_INJECT": "off", "TELEMETRY_INJECT_OUT": "spans.jsonl"}],
                         ids=["nothing-configured", "off"])
def test_off_writes_nothing_and_evaluates_no_attribute(build, env):
    records, proc = launch(build, ("off",), "off", **env)
    assert proc.returncode == 0 and proc.stdout == f"{sum(range(2000))} evaluated=0\n" and proc.stderr == ""
    assert records == [] and [p.name for p in proc.directory.iterdir()] == []


def test_forced_on_writes_to_stderr(build):
    _, proc = launch(build, ("attributes",), "off", TELEMETRY_INJECT="on")
    assert proc.stdout == "ok evaluated=1\n"
    (record,) = [json.loads(line) for line in proc.stderr.splitlines()]
    assert record["name"] == "Main.attributes" and record["attributes"]["user.id"] == 42


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
        assert sorted(r["name"] for r in spans) == ["Main.leaf", "Main.leaf", "Main.root"]


def test_service_name_and_version_from_the_environment(build):
    records, _ = launch(build, ("attributes",), OTEL_SERVICE_NAME="checkout",
                        OTEL_RESOURCE_ATTRIBUTES="service.version=1.2%2E3,team=x")
    (record,) = records
    assert list(record["attributes"].items())[:3] == [("service.name", "checkout"), ("service.version", "1.2.3"),
                                                      ("user.id", 42)]


def test_many_spans_across_flushes_keep_every_record(build):
    records, proc = launch(build, ("many",))
    total, before, after, evaluated = proc.stdout.split()
    assert int(total) == sum(range(3000)) and evaluated == "evaluated=3000"
    assert len(records) == 3001
    check_schema(records)
    (root,) = [r for r in records if r["name"] == "Main.many"]
    assert all(r["parent_span_id"] == root["span_id"] and r["trace_id"] == root["trace_id"]
               for r in records if r is not root)
    assert sorted(r["attributes"]["i"] for r in records if r is not root) == list(range(3000))
    slack = 5_000_000
    for r in records:
        assert int(before) * 1_000_000 - slack <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] \
            <= int(after) * 1_000_000 + slack


def test_threads_have_their_own_parent_links_and_lose_no_record(build):
    records, proc = launch(build, ("threads", "8", "500"))
    assert proc.stdout == f"total={8 * sum(range(500))}\n"
    assert len(records) == 1 + 8 + 8 * 500
    check_schema(records, thread=None)
    ids = {r["span_id"]: r for r in records}
    works = [r for r in records if r["name"] == "Main.work"]
    # A new thread starts a new trace: its work span is a root, named after the thread.
    assert sorted(r["thread"] for r in works) == [f"worker-{i}" for i in range(8)]
    assert all(r["parent_span_id"] is None for r in works) and len({r["trace_id"] for r in works}) == 8
    for r in records:
        if r["name"] == "Main.leaf":
            parent = ids[r["parent_span_id"]]
            assert parent["name"] == "Main.work" and parent["thread"] == r["thread"] == f"worker-{parent['attributes']['worker']}"
    assert next(r for r in records if r["name"] == "Main.threads")["thread"] == "main"


@pytest.mark.parametrize(("mode", "names"), [
    ("exit", ["Main.finished"]),  # System.exit: the span that called it never ends
    ("crash", ["Main.finished", "Main.crash"]),  # an uncaught exception ends main
    ("hook", ["Main.finished", "Main.lateWork"]),  # a user's shutdown hook, after or alongside ours
])
def test_flushed_at_exit(build, mode, names):
    records, proc = launch(build, (mode,))
    assert sorted(r["name"] for r in records) == sorted(names)
    if mode == "crash":
        crash = records[-1]
        assert (crash["status"], crash["error.type"], crash["error.message"]) == \
            ("ERROR", "java.lang.IllegalStateException", "fatal: crash")
        assert 'Exception in thread "main" java.lang.IllegalStateException: fatal: crash' in proc.stderr
    if mode == "hook":
        assert next(r for r in records if r["name"] == "Main.lateWork")["thread"] == "user-hook"


def test_sink_failure_never_reaches_user_code(build):
    sink = build.base / "a_directory"
    sink.mkdir()
    records, proc = launch(build, ("many",), "off", TELEMETRY_INJECT_OUT=str(sink))
    assert proc.returncode == 0 and proc.stdout.startswith(f"{sum(range(3000))} ") and proc.stderr == ""
    assert records == []
