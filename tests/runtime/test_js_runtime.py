"""The JS/TS runtime copied into users' repositories, exercised with real node and tsc.

The programs under tests/runtime/js/ are written by hand in exactly the shapes documented
at the top of _telemetry_utils.cjs (a test checks that).  Each runs in a temporary
directory beside a copy of the runtime; the JSON Lines it writes is read back.  Most
programs also run with telemetry off and must print the same thing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "telemetry_inject/runtimes/js"
FIXTURES = Path(__file__).resolve().parent / "js"
TSC = REPO / ".toolchains/node/node_modules/typescript/bin/tsc"
KEYS = {"name", "trace_id", "span_id", "parent_span_id", "start_ns", "duration_ns", "status",
        "error.type", "error.message", "code.filepath", "code.lineno", "code.function",
        "code.namespace", "thread", "pid", "attributes"}

_STR = r'"(?:[^"\\\n]|\\.)*"'
_ARGS = rf"(?P<name>{_STR}), (?P<file>{_STR}), (?P<line>\d+)"
_CLOSE = r"\} catch \(_tel\$e\) \{ throw _tel\$\.fail\(_tel\$e\); \} finally \{ _tel\$\.end\(\); \}"
OPEN = {
    "sync": re.compile(rf"(?P<indent>[ \t]*)const _tel\$ = _tel\.start\({_ARGS}\); try \{{"),
    "async": re.compile(rf"(?P<indent>[ \t]*)const _tel\$ = _tel\.startAsync\({_ARGS}\); "
                        r"return await _tel\$\.run\(async \(\) => \{ try \{"),
    "detached": re.compile(rf"(?P<indent>[ \t]*)const _tel\$ = _tel\.startDetached\({_ARGS}\); try \{{"),
}
CLOSE = {
    "sync": re.compile(rf"(?P<indent>[ \t]*){_CLOSE}"),
    "async": re.compile(rf"(?P<indent>[ \t]*){_CLOSE} \}}\);"),
    "detached": re.compile(rf"(?P<indent>[ \t]*){_CLOSE}"),
}
EXPRESSION = re.compile(rf"=> (?:_tel\.call\({_ARGS}, \(\) => |await _tel\.callAsync\({_ARGS.replace('?P<', '?P<a')}, async \(\) => )")
IMPORT = re.compile(r'(?:const _tel = require\("\./_telemetry_utils\.cjs"\);'
                    r'|import \* as _tel from "\./_telemetry_utils\.mjs";'
                    r'|import _tel = require\("\./_telemetry_utils\.cjs"\);)')
OTHER_USES = re.compile(r"\s*(?:_tel\.(?:attr|flush)\(|out\.\w+ = _tel\.)")  # the tests' own direct calls


def node() -> str:
    path = shutil.which("node")
    if path is None:
        raise RuntimeError("node is not on PATH: the JS runtime tests need Node.js 20+ "
                           "(see scripts/toolchains/node.sh)")
    return path


def tsc() -> list[str]:
    if not TSC.is_file():
        raise RuntimeError(f"{TSC} is missing: run `bash scripts/toolchains/node.sh` first")
    return [node(), str(TSC)]


def sandbox(directory: Path, *fixtures: str, package_type: str | None = None) -> Path:
    """Copy the runtime and the named fixtures into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for runtime_file in RUNTIME.iterdir():
        shutil.copy(runtime_file, directory / runtime_file.name)
    for fixture in fixtures:
        shutil.copy(FIXTURES / fixture, directory / Path(fixture).name)
    if package_type is not None:
        (directory / "package.json").write_text(json.dumps({"type": package_type}))
    return directory


def run_node(directory: Path, script: str, *args: str, out: str | None = "spans.jsonl",
             expect: int = 0, als: str | None = None, **env: str):
    """Run ``node script args``; return (records, completed process).

    ``als`` "public" or "none" preloads als_variant.cjs: the runtime then finds the current
    span through AsyncLocalStorage's public API, or through a plain variable.
    """
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    sink = directory / out if out else None
    if sink is not None:
        sink.unlink(missing_ok=True)
        child_env["TELEMETRY_INJECT_OUT"] = str(sink)
    child_env.update(env)
    preload = []
    if als is not None:
        shutil.copy(FIXTURES / "als_variant.cjs", directory / "als_variant.cjs")
        preload = ["--require", "./als_variant.cjs"]
        child_env["ALS_VARIANT"] = als
    proc = subprocess.run([node(), *preload, script, *args], cwd=directory, env=child_env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == expect, proc.stderr
    records = []
    if sink is not None and sink.is_file():
        records = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    return records, proc


def run_both(directory: Path, script: str, *args: str, expect: int = 0, als: str | None = None):
    """Run with the sink and with telemetry off; the program must print the same."""
    records, traced = run_node(directory, script, *args, expect=expect, als=als)
    _, plain = run_node(directory, script, *args, out=None, expect=expect)
    assert (traced.stdout, traced.stderr) == (plain.stdout, plain.stderr)
    return records, traced.stdout


def tree(records):
    """(by span id, name of each record's parent or None)."""
    ids = {r["span_id"]: r for r in records}
    return ids, [(r["name"], ids[r["parent_span_id"]]["name"] if r["parent_span_id"] else None)
                 for r in records]


def check_schema(records):
    for r in records:
        assert set(r) == KEYS
        assert re.fullmatch(r"[0-9a-f]{32}", r["trace_id"]) and r["trace_id"] != "0" * 32
        assert re.fullmatch(r"[0-9a-f]{16}", r["span_id"]) and r["span_id"] != "0" * 16
        assert r["parent_span_id"] is None or re.fullmatch(r"[0-9a-f]{16}", r["parent_span_id"])
        assert isinstance(r["start_ns"], int) and isinstance(r["duration_ns"], int) and r["duration_ns"] >= 0
        assert r["status"] in ("OK", "ERROR") and (r["status"] == "ERROR") == (r["error.type"] is not None)
        assert r["thread"] == "main" and r["pid"] > 0
        assert r["code.function"] == r["name"].rsplit(".", 1)[-1]
        assert r["code.namespace"] == (r["name"].rsplit(".", 1)[0] if "." in r["name"] else "")
        assert r["attributes"]["service.name"] == "unknown_service"
    assert len({r["span_id"] for r in records}) == len(records)


# --- the shapes -----------------------------------------------------------------


def test_fixtures_use_exactly_the_documented_shapes():
    """Every `_tel` line of the hand-written programs is one of the documented shapes, the
    opening and closing lines pair up at one indentation, and LINE is the function's line."""
    files = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"))
    assert len(files) >= 8
    kinds = set()
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        stack = []
        for number, line in enumerate(lines, 1):
            if "_tel" not in line or line.lstrip().startswith("//"):
                continue
            where = f"{path.name}:{number}"
            opened = next(((k, m) for k, rx in OPEN.items() if (m := rx.fullmatch(line))), None)
            closed = next(((k, m) for k, rx in CLOSE.items() if (m := rx.fullmatch(line))), None)
            if opened:
                kind, match = opened
                kinds.add(kind)
                header = number - 1
                while re.fullmatch(r'\s*("use strict"|super\(.*\));', lines[header - 1]):
                    header -= 1  # the directive prologue / a root-level super() come first
                assert lines[header - 1].rstrip().endswith("{"), where
                assert int(match["line"]) == header, f"{where}: LINE should be {header}"
                assert json.loads(match["file"]) == path.name, where
                stack.append((kind, match["indent"]))
            elif closed:
                kind, indent = stack.pop()
                assert CLOSE[kind].fullmatch(line) and line.startswith(indent) and \
                    line[len(indent)] == "}", where
            elif EXPRESSION.search(line):
                kinds.add("expression")
                match = EXPRESSION.search(line)
                assert json.loads(match["file"] or match["afile"]) == path.name, where
                assert int(match["line"] or match["aline"]) == number, where
            else:
                assert IMPORT.fullmatch(line) or OTHER_USES.match(line), f"{where}: {line!r}"
        assert stack == [], path.name
    assert kinds == {"sync", "async", "detached", "expression"}


@pytest.mark.parametrize("als", [None, "public", "none"], ids=["node20-direct", "public-api", "no-als"])
def test_sync_shapes_keep_this_arguments_super_new_target_and_hoisting(tmp_path, als):
    sandbox(tmp_path, "semantics.js", package_type="commonjs")
    records, stdout = run_both(tmp_path, "semantics.js", als=als)
    seen = json.loads(stdout)
    assert seen == {
        "outer": 5,
        "hoisting": ["helper", "undefined", 1, "arg", "function"],  # inner function, var, var param
        "strictMode": ["undefined", "strict helper"],  # "use strict" still the directive
        "mapped": [9, 2],  # sloppy-mode arguments still mapped to parameters
        "derived": ["derived/base:ABC/42:field", "ABC", "Derived", "function", 3],
        "resized": "xx",
        "base": ["base:b", "Base"],
        "obj": "obj/proto/true",  # super in an object-literal method
        "arrows": [16, [5, True, 5], 18],  # arrow: lexical this and arguments
        "sameError": True, "sameFromArrow": True, "stringError": "plain string",
        "catcher": "handled",
    }
    check_schema(records)
    ids, links = tree(records)
    assert links.count(("inner", "outer")) == 2
    assert ("Derived.constructor", "Base.make") in links and ("Base.constructor", "Derived.constructor") in links
    assert ("Base.describe", "Derived.describe") in links and ("Derived.#peek", "Derived.describe") in links
    assert len({r["trace_id"] for r in records if r["name"] in ("outer", "inner")}) == 1
    errors = {r["name"]: (r["error.type"], r["error.message"]) for r in records if r["status"] == "ERROR"}
    assert errors == {"fails": ("AppError", "bad input"), "failingArrow": ("AppError", "bad input"),
                      "failsWithString": ("string", "plain string")}
    outer = next(r for r in records if r["name"] == "outer")
    inner = next(r for r in records if r["name"] == "inner")
    lines = (FIXTURES / "semantics.js").read_text().splitlines()
    assert lines[outer["code.lineno"] - 1].startswith("function outer(")
    assert outer["code.filepath"] == "semantics.js"
    assert outer["start_ns"] <= inner["start_ns"] <= inner["start_ns"] + inner["duration_ns"] \
        <= outer["start_ns"] + outer["duration_ns"]


@pytest.mark.parametrize("als", [None, "public"], ids=["node20-direct", "public-api"])
def test_async_parent_links_survive_awaits_and_concurrent_children(tmp_path, als):
    sandbox(tmp_path, "async.mjs")
    records, stdout = run_both(tmp_path, "async.mjs", als=als)
    seen = json.loads(stdout)
    assert seen == {
        "parent": [0, 1, True],  # the rejection is the very same object
        "methods": ["cached:k:2|true", "cached=7"],  # this, arguments, super, new.target
        "double": 42, "timer": "from-timer", "sameRejection": True,
        "ticks": [1, 2, 1, 2],  # one microtask tick more than uninstrumented, on and off alike
    }
    check_schema(records)
    ids, links = tree(records)
    parent = next(r for r in records if r["name"] == "parent")
    children = {r["attributes"]["i"]: r for r in records if r["name"] == "child" and r["parent_span_id"]}
    assert sorted(children) == [0, 1, 2] and {c["parent_span_id"] for c in children.values()} == {parent["span_id"]}
    for r in records:
        if r["name"] == "leaf" and r["attributes"]["tag"][-1].isdigit():
            owner = ids[r["parent_span_id"]]
            assert owner["name"] == "child" and owner["attributes"]["i"] == int(r["attributes"]["tag"][-1])
    tags = {r["attributes"]["tag"]: ids[r["parent_span_id"]]["name"] for r in records
            if r["name"] == "leaf" and not r["attributes"]["tag"][-1].isdigit()}
    assert tags == {"between-calls": "parent", "after-all": "parent", "from-timer": "schedules"}
    assert ("Store.load", "CachedStore.load") in links and ("CachedStore.save", None) in links
    failed = [r for r in records if r["status"] == "ERROR"]
    assert [(r["name"], r["error.type"], r["error.message"]) for r in failed] == \
        [("child", "TypeError", "child 2 failed")] * 2
    assert all(r["duration_ns"] >= 3_000_000 for r in records if r["name"] == "parent")


def test_generators_span_their_life_and_never_parent_their_consumer(tmp_path):
    sandbox(tmp_path, "generators.js", package_type="module")
    records, stdout = run_both(tmp_path, "generators.js")
    seen = json.loads(stdout)
    assert seen == {
        "consume": ["gen-0", "gen-1", "gen-2", "done:18", True],
        "earlyBreak": ["gen-0", "gen-1"], "thrownInto": True,
        "trees": [["b", "a"], ["a", "b"]],
        "ticks": [["tick-0", "tick-1"], ["tick-0", "tick-1"]],
    }
    check_schema(records)
    ids, links = tree(records)
    # The generator's own span is a child of the consumer; what its body calls (and the
    # consumer's own calls between steps) belong to the consumer, never to the generator.
    assert links.count(("numbers", "consume")) == 1 and links.count(("leaf", "consume")) == 4
    assert links.count(("numbers", "earlyBreak")) == 1 and links.count(("leaf", "earlyBreak")) == 2
    assert links.count(("ticker", "readTicks")) == 2 and links.count(("leaf", "readTicks")) == 4
    statuses = {(r["name"], ids[r["parent_span_id"]]["name"] if r["parent_span_id"] else None):
                (r["status"], r["error.type"]) for r in records if r["name"] in ("numbers", "ticker")}
    assert statuses == {("numbers", "consume"): ("OK", None), ("numbers", "earlyBreak"): ("OK", None),
                        ("numbers", "thrownInto"): ("ERROR", "RangeError"), ("ticker", "readTicks"): ("OK", None)}
    assert sorted(r["name"] for r in records if r["name"].endswith("iterator")) == \
        ["SortedTree.iterator", "Tree.iterator", "Tree.iterator"]
    consume = next(r for r in records if r["name"] == "consume")
    numbers = next(r for r in records if links[records.index(r)] == ("numbers", "consume"))
    assert consume["start_ns"] <= numbers["start_ns"] and \
        numbers["start_ns"] + numbers["duration_ns"] <= consume["start_ns"] + consume["duration_ns"]


# --- switches -----------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"TELEMETRY_INJECT": "off", "TELEMETRY_INJECT_OUT": "spans.jsonl"}],
                         ids=["nothing-configured", "off"])
def test_off_writes_nothing_and_evaluates_no_attribute(tmp_path, env):
    sandbox(tmp_path, "misc.cjs")
    _, proc = run_node(tmp_path, "misc.cjs", "off", out=None, **env)
    assert json.loads(proc.stdout) == {"sum": 1999000, "sameHandle": True, "callThrough": "through", "evaluated": 0}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("_telemetry_utils")) == ["misc.cjs"]


def test_forced_on_writes_to_stderr(tmp_path):
    sandbox(tmp_path, "misc.cjs")
    _, proc = run_node(tmp_path, "misc.cjs", "service", out=None, TELEMETRY_INJECT="on")
    assert json.loads(proc.stdout) == {"evaluated": 1}
    records = [json.loads(line) for line in proc.stderr.splitlines()]
    assert [r["name"] for r in records] == ["leaf", "root"]


@pytest.mark.parametrize(("rate", "expected"), [("0", 0), ("1", 400 * 3 + 100 * 5 + 100 * 2), ("nonsense", 1900)])
def test_sampling_rates(tmp_path, rate, expected):
    sandbox(tmp_path, "misc.cjs")
    records, _ = run_node(tmp_path, "misc.cjs", "sampling", TELEMETRY_INJECT_SAMPLE=rate)
    assert len(records) == expected


def test_sampling_decides_per_trace_for_sync_async_and_generator_roots(tmp_path):
    sandbox(tmp_path, "misc.cjs")
    records, _ = run_node(tmp_path, "misc.cjs", "sampling", TELEMETRY_INJECT_SAMPLE="0.5")
    traces = {}
    for r in records:
        traces.setdefault(r["trace_id"], []).append(r)
    # A generator is never current, so the leaf it calls at the top level is a root too.
    sizes = {"root": 3, "asyncRoot": 5, "gen": 1, "leaf": 1}
    assert 250 < len(traces) < 450  # 700 roots at one half
    for spans in traces.values():
        (root,) = [r for r in spans if r["parent_span_id"] is None]
        assert len(spans) == sizes[root["name"]]


def test_service_name_and_version_from_the_environment(tmp_path):
    sandbox(tmp_path, "misc.cjs")
    records, _ = run_node(tmp_path, "misc.cjs", "service", OTEL_SERVICE_NAME="checkout",
                          OTEL_RESOURCE_ATTRIBUTES="service.version=1.2%2E3,team=x")
    assert [r["attributes"] for r in records] == [
        {"service.name": "checkout", "service.version": "1.2.3", "i": 0},
        {"service.name": "checkout", "service.version": "1.2.3"},
    ]


def test_attributes_are_lazy_redacted_truncated_and_never_raise(tmp_path):
    sandbox(tmp_path, "misc.cjs")
    records, proc = run_node(tmp_path, "misc.cjs", "attributes")
    assert json.loads(proc.stdout) == {"result": "ok", "evaluated": 0}  # attr() outside a span: not called
    (record,) = records
    attrs = record["attributes"]
    assert attrs["user.id"] == 42 and attrs["cart.total"] == 9.5 and attrs["flag"] is True
    for name in ("db.password", "X-Api-KEY", "Session_Cookie", "auth_header"):
        assert attrs[name] == "[REDACTED]"
    assert len(attrs["body"]) == 256 and attrs["body"].endswith("…")
    assert attrs["emoji"] == "a" * 254 + "…"  # a surrogate pair is never cut in half
    assert attrs["items"].startswith("[ 0, 1, 2, 3") and len(attrs["items"]) == 256 and "\n" not in attrs["items"]
    assert attrs["obj"] == "{ id: 7, nested: { deep: { deeper: [Object] } } }"
    assert attrs["instance"] == "Secretive {}" and attrs["big"] == "1" + "0" * 30
    assert attrs["nan"] == "NaN" and attrs["nothing"] == "null"
    assert attrs["__proto__"] == "kept as a plain key" and "broken" not in attrs


def test_many_spans_across_flushes_keep_every_record(tmp_path):
    sandbox(tmp_path, "misc.cjs")
    records, proc = run_node(tmp_path, "misc.cjs", "many")
    out = json.loads(proc.stdout)
    assert out["sum"] == sum(range(3000)) and out["evaluated"] == 3000
    assert len(records) == 3001
    check_schema(records)
    (root,) = [r for r in records if r["name"] == "root"]
    assert all(r["parent_span_id"] == root["span_id"] and r["trace_id"] == root["trace_id"]
               for r in records if r is not root)
    assert sorted(r["attributes"]["i"] for r in records if r is not root) == list(range(3000))
    slack = 5_000_000  # Date.now() is in milliseconds
    for r in records:
        assert out["before"] * 1_000_000 - slack <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] \
            <= out["after"] * 1_000_000 + slack


def test_sink_failure_never_reaches_user_code(tmp_path):
    sandbox(tmp_path, "misc.cjs")
    (tmp_path / "a_directory").mkdir()
    _, proc = run_node(tmp_path, "misc.cjs", "many", out=None, TELEMETRY_INJECT_OUT=str(tmp_path / "a_directory"))
    assert json.loads(proc.stdout)["sum"] == sum(range(3000))
    assert proc.stderr == ""


@pytest.mark.parametrize(("how", "code", "finished"), [
    ("exit", 3, ["finished"]),  # the span that called process.exit() never ends
    ("throw", 1, ["finished", "crash"]),
    ("reject", 1, ["finished", "crashLater"]),
])
def test_flushed_at_exit_with_the_same_output_and_exit_code(tmp_path, how, code, finished):
    sandbox(tmp_path, "process_end.cjs")
    records, stdout = run_both(tmp_path, "process_end.cjs", how, expect=code)
    assert stdout == f"{how}\n"
    assert [r["name"] for r in records] == finished
    if how != "exit":
        assert (records[-1]["status"], records[-1]["error.type"], records[-1]["error.message"]) == \
            ("ERROR", "Error", f"fatal: {how}")


# --- TypeScript -----------------------------------------------------------------


def _typescript_project(directory: Path, runtime_import: str, *entries: str, package_type: str | None):
    sandbox(directory, *(f"ts/{entry}" for entry in entries), package_type=package_type)
    source = (FIXTURES / "ts/shapes.ts").read_text()
    (directory / "shapes.ts").write_text(source.replace('"./_telemetry_utils.mjs"', f'"./{runtime_import}"'))
    return directory


def _tsc(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*tsc(), "--strict", "--noImplicitReturns", "--noUnusedLocals",
                           "--exactOptionalPropertyTypes", *args],
                          cwd=directory, capture_output=True, text=True, timeout=120)


def test_typescript_type_checks_and_runs_for_both_module_systems(tmp_path):
    expected = ["6", "circle(4cm)", "100.53", "large", "3", "0,2,done", "true", "a", "ok", "16"]
    esm = _typescript_project(tmp_path / "esm", "_telemetry_utils.mjs", "entry.mts", package_type="module")
    cjs = _typescript_project(tmp_path / "cjs", "_telemetry_utils.cjs", "entry.cts", package_type=None)
    # ES modules (.ts in a "type": "module" package and .mts) and CommonJS (.ts, .cts with
    # `import = require`) under node16/nodenext resolution, compiled and then run.
    for project, entry, target in ((esm, "entry.mts", "es2022"), (cjs, "entry.cts", "es2020")):
        proc = _tsc(project, "--module", "nodenext", "--moduleResolution", "nodenext",
                    "--target", target, "--outDir", "out", "shapes.ts", entry)
        assert proc.returncode == 0, proc.stdout
        out = project / "out"
        for name in ("_telemetry_utils.cjs", "_telemetry_utils.mjs", "package.json"):
            if (project / name).exists():
                shutil.copy(project / name, out / name)
        records, ran = run_node(out, entry.replace(".mts", ".mjs").replace(".cts", ".cjs"))
        assert json.loads(ran.stdout) == expected
        check_schema(records)
        assert {r["name"] for r in records} >= {"main", "run", "Circle.constructor", "range", "countdown",
                                                "isText", "pick", "later", "handler", "kind", "first"}
    # Classic CommonJS projects (node10 resolution) and bundlers resolve the files too.
    proc = _tsc(cjs, "--noEmit", "--module", "commonjs", "--moduleResolution", "node10", "--target", "es2020",
                "shapes.ts")
    assert proc.returncode == 0, proc.stdout
    proc = _tsc(esm, "--noEmit", "--module", "esnext", "--moduleResolution", "bundler", "--target", "es2022",
                "shapes.ts")
    assert proc.returncode == 0, proc.stdout
    # And the declarations are real: a wrong call is an error.
    (esm / "wrong.ts").write_text('import * as _tel from "./_telemetry_utils.mjs";\n'
                                  'export const h: number = _tel.start("x", "wrong.ts", "1");\n')
    proc = _tsc(esm, "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", "wrong.ts")
    assert proc.returncode != 0 and "TS2345" in proc.stdout and "TS2322" in proc.stdout


def test_a_parent_written_before_its_child_starts_keeps_the_link(tmp_path):
    """Span ids are made when first needed (a child's start, or the write): a parent flushed before a
    timer it set starts a child still gives that child its own id as parent_span_id."""
    sandbox(tmp_path)
    (tmp_path / "late.cjs").write_text(
        "const _tel = require('./_telemetry_utils.cjs');\n"
        "function child() { const s = _tel.start('child', 'late.cjs', 2); try { return 1; } finally { s.end(); } }\n"
        "function parent() {\n"
        "  const s = _tel.start('parent', 'late.cjs', 3);\n"
        "  try { setTimeout(() => { child(); child(); }, 20); return 0; } finally { s.end(); }\n"
        "}\n"
        "parent();\n"
        "_tel.flush();\n"
        "console.log(require('node:fs').readFileSync(process.env.TELEMETRY_INJECT_OUT, 'utf8').split('\\n').length - 1);\n"
    )
    records, proc = run_node(tmp_path, "late.cjs")
    assert proc.stdout.strip() == "1", "the parent was on disk before its children started"
    check_schema(records)
    (parent,) = [r for r in records if r["name"] == "parent"]
    children = [r for r in records if r["name"] == "child"]
    assert len(children) == 2 and len({c["span_id"] for c in children} | {parent["span_id"]}) == 3
    assert all(c["parent_span_id"] == parent["span_id"] and c["trace_id"] == parent["trace_id"] for c in children)
