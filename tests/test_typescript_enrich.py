"""`--llm enrich` for TypeScript: the static type check of attribute values (llm/typescript.py), real tsc
agreeing with it, and the real CLI with the real OpenAI SDK against the loopback model on a strict project.

Node 20+ and the pinned tsc come from scripts/toolchains/node.sh; a missing one fails the test with what to run.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, git
from telemetry_inject.engine.inject import candidate_units, inject, strip
from telemetry_inject.languages import LANGUAGES
from telemetry_inject.llm.lessons import failure_class
from telemetry_inject.llm.javascript import span_lines
from telemetry_inject.llm.typescript import type_facts, verify_ts_enrichment
from test_javascript import RUNTIME, node, tsc

TS = LANGUAGES["typescript"]
IMPORT = b'import * as _tel from "./_telemetry_utils.mjs";'

SOURCE = """export interface Customer {
  id: string;
  email?: string;
  private_note: string;
}

export interface Order {
  id: number;
  items: string[];
  pair: [number, number];
  tags: Array<string>;
  customer: Customer;
  note?: string;
}

type Lines = readonly string[];
export type Ref = { code: string };

export function place(order: Order, lines: Lines, ref: Ref, rush?: Order, either: Order | null = null): number {
  const count: number = order.items.length;
  const name: string = order.customer.id;
  let guess = order.id;
  return count + name.length + guess + lines.length + ref.code.length + (rush ? 1 : 0) + (either ? 1 : 0);
}

export function pick<Order>(order: Order): Order {
  return order;
}

export function take({ id, items: [first] }: Order, ...rest: number[]): string {
  return String(id) + first + rest.length;
}

export class Till {
  #opened = 1;
  private served = 0;
  static count = 0;
  label?: string;
  customer: Customer = { id: "c", private_note: "" };

  constructor(readonly name: string, private readonly rate: number) {
    Till.count += 1;
  }

  serve(order: Order): string {
    this.served += this.rate + this.#opened;
    return this.name + order.id;
  }

  static make(): Till {
    Till.count += 1;
    return new Till("x", 1);
  }

  checkout = (order: Order): number => {
    return order.id;
  };
}
"""


def _units(source: str) -> dict[str, tuple]:
    found, _, _ = candidate_units(source.encode(), TS)
    return {identity[0]: (unit, text) for identity, unit, text in found}


def enrich(function: str, *lines: tuple[int, str], source: str = SOURCE):
    """The verdict on an answer that is ``function`` of ``source`` with each (original lines before it, text) added."""
    unit, text = _units(source)[function]
    body = text.decode().split("\n")
    for before, line in sorted(lines, reverse=True):
        body.insert(before, line)
    return verify_ts_enrichment(text, "```typescript\n" + "\n".join(body) + "```", type_facts(source.encode(), unit.start_byte, unit.end_byte, span_lines(unit, text)))


ACCEPTED = [  # (function, lines before it, attribute line): each one type-checks under strict (see the tsc test below)
    ("place", 1, '  _tel.attr("order.id", () => order.id);'),
    ("place", 1, '  _tel.attr("order.size", () => order.items.length);'),
    ("place", 1, '  _tel.attr("order.pair", () => order.pair.length);'),
    ("place", 1, '  _tel.attr("order.tags", () => order.tags.length);'),
    ("place", 1, '  _tel.attr("customer.id", () => order.customer.id.length);'),
    ("place", 1, '  _tel.attr("lines", () => lines.length);'),
    ("place", 1, '  _tel.attr("ref.code", () => ref.code);'),
    ("place", 1, '  _tel.attr("rush", () => rush);'),
    ("place", 1, '  _tel.attr("either", () => either);'),
    ("place", 1, '  _tel.attr("kind", () => "retail");'),
    ("place", 2, '  _tel.attr("order.count", () => count);'),
    ("place", 3, '  _tel.attr("customer.name", () => (name).length);'),
    ("place", 4, '  _tel.attr("order.guess", () => guess);'),
    ("pick", 1, '  _tel.attr("order", () => order);'),
    ("take", 1, '  _tel.attr("order.id", () => id);'),
    ("take", 1, '  _tel.attr("rest", () => rest.length);'),
    ("Till.serve", 1, '    _tel.attr("till.served", () => this.served);'),
    ("Till.serve", 1, '    _tel.attr("till.rate", () => this.rate);'),
    ("Till.serve", 1, '    _tel.attr("till.opened", () => this.#opened);'),
    ("Till.serve", 1, '    _tel.attr("till.name", () => this.name.length);'),
    ("Till.serve", 1, '    _tel.attr("till.customer", () => this.customer.id);'),
    ("Till.serve", 1, '    _tel.attr("order.id", () => order.id);'),
    ("Till.checkout", 1, '    _tel.attr("order.id", () => order.id);'),
]

TSC_FAILS = "tsc"  # marks a refused value that real tsc --strict rejects too (the others are refused to stay simple and safe)
REFUSED = [  # (function, lines before it, attribute line, the reason's words[, TSC_FAILS])
    ("place", 1, '  _tel.attr("order.total", () => order.total);', "`Order` declares no non-optional property `total`", TSC_FAILS),
    ("place", 1, '  _tel.attr("order.note", () => order.note);', "declares no non-optional property `note`"),
    ("place", 1, '  _tel.attr("customer.mail", () => order.customer.email);', "`Customer` declares no non-optional property `email`"),
    ("place", 1, '  _tel.attr("rush.id", () => rush.id);', "`rush` is not typed with", TSC_FAILS),
    ("place", 1, '  _tel.attr("either.id", () => either.id);', "`either` is not typed with", TSC_FAILS),
    ("place", 4, '  _tel.attr("order.guess", () => guess.length);', "`guess` is not typed with", TSC_FAILS),
    ("place", 1, '  _tel.attr("order.id", () => order.id.length);', "`order.id` is not typed with", TSC_FAILS),
    ("place", 1, '  _tel.attr("order.count", () => count);', "`count` is not a parameter or a const/let declared above"),
    ("place", 1, '  _tel.attr("global", () => process);', "`process` is not a parameter", TSC_FAILS),
    ("place", 1, '  _tel.attr("self", () => this);', "no `this` outside a class's own method", TSC_FAILS),
    ("place", 1, '  _tel.attr("order.id", () => order.save());', "call_expression is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => new Date());', "new_expression is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => (order.id = 1));', "assignment_expression is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => `${order.id}`);', "template_string is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => rush!.id);', "non_null_expression is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => (rush as Order).id);', "as_expression is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => rush?.id);', "optional_chain is not allowed"),
    ("place", 1, '  _tel.attr("order.item", () => order.items[0]);', "subscript_expression is not allowed"),
    ("place", 1, '  _tel.attr("order.id", () => _tel$);', "the runtime's own names"),
    ("place", 1, '  _tel.attr("user.password", () => order.id);', "attribute 'user.password' looks like a secret"),
    ("place", 1, '  _tel.attr("customer.note", () => order.customer.private_note);', "`private_note` looks like a secret"),
    ("place", 1, '  _tel.attr("order.id", () => order.id)', 'write it exactly as `_tel.attr("name", () => value);`'),
    ("place", 1, '  _tel.attr("order.id", async () => order.id);', "write it exactly as"),
    ("place", 1, '  _tel.attr("order.id", () => order.id, 1);', "takes exactly a name string and an arrow function"),
    ("pick", 1, '  _tel.attr("order.id", () => order.id);', "`order` is not typed with", TSC_FAILS),  # the type parameter
    ("take", 1, '  _tel.attr("order.first", () => first.length);', "`first` is not typed with", TSC_FAILS),
    ("Till.serve", 1, '    _tel.attr("till.label", () => this.label);', "the enclosing class declares no non-optional property `label`"),
    ("Till.serve", 1, '    _tel.attr("till.count", () => this.count);', "declares no non-optional property `count`", TSC_FAILS),
    ("Till.make", 1, '    _tel.attr("till.count", () => this);', "no `this` outside a class's own method"),
    ("Till.constructor", 1, '    _tel.attr("till.name", () => this.name);', "no `this` outside a class's own method"),
    ("Till.checkout", 1, '    _tel.attr("till", () => this);', "no `this` outside a class's own method"),
]


@pytest.mark.parametrize("function, before, line", ACCEPTED, ids=[f"{f}:{line.split('=>')[1].strip()}" for f, _, line in ACCEPTED])
def test_type_safe_values_are_accepted(function: str, before: int, line: str) -> None:
    verdict = enrich(function, (before, line))
    assert verdict.accepted, verdict.reason
    assert verdict.insertions == ((before, (line + "\n").encode()),)


@pytest.mark.parametrize("function, before, line, reason", [r[:4] for r in REFUSED], ids=[f"{r[0]}:{r[2].split('=>')[-1].strip()}" for r in REFUSED])
def test_values_that_may_not_type_check_are_refused_with_the_reason(function: str, before: int, line: str, reason: str) -> None:
    verdict = enrich(function, (before, line))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert verdict.reason.startswith(f"answer line {before + 1}: "), verdict.reason
    assert verdict.function == _units(SOURCE)[function][1] and verdict.insertions == ()
    assert failure_class(verdict.reason) is not None, "--learn can name the lesson for this refusal"


def test_tsc_agrees_the_accepted_values_type_check_and_the_refused_ones_may_not(tmp_path: Path) -> None:
    """Every accepted line type-checks under strict (and noUncheckedIndexedAccess, exactOptionalPropertyTypes,
    allowUnreachableCode false); each refused value marked TSC_FAILS alone makes tsc fail."""
    for runtime_file in RUNTIME.iterdir():
        (tmp_path / runtime_file.name).write_bytes(runtime_file.read_bytes())
    (tmp_path / "package.json").write_text('{"type": "module"}')
    files = {f"accepted{number}.ts": _enriched({function: [(before, line)]}) for number, (function, before, line) in enumerate(ACCEPTED)}
    refused = [r for r in REFUSED if r[-1] == TSC_FAILS]
    files.update({f"refused{number}.ts": _enriched({r[0]: [(r[1], r[2])]}, check=False) for number, r in enumerate(refused)})
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run([*tsc(), "--noEmit", "--strict", "--noUncheckedIndexedAccess", "--exactOptionalPropertyTypes",
                           "--allowUnreachableCode", "false", "--module", "nodenext", "--target", "es2022", *files],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    failing = set(re.findall(r"^(\S+?)\(\d+,\d+\): error TS\d+", proc.stdout, re.MULTILINE))
    assert failing == {name for name in files if name.startswith("refused")}, proc.stdout


def _enriched(enrichments: dict[str, list[tuple[int, str]]], check: bool = True) -> str:
    """SOURCE instrumented, with each function's attribute lines (verified unless ``check`` is off) in its span."""
    insertions = {}
    for function, lines in enrichments.items():
        identity = (function, 0)
        if check:
            verdict = enrich(function, *lines)
            assert verdict.accepted, verdict.reason
            insertions[identity] = verdict.insertions
        else:
            insertions[identity] = tuple((before, (line + "\n").encode()) for before, line in lines)
    return inject(SOURCE.encode(), TS, IMPORT, enrichments=insertions, path="shop.ts").source.decode()


def test_placement_and_changed_lines_are_refused_with_the_reason() -> None:
    changed = enrich("place", (1, '  _tel.attr("order.id", () => order.id);'))
    assert changed.accepted
    unit, text = _units(SOURCE)["place"]
    facts = type_facts(SOURCE.encode(), unit.start_byte, unit.end_byte, span_lines(unit, text))
    edited = text.decode().replace("order.items.length", "0")
    answer = edited.replace("{\n", '{\n  _tel.attr("order.id", () => order.id);\n', 1)
    refused = verify_ts_enrichment(text, answer, facts)
    assert not refused.accepted and refused.reason.startswith("line 2 of the function was changed"), refused.reason
    assert enrich("place", (0, '_tel.attr("order.id", () => order.id);')).reason == "answer line 1: an attribute must be a statement of the function's own body"
    assert enrich("place", (5, '  _tel.attr("order.id", () => order.id);')).reason == "attributes go before the function's closing line"
    done = "export function done(n: number): number {\n  return n;\n  // the end\n}\n"
    late = enrich("done", (2, '  _tel.attr("n", () => n);'), source=done)
    assert late.reason == "answer line 3: an attribute after a top-level `return` or `throw` is never reached", late.reason
    nested = enrich("place", (1, "  {"), (1, '    _tel.attr("order.id", () => order.id);'), (1, "  }"))
    assert not nested.accepted  # a block of its own is a changed function before it is a placement question
    assert enrich("place").reason == "no telemetry statement was added"
    six = [(1, f'  _tel.attr("order.n{i}", () => order.id);') for i in range(6)]
    assert enrich("place", *six).reason == "6 attributes; at most 5"


SETTLE = """export interface Order {
  id: number;
}

export function settle(order: Order, code: string, count: number): number {
  if (order instanceof Object) {
    return order.id;
  }
  if (typeof code === "string") {
    return code.length;
  }
  if (count) {
    return 1;
  } else {
    return 2;
  }
  // settled
}
"""
NARROWED = [  # (lines before it, attribute line, the reason's words, real tsc fails on it): each refused
    (4, '  _tel.attr("order.id", () => order.id);', "`order.id` cannot be checked: a statement above names `order`", True),  # never
    (7, '  _tel.attr("code.size", () => code.length);', "`code.length` cannot be checked", True),  # never
    (12, '  _tel.attr("count", () => count);', "after the body's last statement may be unreachable", True),  # TS7027
    (1, '  _tel.attr("count", () => 010);', "the number 010 is not allowed", True),  # TS1121
    (1, '  _tel.attr("count", () => 10n);', "the number 10n is not allowed", False),  # TS2737 below ES2020
]


def test_values_a_statement_above_may_narrow_or_make_unreachable_are_refused(tmp_path: Path) -> None:
    """A root an earlier statement names may be narrowed to `never` (the narrowing reaches the arrow: TS 5.4),
    an attribute after the last statement may be unreachable, a legacy octal never parses; the same
    values above those statements are accepted, and real tsc agrees."""
    for runtime_file in RUNTIME.iterdir():
        (tmp_path / runtime_file.name).write_bytes(runtime_file.read_bytes())
    (tmp_path / "package.json").write_text('{"type": "module"}')
    files = {}
    for number, (before, line, reason, fails) in enumerate(NARROWED):
        verdict = enrich("settle", (before, line), source=SETTLE)
        assert not verdict.accepted and reason in verdict.reason, verdict.reason
        assert failure_class(verdict.reason) is not None
        if fails:
            files[f"refused{number}.ts"] = inject(SETTLE.encode(), TS, IMPORT, enrichments={("settle", 0): ((before, (line + "\n").encode()),)}).source
    above = [(1, '  _tel.attr("order.id", () => order.id);'), (1, '  _tel.attr("code.size", () => code.length);'), (1, '  _tel.attr("count", () => 10);')]
    verdict = enrich("settle", *above, source=SETTLE)
    assert verdict.accepted, verdict.reason
    files["accepted.ts"] = inject(SETTLE.encode(), TS, IMPORT, enrichments={("settle", 0): verdict.insertions}).source
    for name, text in files.items():  # one tsc each: a syntax error (the octal) hides the other files' type errors
        (tmp_path / name).write_bytes(text)
        proc = subprocess.run([*tsc(), "--noEmit", "--strict", "--allowUnreachableCode", "false", "--module", "nodenext", "--target", "es2022", name],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert (proc.returncode != 0) == name.startswith("refused"), name + "\n" + proc.stdout


def test_an_attribute_never_goes_above_a_derived_constructors_super_call() -> None:
    source = "class A {\n  constructor(readonly id: number) {}\n}\n\nclass B extends A {\n  #seen = 0;\n\n  constructor(id: number) {\n    super(id);\n    this.#seen += 1;\n  }\n}\n"
    unit, text = _units(source)["B.constructor"]
    facts = type_facts(source.encode(), unit.start_byte, unit.end_byte, span_lines(unit, text))
    above = text.decode().replace("{\n", '{\n    _tel.attr("id", () => id);\n', 1)
    verdict = verify_ts_enrichment(text, above, facts)
    assert not verdict.accepted and verdict.reason == "attributes go in the span: after line 2 of the function, where it starts", verdict.reason
    below = text.decode().replace("    super(id);\n", '    super(id);\n    _tel.attr("id", () => id);\n', 1)
    assert verify_ts_enrichment(text, below, facts).accepted


@pytest.mark.parametrize("answer", [
    "", "I cannot help with that.", "```typescript\n```", "\x00\x01", "```\nexport function place(\n```",
    "export function place(order: Order) {\n  _tel.attr(\"a\", () => order.id);\n}\n",
    SOURCE,
    SOURCE.split("\n\n")[3].replace("{\n", "{\n  _tel.attr(\"x\", () => ((((order)))).id);\n  _tel.attr(\"y\", () => order..id);\n", 1),
])
def test_bad_answers_are_refusals_never_crashes(answer: str) -> None:
    unit, text = _units(SOURCE)["place"]
    verdict = verify_ts_enrichment(text, answer, type_facts(SOURCE.encode(), unit.start_byte, unit.end_byte, span_lines(unit, text)))
    assert not verdict.accepted and verdict.reason and verdict.function == text


TSX = """interface Props {
  title: string;
  count: number;
}

export function Badge(props: Props) {
  const text: string = props.title;
  return <b title={text}>{props.count}</b>;
}
"""


def test_tsx_is_checked_with_the_tsx_grammar_and_strips_back() -> None:
    line = '  _tel.attr("badge.title_length", () => props.title.length);'
    verdict = enrich("Badge", (1, line), source=TSX)
    assert verdict.accepted, verdict.reason
    assert "`Props` declares no non-optional property `label`" in enrich("Badge", (1, line.replace("title.length", "label")), source=TSX).reason
    done = inject(TSX.encode(), TS, IMPORT, enrichments={("Badge", 0): verdict.insertions}).source
    assert (line + "\n").encode() in done and not TS.parser().parse(done).root_node.has_error
    assert inject(done, TS, IMPORT).source == done  # idempotent with the attribute in place
    assert strip(done, TS) == TSX.encode()


# --- the real CLI, the real SDK, a strict project, real tsc and node -----------------------------

SHOP = """export interface Customer {
  id: string;
  email?: string;
}

export interface Order {
  id: number;
  items: string[];
  customer: Customer;
}

export function place(order: Order, note?: string): number {
  const count: number = order.items.length;
  return count + (note ? 1 : 0);
}

export class Till {
  private served = 0;

  constructor(readonly name: string) {}

  serve(order: Order): string {
    this.served += 1;
    return this.name + ":" + order.customer.id;
  }
}
"""
BADGE = """interface Props {
  title: string;
}

export function Badge(props: Props): JSX.Element {
  const text: string = props.title;
  return <b>{text}</b>;
}
"""
MAIN = """import { place, Till } from "./shop.js";

const order = { id: 7, items: ["tea", "cake"], customer: { id: "c-1" } };
console.log(place(order, "gift"));
console.log(new Till("front").serve(order));
"""
TSCONFIG = {"compilerOptions": {"module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "strict": True,
                                "noUnusedLocals": True, "jsx": "preserve", "outDir": "dist", "rootDir": "src"}, "include": ["src"]}


def test_enrich_typescript_through_the_cli_type_checks_runs_and_strips_back(tmp_path: Path) -> None:
    """A refused answer (an optional property) is retried with the reason; the output passes tsc --noEmit under strict,
    the compiled program records the attributes, a second run changes nothing, and strip gives every byte back."""
    from fake_llm import FakeLLM

    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "package.json").write_text('{"name": "till", "private": true, "type": "module"}\n')
    (repo / "tsconfig.json").write_text(json.dumps(TSCONFIG, indent=2) + "\n")
    (repo / ".gitignore").write_text("dist/\n*.jsonl\n")
    sources = {"src/shop.ts": SHOP, "src/badge.tsx": BADGE, "src/main.ts": MAIN,
               "src/jsx.d.ts": "declare namespace JSX { interface Element {} interface IntrinsicElements { [name: string]: unknown } }\n"}
    for path, text in sources.items():
        (repo / path).write_text(text)
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-qm", "till")
    before = subprocess.run([*tsc(), "--noEmit", "-p", "."], cwd=repo, capture_output=True, text=True, timeout=120)
    assert before.returncode == 0, before.stdout  # the input type-checks: so must the output

    badge = BADGE.split("\n\n")[1].replace("{\n  const", '{\n  _tel.attr("badge.title_length", () => props.title.length);\n  const', 1)
    place = "\n".join(SHOP.split("\n")[11:15]) + "\n"
    bad = place.replace("{\n", '{\n  _tel.attr("customer.email", () => order.customer.email);\n', 1)
    good = place.replace("{\n", '{\n  _tel.attr("order.id", () => order.id);\n', 1).replace(
        "length;\n", 'length;\n  _tel.attr("order.count", () => count);\n', 1)
    serve = "\n".join(SHOP.split("\n")[21:25]) + "\n"
    serve = serve.replace("{\n", '{\n    _tel.attr("till.served", () => this.served);\n    _tel.attr("customer.id", () => order.customer.id);\n', 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "OPENAI", "ANTHROPIC", "TELEMETRY_INJECT", "OTEL_"))}
    env["PYTHONPATH"] = str(REPO)
    with FakeLLM([badge, bad, "```typescript\n" + good + "```", serve]) as server:  # files in order: badge.tsx, shop.ts
        proc = subprocess.run([sys.executable, "-m", "telemetry_inject", "run", "--llm", "enrich", "--provider", "openai", "--model", "gpt-4o",
                               "--base-url", f"{server.url}/v1", "--api-key", "sk-test", "--no-parallel", "--no-cache", "src"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    asked = [r["body"]["messages"][-1]["content"] for r in server.requests]
    assert len(asked) == 4 and "```typescript\n" in asked[0]
    assert "Your previous answer was refused: answer line 2: `order.customer.email`: `Customer` declares no non-optional property `email`" in asked[2]
    system = server.requests[1]["body"]["messages"][0]["content"]
    assert "- Order: id, items (array), customer (Customer)" in system and "- Customer: id (string)" in system

    shop = (repo / "src/shop.ts").read_text()
    assert '  const _tel$ = _tel.start("place", "src/shop.ts", 13); try {\n  _tel.attr("order.id", () => order.id);\n' in shop
    assert '  _tel.attr("order.count", () => count);\n' in shop and "email" not in shop.split("export function place")[1]
    assert '  _tel.attr("badge.title_length", () => props.title.length);\n' in (repo / "src/badge.tsx").read_text()
    checked = subprocess.run([*tsc(), "--noEmit", "-p", "."], cwd=repo, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout
    built = subprocess.run([*tsc(), "-p", "."], cwd=repo, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stdout
    spans = repo / "spans.jsonl"
    ran = subprocess.run([node(), "dist/main.js"], cwd=repo, env={**env, "TELEMETRY_INJECT_OUT": str(spans)}, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout == "3\nfront:c-1\n", ran.stdout + ran.stderr
    records = {r["name"]: r for r in map(json.loads, spans.read_text().splitlines())}
    attributes = {name: {k: v for k, v in r["attributes"].items() if not k.startswith("service.")} for name, r in records.items()}
    assert attributes["place"] == {"order.id": 7, "order.count": 2}
    assert attributes["Till.serve"] == {"till.served": 0, "customer.id": "c-1"}

    again = subprocess.run([sys.executable, "-m", "telemetry_inject", "run", "--no-cache", "src"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and (repo / "src/shop.ts").read_text() == shop, again.stdout + again.stderr
    stripped = subprocess.run([sys.executable, "-m", "telemetry_inject", "strip", "--remove-runtime", "."], cwd=repo, env=env, capture_output=True, text=True)
    assert stripped.returncode == 1, stripped.stdout + stripped.stderr
    assert {path: (repo / path).read_text() for path in sources} == sources
    assert git(repo, "status", "--porcelain") == ""


def test_the_line_a_span_carries_counts_the_attribute_lines_added_above_it() -> None:
    """{LINE} of every function below an enriched one is its line in the output (else the next run rewrites it: I3)."""
    done = _enriched({"place": [(1, '  _tel.attr("order.id", () => order.id);'), (2, '  _tel.attr("order.count", () => count);')]})
    lines = done.split("\n")
    for number, line in enumerate(lines, 1):
        found = re.search(r'_tel\.start\("([\w.]+)", "shop.ts", (\d+)\)', line)
        if found:
            assert int(found.group(2)) == number - 1 and found.group(1).split(".")[-1] in lines[number - 2], line
    assert sum("_tel.start(" in line for line in lines) == 7
    assert inject(done.encode(), TS, IMPORT, path="shop.ts").source == done.encode()
