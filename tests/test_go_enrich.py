"""`--llm enrich` for Go: the verifier proves each `_tel.Attr` value compiles from the source alone,
refuses everything else with the reason, writes accepted lines in gofmt's form after the defer line;
the real go toolchain builds, vets and runs the result, and strip gives the bytes back.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, git
from fake_llm import FakeLLM
from gotoolchain import check, go_binary, toolchain_env

from telemetry_inject.engine.inject import candidate_units, inject, strip
from telemetry_inject.languages import LANGUAGES
from telemetry_inject.llm.go_scope import function_facts
from telemetry_inject.llm.golang import RULES, enrich_task, verify_go_enrichment
from telemetry_inject.llm.lessons import failure_class, shipped

GO = LANGUAGES["go"]
IMPORT = b'import _tel "example.com/shop/internal/telemetry"'
ORDER = """package shop

import (
\t"sync"
\t"time"
)

type Item struct {
\tSKU   string
\tPrice int
}

type Base struct{ Created time.Time }

type Order struct {
\t*Base
\tID     int
\tItems  []Item
\tNotes  map[string]string
\tToken  string
\tmu     sync.Mutex
\tRemote Customer // declared in another file of the package
}

type Box[T any] struct{ V T }

func (o *Order) Total(discount int,
\ttags ...string) (total int, when time.Time) {
\tcount := len(o.Items)
\tvar first Item
\tvar lock sync.Mutex
\tdefer lock.Unlock()
\tlock.Lock()
\tfor _, it := range o.Items {
\t\ttotal += it.Price
\t}
\tif count > 0 {
\t\tfirst = o.Items[0]
\t}
\t_ = first
\treturn total - discount, time.Now()
}

func Unbox[T any](b Box[T], label string) T {
\tname := label +
\t\t"!"
\t_ = name
\treturn b.V
}

func Len(len int, items []Item) int {
\treturn len
}

func Empty() {
\t// nothing here
}

func One(o *Order) int { return o.ID }

func Nothing() {
\tpanic("no")
}
"""
TOTAL = ORDER[ORDER.index("func (o *Order) Total") : ORDER.index("func Unbox")].rstrip("\n") + "\n"
UNBOX = ORDER[ORDER.index("func Unbox") : ORDER.index("func Len")].rstrip("\n") + "\n"
LEN = ORDER[ORDER.index("func Len") : ORDER.index("func Empty")].rstrip("\n") + "\n"


def facts(function: str):
    found = function_facts(function.encode(), ORDER.encode())
    assert found is not None
    return found


def answer(function: str, *lines: str, at: int = 2) -> str:
    """``function`` with ``lines`` added before its line ``at`` (0-based)."""
    rows = function.split("\n")
    return "\n".join(rows[:at] + list(lines) + rows[at:])


def attr(value: str, name: str = "order.value") -> str:
    return f'\t_tel.Attr("{name}", func() interface{{}} {{ return {value} }})'


def verify(function: str, text: str):
    return verify_go_enrichment(function.encode(), text, facts(function))


def test_accepted_lines_are_written_in_gofmt_form_after_the_defer_line_and_strip_back() -> None:
    loose = '    _tel.Attr( "order.id" , func() any {return o.ID}, )'  # spaces, `any`, a trailing comma: same parse
    verdict = verify(TOTAL, "```go\n" + answer(TOTAL, loose, attr("len(o.Items)", "order.items")) + "```")
    assert verdict.accepted, verdict.reason
    canonical = '\t_tel.Attr("order.id", func() interface{} { return o.ID })\n'
    assert verdict.insertions == ((2, canonical.encode()), (2, (attr("len(o.Items)", "order.items") + "\n").encode()))
    assert verdict.attributes == ("order.id", "order.items")
    out = inject(ORDER.encode(), GO, IMPORT, lambda u: u.qualname == "Order.Total", enrichments={("Order.Total", 0): verdict.insertions}).source
    body = out.decode().split("tags ...string) (total int, when time.Time) {\n", 1)[1].splitlines()
    assert body[:3] == ['\tdefer _tel.Start("shop.Order.Total").End()', canonical.rstrip("\n"), attr("len(o.Items)", "order.items")]
    assert strip(out, GO) == ORDER.encode()
    assert inject(out, GO, IMPORT).source.count(b"_tel.Attr(") == 2  # instrumented with its attributes: nothing to redo
    assert verify_go_enrichment(TOTAL.encode(), verdict.function.decode(), facts(TOTAL)).accepted  # a cached answer verifies again


@pytest.mark.parametrize(
    ("function", "line", "at", "reason"),
    [
        # a changed line, a line of another shape, and no attribute at all
        (TOTAL, None, 2, "line 3 of the function was changed"),
        (TOTAL, "\tdefer _tel.Start(\"x\").End()", 2, "line 3 of the function was changed"),
        (TOTAL, '\t_tel.Attr("order.id",\n\t\tfunc() interface{} { return o.ID })', 2, "was changed"),
        (TOTAL, '\t_tel.Attr("order.id", func() interface{} { return o.ID }) // why', 2, "not a single `_tel.Attr(...)` call"),
        (TOTAL, '\t_tel.Attr("a", func() interface{} { return o.ID }) }; func g() { _tel.Attr("b", func() interface{} { return o.ID })',
         2, "not a single `_tel.Attr(...)` call"),
        (TOTAL, '\t_tel.Attr("Order ID", func() interface{} { return o.ID })', 2, "lowercase dotted string literal"),
        (TOTAL, '\t_tel.Attr("order.id", func(x int) interface{} { return o.ID })', 2, "must be a func literal"),
        (TOTAL, '\t_tel.Attr("order.id", func() interface{} { o.ID = 1; return o.ID })', 2, "must be a func literal"),
        # calls, method values, operators, indexes
        (TOTAL, attr("o.String()"), 2, "a call is not allowed in an attribute value, except len(x)"),
        (TOTAL, attr("fmt.Sprint(o)"), 2, "a call is not allowed"),
        (TOTAL, attr("o.Items[0]"), 2, "index_expression is not allowed"),
        (TOTAL, attr("discount + 1"), 2, "binary_expression is not allowed"),
        (TOTAL, attr("*o"), 2, "unary_expression is not allowed"),
        (TOTAL, attr("_tel.Start"), 2, "the runtime's own names"),
        # unknown names, fields and types
        (TOTAL, attr("order"), 2, "`order` is not a parameter, the receiver, a named result or a local"),
        (TOTAL, attr("o.Number"), 2, "`o.Number`: Order declares no field `Number`"),
        (TOTAL, attr("o.Remote.ID"), 2, "the type of `o.Remote` (Customer) is not a struct declared in this file"),
        (TOTAL, attr("o.Base.Created.Year"), 2, "the type of `o.Base.Created` (time.Time) is not a struct declared in this file"),
        (TOTAL, attr("o.Created"), 2, "Order declares no field `Created`"),  # promoted fields are not followed
        (TOTAL, attr("len(o.Remote)"), 2, "is not known to be a slice, array, map, string or channel"),
        (TOTAL, attr("len(discount)"), 2, "the type of `discount` (int) is not known to be a slice"),
        (UNBOX, attr("b.V"), 1, "the type of `b` (Box[T]) is not a struct declared in this file"),
        (LEN, attr("len(items)"), 1, "`len` is redeclared"),
        # locals: declared with := (type unknown), declared below, may hold a lock
        (TOTAL, attr("count.X"), 3, "`count` has no written type here"),
        (TOTAL, attr("len(count)"), 3, "is not known to be a slice"),
        (TOTAL, attr("count"), 2, "`count` is not declared yet at this line"),
        (TOTAL, attr("name"), 3, "`name` is not a parameter"),
        # values that would go through fmt: every field printed, String methods run (and a lock copied: vet's copylocks)
        (TOTAL, attr("o"), 2, "`o` has type *Order: only a bool, number, string or time is written as it is"),
        (TOTAL, attr("o.Base"), 2, "`o.Base` has type *Base"),
        (TOTAL, attr("o.Items"), 2, "`o.Items` has type []Item"),
        (TOTAL, attr("lock"), 5, "`lock` has type sync.Mutex"),
        (TOTAL, attr("o.mu"), 2, "`o.mu` has type sync.Mutex"),
        (UNBOX, attr("b"), 1, "`b` has type Box[T]"),
        (UNBOX, attr("name"), 3, "`name` has no written type here"),
        # placement: outside the body, inside a statement, after a statement that can leave the function
        (TOTAL, attr("o.ID"), 0, "after its opening `{` line"),
        (TOTAL, attr("o.ID"), 1, "after its opening `{` line"),
        (UNBOX, attr("label"), 2, "must be a statement of the function's own body"),
        (TOTAL, attr("o.ID"), 9, "must be a statement of the function's own body"),  # inside the for loop
        (TOTAL, attr("o.ID"), 10, "follows line 8 of the function, a statement that can leave it"),  # after the for loop
        (TOTAL, attr("o.ID"), 15, "follows line 8 of the function"),  # after the return
        (TOTAL, attr("o.ID"), 16, "before the function's closing `}`"),
        # secrets
        (TOTAL, attr("o.ID", "order.token"), 2, "attribute 'order.token' looks like a secret"),
        (TOTAL, attr("o.Token", "order.t"), 2, "`Token` looks like a secret"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 and not v.startswith("func") else None,
)
def test_a_refused_answer_says_why(function: str, line: str | None, at: int, reason: str) -> None:
    text = answer(function, line, at=at) if line is not None else function.replace("count := len(o.Items)", "count := 1")
    verdict = verify(function, text)
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert verdict.function == function.encode() and verdict.insertions == ()
    assert failure_class(verdict.reason) is not None  # --learn can name the lesson


TRAPS = """package shop

import (
\t"strconv"
\t"sync"
)

var mu sync.Mutex

// Level prints itself under mu: fmt running String inside Bump, which holds mu, would deadlock.
type Level int

func (l Level) String() string {
\tmu.Lock()
\tdefer mu.Unlock()
\treturn strconv.Itoa(int(l))
}

type Slot struct {
\t_     int
\tLevel Level
\tN     int
}

type Box[T any] struct{ V T }

func Bump(l Level, s *Slot, xs []int) int {
\tmu.Lock()
\tdefer mu.Unlock()
\tconst (
\t\tbig         = 1 << 100
\t\thuge        = 1e400
\t\twide        = 3000000000
\t\tlevel       = Level(2)
\t\tfirst Level = 1
\t\tsecond
\t\tsmall = 7
\t)
\treturn int(l) + small
}

func Generic[len any](xs []int, v len) int {
\tn := 1
\treturn n
}

func (b Box[len]) Receiver(xs []int) int {
\tn := 1
\treturn n
}

func Local(xs []int) int {
\ttype len = int
\tvar n len = 1
\treturn n
}

func Called(len func([]int) Slot, xs []int) int {
\tn := len(xs)
\treturn n.N
}

func Aligned(a, bb int) int {
\tx := a   // first
\tyy := bb // second
\treturn x + yy
}
"""


def traps(name: str) -> str:
    """The function (or method) ``name`` of TRAPS."""
    return next("func " + f.split("\n}\n", 1)[0] + "\n}\n" for f in TRAPS.split("\nfunc ")[1:] if re.match(rf"(\(.*?\) )?{name}[\[(]", f))


@pytest.mark.parametrize(
    ("name", "value", "at", "reason"),
    [
        # each compiles (or vets) fine in TRAPS and breaks the build once read by an attribute
        ("Bump", "big", 12, "`big` has no written type here"),  # constant 1267650600228229401496703205376 overflows int
        ("Bump", "huge", 12, "`huge` has no written type here"),  # overflows float64
        ("Bump", "wide", 12, "`wide` has no written type here"),  # overflows int where int is 32 bits (GOARCH=386, arm)
        ("Bump", "s._", 3, "Slot declares no field `_`"),  # cannot refer to blank field
        ("Generic", "len(xs)", 1, "`len` is redeclared"),  # a type parameter: cannot convert xs to type len
        ("Receiver", "len(xs)", 1, "`len` is redeclared"),  # the receiver's type parameter
        ("Local", "len(xs)", 2, "`len` is redeclared"),  # a local type
        # values of a type declared in the package go through fmt, which runs String: here it deadlocks on mu
        ("Bump", "l", 3, "`l` has type Level: only a bool, number, string or time is written as it is, and only of a predeclared type"),
        ("Bump", "s.Level", 3, "`s.Level` has type Level"),
        ("Bump", "level", 12, "`level` has no written type here"),
        ("Bump", "first", 12, "`first` has type Level"),
        ("Bump", "second", 12, "`second` has no written type here"),  # repeats `first`'s type
        ("Called", "n", 2, "`n` has no written type here"),  # len is a parameter: n is a Slot
        # gofmt aligns the two trailing comments; a line between them would realign the first (gofmt -l lists the file)
        ("Aligned", "a", 2, "gofmt aligns their trailing comments"),
    ],
)
def test_values_that_break_the_build_or_run_user_code_are_refused(name: str, value: str, at: int, reason: str) -> None:
    function = traps(name)
    verdict = verify_go_enrichment(function.encode(), answer(function, attr(value), at=at), function_facts(function.encode(), TRAPS.encode()))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert failure_class(verdict.reason) is not None


def test_the_trap_file_compiles_vets_and_is_gofmt_clean_and_its_safe_values_are_accepted(tmp_path: Path) -> None:
    """The refusals above are about the attribute, not the file: the file builds as it is; values next to the traps still pass."""
    for name, value, at in [("Bump", "small", 12), ("Bump", "s.N", 3), ("Aligned", "a", 1), ("Aligned", "bb", 3)]:
        function = traps(name)
        verdict = verify_go_enrichment(function.encode(), answer(function, attr(value), at=at), function_facts(function.encode(), TRAPS.encode()))
        assert verdict.accepted, verdict.reason
    (tmp_path / "go.mod").write_text("module example.com/shop\n\ngo 1.19\n")
    (tmp_path / "shop.go").write_text(TRAPS)
    assert subprocess.run(["gofmt", "-l", "."], cwd=tmp_path, capture_output=True, text=True).stdout == ""
    check([go_binary(), "vet", "./..."], tmp_path)


def test_a_crlf_function_gets_crlf_attribute_lines() -> None:
    crlf = TOTAL.replace("\n", "\r\n")
    verdict = verify_go_enrichment(crlf.encode(), answer(TOTAL, attr("o.ID")), function_facts(crlf.encode(), ORDER.encode()))
    assert verdict.accepted and verdict.insertions == ((2, (attr("o.ID") + "\r\n").encode()),), verdict.reason


def test_the_shipped_go_lessons_are_named_after_the_refusals_they_prevent() -> None:
    assert {slug for slug, _ in shipped("go")} >= {"values-that-compile", "attributes-where-they-run"}  # --learn adds no copy
    assert failure_class(verify(TOTAL, answer(TOTAL, attr("o.Number"))).reason) == "values-that-compile"
    assert failure_class(verify(TOTAL, answer(TOTAL, attr("o.ID"), at=10)).reason) == "attributes-where-they-run"


def test_an_answer_without_attributes_or_with_too_many_is_refused() -> None:
    assert verify(TOTAL, TOTAL).reason == "no telemetry statement was added"
    assert verify(TOTAL, answer(TOTAL, *[attr("o.ID")] * 6)).reason == "6 attributes; at most 5"


@pytest.mark.parametrize(
    ("function", "value", "at"),
    [
        (TOTAL, "o.ID", 2),  # through the receiver
        (TOTAL, "len(tags)", 2),  # a variadic parameter is a slice
        (TOTAL, "o.Base.Created", 2),  # an embedded field, named after its type; time.Time
        (TOTAL, "len(o.Notes)", 2),
        (TOTAL, "total", 2),  # a named result
        (TOTAL, "count", 3),  # a := local of len(…), alone
        (TOTAL, "discount", 3),
        (TOTAL, "first.SKU", 4),  # a var with its type written
        (TOTAL, "len(first.SKU)", 7),  # after defer, a call statement and lock.Lock(): they cannot leave
        (UNBOX, "label", 1),
        (LEN, "len", 1),  # a parameter that shadows the builtin is still a parameter
    ],
)
def test_values_of_known_types_are_accepted(function: str, value: str, at: int) -> None:
    verdict = verify(function, answer(function, attr(value), at=at))
    assert verdict.accepted, verdict.reason


def test_functions_with_nothing_to_enrich_get_no_task() -> None:
    units = {unit.qualname: text for _, unit, text in candidate_units(ORDER.encode(), GO)[0]}
    assert set(units) == {"Order.Total", "Unbox", "Len", "Empty", "Nothing"}  # One has a one-line body: never a candidate
    worth = [name for name, text in units.items() if function_facts(text, ORDER.encode()) is not None]
    assert worth == ["Order.Total", "Unbox", "Len"]  # Empty holds only a comment; Nothing has nothing to read
    for name in ("Empty", "Nothing"):
        assert enrich_task(None, units[name], None, ORDER.encode()) is None  # no task: the session is never reached
    assert function_facts(b"func One(o *Order) int { return o.ID }\n", ORDER.encode()) is None  # a one-line body
    handler = b"func Handle(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(200)\n}\n"
    assert function_facts(handler, ORDER.encode()) is None  # types of other packages: no value could be proven
    instrumented = units["Order.Total"].replace(b"{\n", b'{\n\tdefer _tel.Start("shop.Order.Total").End()\n', 1)
    assert enrich_task(None, instrumented, None, ORDER.encode()) is None  # refreshed functions are not asked again
    assert "func() interface{} { return" in RULES


def test_accepted_values_compile_vet_and_stay_gofmt_clean(tmp_path: Path) -> None:
    """The verifier's promise, checked by the real toolchain: every value it accepts compiles and vets."""
    go = go_binary()
    module = tmp_path / "shop"
    (module / "shop").mkdir(parents=True)
    (module / "go.mod").write_text("module example.com/shop\n\ngo 1.19\n")
    (module / "shop" / "customer.go").write_text("package shop\n\ntype Customer struct{ ID int }\n")
    (module / "shop" / "order.go").write_text(ORDER)
    values = {"Order.Total": (2, ["o.ID", "len(tags)", "o.Base.Created", "total", "len(o.Notes)"]), "Unbox": (1, ["label", "len(label)"])}
    enrichments = {}
    for (identity, unit, text) in candidate_units(ORDER.encode(), GO)[0]:
        if unit.qualname in values:
            at, chosen = values[unit.qualname]
            lines = [attr(v, f"v.n{i}") for i, v in enumerate(chosen)]
            verdict = verify_go_enrichment(text, answer(text.decode(), *lines, at=at), function_facts(text, ORDER.encode()))
            assert verdict.accepted, verdict.reason
            enrichments[identity] = verdict.insertions
    out = inject(ORDER.encode(), GO, IMPORT, enrichments=enrichments, path="shop/order.go").source
    (module / "shop" / "order.go").write_bytes(out)
    runtime = module / "internal" / "telemetry" / "telemetry.go"
    runtime.parent.mkdir(parents=True)
    runtime.write_bytes(GO.runtime_payload(runtime)[0][1])
    assert out.count(b"_tel.Attr(") == 7
    assert subprocess.run(["gofmt", "-l", "."], cwd=module, capture_output=True, text=True).stdout == ""
    check([go, "vet", "./..."], module)
    check([go, "build", "./..."], module)
    assert strip(out, GO) == ORDER.encode()


SHOP = """package shop

type Item struct {
\tSKU   string
\tPrice int
}

type Order struct {
\tID    int
\tItems []Item
}

// Total is what the order costs.
func Total(o *Order, discount int) int {
\tsum := 0
\tfor _, it := range o.Items {
\t\tsum += it.Price
\t}
\treturn sum - discount
}
"""
MAIN = """package main

import (
\t"fmt"

\t"example.com/shop/shop"
)

func main() {
\tfmt.Println(shop.Total(&shop.Order{ID: 7, Items: []shop.Item{{Price: 3}, {Price: 4}}}, 1))
}
"""


def test_enrich_through_the_cli_retries_a_refused_answer_and_the_attribute_reaches_the_span(tmp_path: Path) -> None:
    """`run --llm enrich` on a Go module: the real SDK against the loopback model; an unknown field is
    refused and retried with the reason; gofmt, vet, build and a run with the attribute; strip gives the bytes back."""
    go = go_binary()
    module = tmp_path / "shop"
    (module / "shop").mkdir(parents=True)
    (module / "go.mod").write_text("module example.com/shop\n\ngo 1.19\n")
    (module / "main.go").write_text(MAIN)
    (module / "shop" / "order.go").write_text(SHOP)
    git(tmp_path, "init", "-q", "-b", "main", str(module))
    git(module, "add", "-A")
    git(module, "-c", "user.email=d@e.com", "-c", "user.name=D", "commit", "-qm", "shop")
    total = SHOP[SHOP.index("func Total") :]
    bad = answer(total, attr("o.Number", "order.number"), at=1)
    good = answer(total, '    _tel.Attr("order.id", func() any {return o.ID})', attr("len(o.Items)", "order.items"), at=1)
    env = {**toolchain_env(), "PYTHONPATH": str(REPO)}
    env = {k: v for k, v in env.items() if not k.startswith(("LLM_", "OPENAI", "ANTHROPIC"))}
    command = [sys.executable, "-m", "telemetry_inject", "run", "--llm", "enrich", "--provider", "openai", "--model", "gpt-4o",
               "--base-url", "{url}/v1", "--api-key", "sk-test", "--no-parallel", "."]
    with FakeLLM([bad, "```go\n" + good + "```"]) as server:
        proc = subprocess.run([a.format(url=server.url) for a in command], cwd=module, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert len(server.requests) == 2  # main reads nothing: it is not asked about
    assert "```go\nfunc Total(o *Order, discount int) int {\n" in server.requests[0]["body"]["messages"][-1]["content"]
    assert "# Values the compiler surely accepts" in server.requests[0]["body"]["messages"][0]["content"]  # lessons/go
    assert "`o.Number`: Order declares no field `Number`" in server.requests[1]["body"]["messages"][-1]["content"]
    text = (module / "shop" / "order.go").read_text()
    assert ('func Total(o *Order, discount int) int {\n\tdefer _tel.Start("shop.Total").End()\n'
            '\t_tel.Attr("order.id", func() interface{} { return o.ID })\n'
            '\t_tel.Attr("order.items", func() interface{} { return len(o.Items) })\n\tsum := 0\n') in text
    assert subprocess.run(["gofmt", "-l", "."], cwd=module, capture_output=True, text=True).stdout == ""
    check([go, "vet", "./..."], module)
    check([go, "build", "-o", "shop.bin", "."], module)
    spans = module / "spans.jsonl"
    run = subprocess.run(["./shop.bin"], cwd=module, env={**toolchain_env(), "TELEMETRY_INJECT_OUT": str(spans)}, capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout == "6\n", run.stderr
    records = {r["name"]: r for r in map(json.loads, spans.read_text().splitlines())}
    attributes = records["shop.Total"]["attributes"]
    assert (attributes["order.id"], attributes["order.items"]) == (7, 2) and "order.id" not in records["main.main"]["attributes"]
    assert records["shop.Total"]["parent_span_id"] == records["main.main"]["span_id"]

    with FakeLLM([]) as server:  # a second run: every function already instrumented, nothing asked, nothing changed
        again = subprocess.run([a.format(url=server.url) for a in command], cwd=module, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and server.requests == [], again.stdout + again.stderr
    status = subprocess.run([sys.executable, "-m", "telemetry_inject", "status", "--format", "json", "."], cwd=module, env=env, capture_output=True, text=True)
    assert json.loads(status.stdout)["total"] == {"instrumented": 2, "missing": 0}, status.stdout + status.stderr
    stripped = subprocess.run([sys.executable, "-m", "telemetry_inject", "strip", "--remove-runtime", "."], cwd=module, env=env, capture_output=True, text=True)
    assert stripped.returncode == 1, stripped.stderr
    (module / "shop.bin").unlink()
    spans.unlink()
    assert git(module, "status", "--porcelain", "--untracked-files=all") == ""  # every byte back, runtime gone
