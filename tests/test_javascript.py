"""The JavaScript and TypeScript templates: case files, then the real CLI on real projects run by
real node and type-checked by real tsc, and a real npm package (hashlru) whose own test keeps passing.

Node 20+ and the pinned tsc come from scripts/toolchains/node.sh, the npm package from
scripts/toolchains/js-corpus.sh; a missing one fails the test with what to run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, git
from telemetry_inject.engine.inject import inject, strip
from telemetry_inject.languages import LANGUAGES

CASES = REPO / "tests" / "cases"
RUNTIME = REPO / "telemetry_inject" / "runtimes" / "js"
TSC = REPO / ".toolchains" / "node" / "node_modules" / "typescript" / "bin" / "tsc"
HASHLRU = REPO / ".toolchains" / "js-corpus" / "hashlru-2.3.0"
CLI = Path(sys.executable).with_name("telemetry-inject")
# (language, extensions, the runtime import line the cases expect)
SUITES = [
    ("javascript", (".js", ".jsx"), b'const _tel = require("./_telemetry_utils.cjs");'),
    ("typescript", (".ts", ".tsx"), b'import * as _tel from "./_telemetry_utils.mjs";'),
]
INPUTS = [
    (LANGUAGES[name], path, line)
    for name, extensions, line in SUITES
    for path in sorted((CASES / name).iterdir())
    if path.suffix in extensions and ".expected." not in path.name
]


def _expected(case: Path) -> Path:
    return case.with_name(case.stem + ".expected" + case.suffix)


def _case_id(value):
    return value.name if isinstance(value, Path) else ""


# --- case files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "case", "line"), INPUTS, ids=_case_id)
def test_case(language, case: Path, line: bytes) -> None:
    source = case.read_bytes()
    expected_path = _expected(case)
    result = inject(source, language, line)
    assert result.source == (expected_path.read_bytes() if expected_path.exists() else source)
    if not expected_path.exists():
        assert result.source is source, "no edits must return the input object itself"


@pytest.mark.parametrize(("language", "case", "line"), INPUTS, ids=_case_id)
def test_case_round_trip_and_idempotence(language, case: Path, line: bytes) -> None:
    source = case.read_bytes()
    once = inject(source, language, line).source
    if b"_tel$" not in source:  # cases that start instrumented strip to their own stripped form
        assert strip(once, language) == source
    assert inject(once, language, line).source == once
    assert strip(strip(once, language), language) == strip(once, language)


@pytest.mark.parametrize(("name", "extensions"), [(name, extensions) for name, extensions, _ in SUITES])
def test_cases_cover_instrumented_and_untouched_files(name: str, extensions: tuple[str, ...]) -> None:
    inputs = [case for language, case, _ in INPUTS if language.name == name]
    assert len(inputs) >= 7
    assert sum(_expected(case).exists() for case in inputs) >= 5 and not all(_expected(case).exists() for case in inputs)


def test_every_skip_rule_has_a_case() -> None:
    reasons = set()
    for language, case, line in INPUTS:
        reasons |= {f.reason for f in inject(case.read_bytes(), language, line).functions if f.status == "skipped"}
    for fragment in ("`{` line goes on", "last body line also holds", "one-line body", "shares its name", "redeclares a parameter",
                     "starting with `_tel`", "uses the name `_tel` itself", "pragma", "generated file", "asm.js",
                     "no line before the first statement", "directive's line goes on", "TS1250", "TS2401", "type predicate"):
        assert any(fragment in reason for reason in reasons), fragment


@pytest.mark.parametrize(("name", "source", "line", "written"), [
    ("javascript", b"function f() {\n  return 1;\n}\n", b'const _tel = require("./_telemetry_utils.cjs");', b'const _tel = require("./_telemetry_utils.cjs");'),
    ("javascript", b"export function f() {\n  return 1;\n}\n", b'const _tel = require("../_telemetry_utils.cjs");', b'import * as _tel from "../_telemetry_utils.cjs";'),
    ("typescript", b"import fs = require('fs');\nexport function f() {\n  return fs;\n}\n", b'import * as _tel from "./_telemetry_utils.cjs";', b'import _tel = require("./_telemetry_utils.cjs");'),
    ("typescript", b"import fs from 'fs';\nexport function f() {\n  return fs;\n}\n", b'import * as _tel from "./_telemetry_utils.cjs";', b'import * as _tel from "./_telemetry_utils.cjs";'),
    ("typescript", b"import fs = require('fs');\nexport function f() {\n  return fs;\n}\n", b'import * as _tel from "./_telemetry_utils.mjs";', b'import * as _tel from "./_telemetry_utils.mjs";'),
], ids=["commonjs", "esm-syntax-in-commonjs-package", "ts-import-require", "ts-esm-syntax-to-commonjs", "ts-esm"])
def test_the_import_follows_how_the_file_imports(name: str, source: bytes, line: bytes, written: bytes) -> None:
    """ES module syntax outside a "module" package is bundled or compiled: `import` the CommonJS runtime;
    a TypeScript file that imports with `import x = require()` may have to (verbatimModuleSyntax)."""
    output = inject(source, LANGUAGES[name], line).source
    assert written + b"\n" in output
    assert strip(output, LANGUAGES[name]) == source


def test_strip_keeps_the_import_while_code_still_uses_the_runtime() -> None:
    js = LANGUAGES["javascript"]
    line = b'const _tel = require("./_telemetry_utils.cjs");'
    source = b"function f(x) {\n  _tel.attr('x', () => x)\n  return x;\n}\n"  # not the exact form --llm enrich writes
    instrumented = inject(line + b"\n" + source, js, line).source
    assert b"_tel.start(" in instrumented
    assert strip(instrumented, js) == line + b"\n" + source  # the hand-written attr() keeps its import
    plain = inject(b"function f(x) {\n  return x;\n}\n", js, line).source
    assert strip(plain, js) == b"function f(x) {\n  return x;\n}\n"


def test_expected_javascript_parses_in_node(tmp_path: Path) -> None:
    """Node's own parser (early errors included: a redeclared `const _tel$` or a `var` clashing with
    a block-level function would fail here) accepts every expected output but the JSX one."""
    files = [_expected(case) for language, case, _ in INPUTS if language.name == "javascript" and _expected(case).exists() and case.suffix == ".js"]
    files = [f for f in files if b"</" not in f.read_bytes()]  # JSX is not JavaScript
    checker = tmp_path / "check.cjs"
    checker.write_text(
        'const vm = require("node:vm"), fs = require("node:fs"); const bad = {};\n'
        "for (const file of process.argv.slice(2)) {\n"
        '  const text = fs.readFileSync(file, "utf8").replace(/^#!.*/, "");\n'
        "  try {\n"
        "    if (/^(import|export) /m.test(text)) new vm.SourceTextModule(text);\n"
        '    else vm.compileFunction(text, ["exports", "require", "module", "__filename", "__dirname"]);\n'
        "  } catch (error) { bad[file] = String(error); }\n"
        "}\n"
        "console.log(JSON.stringify(bad));\n"
    )
    proc = subprocess.run([node(), "--experimental-vm-modules", "--no-warnings", str(checker), *map(str, files)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {} and len(files) >= 8


def test_expected_typescript_type_checks_where_the_input_did(tmp_path: Path) -> None:
    """tsc --strict reports the same diagnostics (by file and code) on the outputs as on the inputs."""
    cases = [case for language, case, _ in INPUTS if language.name == "typescript"]
    diagnostics = {}
    for side in ("input", "output"):
        directory = tmp_path / side
        directory.mkdir()
        for runtime_file in RUNTIME.iterdir():
            shutil.copy(runtime_file, directory / runtime_file.name)
        (directory / "package.json").write_text('{"type": "module"}')
        (directory / "react.d.ts").write_text(
            'declare module "react" { export namespace JSX { interface Element {} interface IntrinsicElements { [name: string]: unknown } } }\n'
            "declare namespace JSX { interface Element {} interface IntrinsicElements { [name: string]: unknown } }\n"
        )
        for case in cases:
            chosen = _expected(case) if side == "output" and _expected(case).exists() else case
            shutil.copy(chosen, directory / case.name)
        proc = subprocess.run([*tsc(), "--noEmit", "--strict", "--module", "nodenext", "--jsx", "preserve", "--target", "es2022",
                               "react.d.ts", *(case.name for case in cases)], cwd=directory, capture_output=True, text=True, timeout=120)
        diagnostics[side] = Counter(re.findall(r"^(\S+?)\(\d+,\d+\): error (TS\d+)", proc.stdout, re.MULTILINE))
    assert diagnostics["output"] == diagnostics["input"] == Counter(), diagnostics


# --- toolchains -----------------------------------------------------------------------------


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not on PATH: these tests need Node.js 20+ (see scripts/toolchains/node.sh)", pytrace=False)
    return path


def tsc() -> list[str]:
    if not TSC.is_file():
        pytest.fail(f"{TSC} is missing: run `bash scripts/toolchains/node.sh` first", pytrace=False)
    return [node(), str(TSC)]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    if not CLI.is_file():
        pytest.fail(f"{CLI} is missing: run `bash scripts/setup.sh`", pytrace=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    return subprocess.run([str(CLI), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def run_node(cwd: Path, script: str, sink: Path | None = None) -> tuple[str, list[dict]]:
    """(stdout, span records) of ``node script``; telemetry is off unless ``sink`` is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    if sink is not None:
        sink.unlink(missing_ok=True)
        env["TELEMETRY_INJECT_OUT"] = str(sink)
    proc = subprocess.run([node(), script], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in sink.read_text().splitlines()] if sink is not None and sink.exists() else []
    return proc.stdout, records


def links(records: list[dict]) -> set[tuple[str, str | None]]:
    """(span name, parent span name) pairs."""
    by_id = {r["span_id"]: r["name"] for r in records}
    return {(r["name"], by_id.get(r["parent_span_id"]) if r["parent_span_id"] else None) for r in records}


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-qm", message)


PROJECTS = Path(__file__).parent / "data" / "js_projects"
PROGRAMS = {  # what node runs, from the repository root, and where
    "cjs": ("cjs", "index.js"),
    "esm": ("esm", "main.js"),
    "tool": ("scripts", "tool.js"),
    "ts-esm": ("ts-esm", "dist/main.mjs"),
    "ts-cjs": ("ts-cjs", "dist/main.cjs"),
}


def build_typescript(repo: Path) -> subprocess.CompletedProcess:
    """tsc --build of both TypeScript projects (strict, nodenext) in one process."""
    return subprocess.run([*tsc(), "--build", "ts-esm", "ts-cjs"], cwd=repo, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """tests/data/js_projects as a git repository, its programs' output before, then instrumented by `run .`."""
    repo = tmp_path_factory.mktemp("js") / "repo"
    shutil.copytree(PROJECTS, repo)
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    commit_all(repo, "projects")
    built = build_typescript(repo)
    assert built.returncode == 0, built.stdout
    before = {name: run_node(repo / directory, script)[0] for name, (directory, script) in PROGRAMS.items()}
    run = cli("run", ".", cwd=repo)
    return {"repo": repo, "before": before, "run": run}


def test_run_places_one_runtime_per_package_and_imports_it_per_module_system(monorepo: dict) -> None:
    repo, run = monorepo["repo"], monorepo["run"]
    assert run.returncode == 1, run.stdout + run.stderr
    for directory in ("cjs", "esm", "ts-esm", "ts-cjs", "."):
        files = " ".join((Path(directory) / f"_telemetry_utils.{ext}").as_posix() for ext in ("cjs", "mjs", "d.cts", "d.mts"))
        assert f"created {(Path(directory) / '_telemetry_utils.cjs').as_posix()}: run `git add {files}`" in run.stdout  # all four, together
        assert sorted(p.name for p in (repo / directory).glob("_telemetry_utils.*")) == [
            "_telemetry_utils.cjs", "_telemetry_utils.d.cts", "_telemetry_utils.d.mts", "_telemetry_utils.mjs"]
    first_lines = {
        "cjs/lib/cart.js": 'const _tel = require("../_telemetry_utils.cjs");',
        "cjs/index.js": 'const _tel = require("./_telemetry_utils.cjs");',
        "esm/main.js": 'import * as _tel from "./_telemetry_utils.mjs";',
        "esm/util.mjs": 'import * as _tel from "./_telemetry_utils.mjs";',
        "esm/legacy.cjs": 'const _tel = require("./_telemetry_utils.cjs");',
        "scripts/tool.js": 'const _tel = require("../_telemetry_utils.cjs");',
        "ts-esm/src/shop.ts": 'import * as _tel from "../_telemetry_utils.mjs";',
        "ts-esm/src/main.mts": 'import * as _tel from "../_telemetry_utils.mjs";',
        "ts-cjs/src/shop.ts": 'import * as _tel from "../_telemetry_utils.cjs";',
        "ts-cjs/src/main.cts": 'import _tel = require("../_telemetry_utils.cjs");',
    }
    for path, line in first_lines.items():
        assert line in (repo / path).read_text().splitlines(), path
    assert "_tel" not in (repo / "ts-esm/dist/main.mjs").read_text()  # build output is git-ignored, never instrumented
    assert "_tel" not in (repo / "cjs/lib/cart.test.js").read_text()  # nor are test files


def test_instrumented_programs_print_the_same_and_trace_the_right_spans(monorepo: dict, tmp_path: Path) -> None:
    repo = monorepo["repo"]
    built = build_typescript(repo)  # the instrumented TypeScript type-checks (strict) and builds
    assert built.returncode == 0, built.stdout
    traces = {}
    for name, (directory, script) in PROGRAMS.items():
        plain, none = run_node(repo / directory, script)
        traced, records = run_node(repo / directory, script, tmp_path / f"{name}.jsonl")
        assert plain == traced == monorepo["before"][name], name
        assert none == [] and records, name
        traces[name] = records
    cjs = traces["cjs"]
    assert {("main", None), ("summary", "main"), ("DiscountCart.constructor", "main"), ("Cart.add", "main"),
            ("DiscountCart.total", "summary"), ("Cart.total", "DiscountCart.total"), ("formatPrice", "summary"),
            ("Cart.names", "summary"), ("Cart.size", "main"), ("Cart.checkout", "main"), ("DiscountCart.total", "Cart.checkout"),
            ("pay", "Cart.checkout")} <= links(cjs)
    assert any(n.startswith("pay.<anonymous>@") and p == "pay" for n, p in links(cjs))  # the Promise callback
    assert any(n.startswith("Cart.total.<anonymous>@") and p == "Cart.total" for n, p in links(cjs))  # the reduce callback
    failed = [r for r in cjs if r["status"] == "ERROR"]
    assert [(r["name"], r["error.type"], r["error.message"]) for r in failed] == [("Cart.add", "RangeError", "negative price for broken")]
    assert all(r["trace_id"] == cjs[-1]["trace_id"] for r in cjs)  # one trace: everything descends from main
    cart = (repo / "cjs/lib/cart.js").read_text().splitlines()
    for record in cjs:  # code.lineno is the function's line in the instrumented file
        if record["name"] in ("Cart.add", "summary", "formatPrice"):
            assert record["name"].rsplit(".", 1)[-1] in cart[record["code.lineno"] - 1], record["name"]
    esm = links(traces["esm"])
    assert {("run", None), ("Counter.bump", next(n for n, _ in esm if n.startswith("run.<anonymous>@"))), ("shout", "run")} <= esm
    assert any(n == "slugify" and p.startswith("run.<anonymous>@") for n, p in esm)
    assert links(traces["tool"]) == {("greet", None)}
    for name in ("ts-esm", "ts-cjs"):
        ts = links(traces[name])
        assert {("main", None), ("Shop.constructor", "main"), ("Store.constructor", "main"), ("Store.add", "main"),
                ("Store.total", "main"), ("Shop.fee", "Store.total"), ("names", "main")} <= ts, name
    assert {("Shop.order", "main"), ("Shop.expensive", "main"), ("isItem", "main")} <= links(traces["ts-esm"])


def test_a_second_run_changes_nothing_and_status_counts(monorepo: dict) -> None:
    repo = monorepo["repo"]
    snapshot = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    again = cli("run", ".", cwd=repo)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {p: p.read_bytes() for p in snapshot} == snapshot
    status = cli("status", "--format", "json", ".", cwd=repo)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    instrumented = int(re.search(r"instrumented (\d+) functions", monorepo["run"].stdout).group(1))
    assert report["total"]["missing"] == 0 and report["total"]["instrumented"] == instrumented >= 40


def test_strip_restores_every_byte(monorepo: dict, tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(monorepo["repo"], copy, symlinks=True)
    stripped = cli("strip", "--remove-runtime", ".", cwd=copy)
    assert stripped.returncode == 1, stripped.stdout + stripped.stderr
    assert git(copy, "diff", "--stat") == ""  # every tracked file byte for byte
    # The runtime goes with all four of its files.
    assert git(copy, "status", "--porcelain", "--untracked-files=all") == ""
    assert not list(copy.rglob("_telemetry_utils.*"))


def test_a_diff_instruments_only_the_touched_function(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PROJECTS / "cjs", repo)
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    commit_all(repo, "cart")
    git(repo, "checkout", "-q", "-b", "feature")
    cart = repo / "lib" / "cart.js"
    cart.write_text(cart.read_text().replace("return [...lines, `total:", "return [...lines, `sum:"))
    commit_all(repo, "say sum")
    run = cli("run", "--base", "main", ".", cwd=repo)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "instrumented lib/cart.js: summary" in run.stdout and "index.js" not in run.stdout
    text = cart.read_text()
    assert text.count("_tel.start") == 1 and '_tel.start("summary", ' in text and text.count("_tel.call") == 0
    stdout, records = run_node(repo, "index.js", tmp_path / "spans.jsonl")
    assert [r["name"] for r in records] == ["summary"] and "sum: $" in stdout


# --- a real npm package -----------------------------------------------------------------------


def test_hashlru_keeps_passing_its_own_test_instrumented_and_strips_back(tmp_path: Path) -> None:
    if not (HASHLRU / "test" / "test.js").is_file():
        pytest.fail(f"{HASHLRU} is missing: run `bash scripts/toolchains/js-corpus.sh`", pytrace=False)
    work = tmp_path / "hashlru"
    shutil.copytree(HASHLRU, work, ignore=shutil.ignore_patterns(".unpacked"))
    git(tmp_path, "init", "-q", str(work))
    commit_all(work, "hashlru 2.3.0")
    run_node(work, "test/test.js")  # passes as published
    run = cli("run", ".", cwd=work)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "instrumented index.js: exports, exports.update, exports.has, exports.remove, exports.get, exports.set, exports.clear" in run.stdout
    assert git(work, "diff", "--numstat", "--", "test").strip() == ""  # the test itself is unchanged
    stdout, records = run_node(work, "test/test.js", tmp_path / "spans.jsonl")
    names = Counter(r["name"] for r in records)
    assert names["exports"] == 2 and names["exports.get"] >= 5 and names["exports.set"] >= 3 and names["exports.clear"] == 1
    assert {("exports.update", "exports.set"), ("exports.update", "exports.get"), ("exports", None)} <= links(records)
    assert [r["error.message"] for r in records if r["status"] == "ERROR"][0].startswith("hashlru must have a max value")
    run_node(work, "test/test.js")  # and with telemetry off
    assert cli("strip", ".", cwd=work).returncode == 1
    assert git(work, "diff", "--stat") == ""


def test_the_line_written_into_a_span_is_the_functions_line_in_the_output_when_only_some_are_instrumented() -> None:
    """The engine tells the template how many lines this run adds above each function (a hook run on a partly
    instrumented file instruments only what the commit touched)."""
    from telemetry_inject.engine.inject import inject
    from telemetry_inject.languages import LANGUAGES

    js = LANGUAGES["javascript"]
    source = b"function a() {\n  return 1;\n}\n\nfunction b() {\n  return 2;\n}\n\nfunction c() {\n  return 3;\n}\n"
    line = b'const _tel = require("./_telemetry_utils.cjs");'
    for chosen in ({"c"}, {"a", "c"}, {"b"}):
        out = inject(source, js, line, lambda unit: unit.qualname in chosen).source.decode().splitlines()
        for name in chosen:
            written = next(int(re.search(r', (\d+)\); try \{', text).group(1)) for text in out if f'_tel.start("{name}"' in text)
            assert out[written - 1].startswith(f"function {name}()"), (chosen, name, written)


JS_PLACE = """function place(order) {
  const total = order.total;
  return total;
}

async function ship(order) {
  return order.id;
}

module.exports = { place, ship };
"""


def test_enrich_adds_verified_attributes_to_javascript_and_strip_removes_them(tmp_path: Path) -> None:
    """`--llm enrich` on a .js file: the real SDK against the loopback model; a value with a call is refused
    and retried with the reason; the attribute reaches the span at run time; strip gives the bytes back."""
    from conftest import REPO
    from fake_llm import FakeLLM

    node = shutil.which("node") or pytest.fail("node is missing: run scripts/toolchains/node.sh", pytrace=False)
    (tmp_path / "package.json").write_text('{"name": "shop", "version": "1.0.0"}\n')
    (tmp_path / "shop.js").write_text(JS_PLACE)
    git(tmp_path, "init", "-q")
    place = JS_PLACE.split("\n\n")[0] + "\n"
    good = place.replace("{\n", '{\n  _tel.attr("order.id", () => order.id);\n', 1)
    bad = place.replace("{\n", '{\n  _tel.attr("order.id", () => order.save());\n', 1)
    ship = "async function ship(order) {\n  _tel.attr(\"order.size\", () => order.items.length);\n  return order.id;\n}\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "OPENAI", "ANTHROPIC", "TELEMETRY_INJECT"))}
    env["PYTHONPATH"] = str(REPO)
    with FakeLLM([bad, "```javascript\n" + good + "```", ship]) as server:
        proc = subprocess.run([sys.executable, "-m", "telemetry_inject", "run", "--llm", "enrich", "--provider", "openai", "--model", "gpt-4o",
                               "--base-url", f"{server.url}/v1", "--api-key", "sk-test", "--no-parallel", "shop.js"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "call_expression is not allowed" in server.requests[1]["body"]["messages"][-1]["content"]
    text = (tmp_path / "shop.js").read_text()
    assert '  const _tel$ = _tel.start("place", "shop.js", 2); try {\n  _tel.attr("order.id", () => order.id);\n' in text
    spans = tmp_path / "spans.jsonl"
    script = "const s = require('./shop.js'); s.place({id: 7, total: 3}); s.ship({id: 8, items: [1, 2]}).then(() => {});"
    run = subprocess.run([node, "-e", script], cwd=tmp_path, env={**env, "TELEMETRY_INJECT_OUT": str(spans)}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    records = {r["name"]: r for r in map(json.loads, spans.read_text().splitlines())}
    assert records["place"]["attributes"]["order.id"] == 7 and records["ship"]["attributes"]["order.size"] == 2
    stripped = subprocess.run([sys.executable, "-m", "telemetry_inject", "strip", "--remove-runtime", "."], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert stripped.returncode == 1 and (tmp_path / "shop.js").read_text() == JS_PLACE


STRICT_JS = """export class Till {
  serve(order) {
    return order.id;
  }

  refund = (order) => {
    return order.id;
  };
}
"""


@pytest.mark.parametrize("function, value, reason", [
    ("Till.serve", "let", "`let` is not allowed in an attribute value"),
    ("Till.serve", "await", "`await` is not allowed"),  # a module
    ("Till.serve", "interface", "`interface` is not allowed"),
    ("Till.serve", "\\u0061wait", "escapes in names are not allowed"),
    ("Till.serve", "010", "the number 010 is not allowed"),
    ("Till.serve", "08", "the number 08 is not allowed"),
    ("Till.refund", "arguments", "`arguments` is not allowed"),  # in a class field's arrow
])
def test_enrich_refuses_values_strict_code_would_not_parse(tmp_path: Path, function: str, value: str, reason: str) -> None:
    """tree-sitter reads them as a name or a number, node refuses the whole module: refused, and node agrees."""
    from telemetry_inject.engine.inject import candidate_units
    from telemetry_inject.llm.javascript import span_lines, verify_js_enrichment

    js = LANGUAGES["javascript"]
    [(unit, text)] = [(u, t) for identity, u, t in candidate_units(STRICT_JS.encode(), js)[0] if identity[0] == function]
    line = f'    _tel.attr("order.value", () => {value});\n'
    answer = text.decode().replace("{\n", "{\n" + line, 1)
    verdict = verify_js_enrichment(text, answer, span_lines(unit, text))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    import_line = b'import * as _tel from "./_telemetry_utils.mjs";'
    forced = inject(STRICT_JS.encode(), js, import_line, enrichments={(function, 0): ((1, line.encode()),)}).source
    fine = inject(STRICT_JS.encode(), js, import_line, enrichments={(function, 0): ((1, line.replace(value, "order.id").encode()),)}).source
    for name, source in (("forced.mjs", forced), ("fine.mjs", fine)):
        (tmp_path / name).write_bytes(source)
    assert subprocess.run([node(), "--check", "forced.mjs"], cwd=tmp_path, capture_output=True).returncode != 0
    assert subprocess.run([node(), "--check", "fine.mjs"], cwd=tmp_path, capture_output=True).returncode == 0


def test_a_touched_function_that_moved_or_was_renamed_gets_its_opening_line_refreshed() -> None:
    from telemetry_inject.engine.inject import inject
    from telemetry_inject.languages import LANGUAGES

    js = LANGUAGES["javascript"]
    line = b'const _tel = require("./_telemetry_utils.cjs");'
    source = b"function a() {\n  return 1;\n}\n\nfunction b() {\n  return 2;\n}\n"
    once = inject(source, js, line, path="m.js").source
    moved = once.replace(b"function b()", b"// b, renamed\nfunction total()")  # one line down, and a new name
    again = inject(moved, js, line, lambda unit: unit.qualname == "total", path="m.js")
    out = again.source.decode().splitlines()
    written = next(text for text in out if '_tel.start("total"' in text)
    assert out[int(re.search(r', (\d+)\); try \{', written).group(1)) - 1] == "function total() {"
    assert '_tel.start("a", "m.js", 2)' in again.source.decode()  # untouched: as it was
    assert inject(again.source, js, line, lambda unit: unit.qualname == "total", path="m.js").source == again.source
