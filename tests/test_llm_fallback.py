"""`--llm fallback`: Java and Ruby have no template; an LLM (the loopback fake, real SDK) writes the two
telemetry lines per function, every answer is verified, refusals are retried with the reason, and
the output compiles (javac) / parses (ruby -c) and runs with the real runtimes.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, git
from fake_llm import FakeLLM
from telemetry_inject.llm.lessons import failure_class

CLI = [sys.executable, "-m", "telemetry_inject"]
CART_JAVA = """package shop;

import java.util.ArrayList;
import java.util.List;

public class Cart {
    private final List<Integer> prices = new ArrayList<>();

    public Cart() {
        this(0);
    }

    public Cart(int first) {
        super();
        prices.add(first);
    }

    public void add(int price) {
        if (price < 0) {
            throw new IllegalArgumentException("negative price " + price);
        }
        prices.add(price);
    }

    public int total() {
        int sum = 0;
        for (int p : prices) {
            sum += p;
        }
        return sum;
    }

    public static int one() { return 1; }

    public static void main(String[] args) {
        Cart cart = new Cart();
        cart.add(3);
        cart.add(4);
        System.out.println(cart.total());
        try {
            cart.add(-1);
        } catch (IllegalArgumentException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
"""
CART_RUBY = """# frozen_string_literal: true

module Shop
  class Cart
    def initialize
      @prices = []
    end

    def add(price)
      raise ArgumentError, "negative price #{price}" if price.negative?

      @prices << price
      self
    end

    def total
      return 0 if @prices.empty?

      @prices.sum
    end

    def each_price
      @prices.each { |p| yield p }
    end

    def self.build = new
  end
end

cart = Shop::Cart.new.add(3).add(4)
puts cart.total
cart.each_price { |p| print p }
puts
begin
  cart.add(-1)
rescue ArgumentError => e
  puts "refused: #{e.message}"
end
"""
_ASK = re.compile(r"```\w*\n(?P<code>.*?)```\n\nOpening line \(after line (?P<open>\d+) of the function\):\n(?P<opening>.*?)\n"
                  r"Closing line \(before line (?P<close>\d+)\):\n(?P<closing>.*?)(?:\n\n|$)", re.S)


def obedient(body: dict) -> str:
    """A model that follows the prompt exactly: the function with the two given lines where it was told."""
    content = body["messages"][-1]["content"]
    match = _ASK.search(content)
    lines = match["code"].split("\n")[:-1]
    open_at, close_at = int(match["open"]), int(match["close"]) - 1
    lines = lines[:open_at] + [match["opening"]] + lines[open_at:close_at] + [match["closing"]] + lines[close_at:]
    return "```\n" + "\n".join(lines) + "\n```"


def fallback(tmp: Path, server: FakeLLM, *paths: str, extra: tuple[str, ...] = (), mode: str = "fallback") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "OPENAI", "ANTHROPIC", "TELEMETRY_INJECT"))}
    env["PYTHONPATH"] = str(REPO)
    args = [*CLI, "run", "--llm", mode, "--provider", "openai", "--model", "gpt-4o", "--base-url", f"{server.url}/v1",
            "--api-key", "sk-test", "--format", "json", *extra, *paths]
    return subprocess.run(args, cwd=tmp, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def java_repo(git_repo: Path) -> Path:
    (git_repo / "src/shop").mkdir(parents=True)
    (git_repo / "src/shop/Cart.java").write_text(CART_JAVA)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "cart")
    return git_repo


def test_without_an_llm_java_is_skipped_with_the_way_to_instrument_it(java_repo: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*CLI, "run", "."], cwd=java_repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 0
    assert "src/shop/Cart.java" in proc.stdout + proc.stderr and "--llm fallback" in proc.stdout + proc.stderr
    assert git(java_repo, "status", "--porcelain") == ""


def test_fallback_writes_the_verified_lines_then_a_rerun_is_free(java_repo: Path) -> None:
    server = FakeLLM([])
    server.default = obedient
    with server:
        proc = fallback(java_repo, server, ".")
        assert proc.returncode == 1, proc.stderr
        asked = len(server.requests)
        assert asked == 5  # both constructors, add, total, main (one() has a one-line body)
        [cart] = [f for f in json.loads(proc.stdout)["files"] if f["path"].endswith("Cart.java")]
        assert [f["function"] for f in cart["functions"]] == ["Cart.<init>", "Cart.<init>", "Cart.add", "Cart.total", "Cart.main"]
        text = (java_repo / "src/shop/Cart.java").read_text()
        assert ('        final telemetry_inject.Telemetry.Span _tel$ = telemetry_inject.Telemetry.start("Cart.total", "src/shop/Cart.java", 31); try {\n'
                "        int sum = 0;\n") in text
        assert "        this(0);\n        final telemetry_inject.Telemetry.Span _tel$" in text  # after this(...)
        assert "    public static int one() { return 1; }\n" in text  # a one-line body is left alone
        assert (java_repo / "src/telemetry_inject/Telemetry.java").is_file()

        again = fallback(java_repo, server, ".")
        assert again.returncode == 0 and len(server.requests) == asked  # instrumented: nothing to ask
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([*CLI, "strip", "--remove-runtime", "."], cwd=java_repo, env=env, check=False)
    assert git(java_repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_refused_answer_is_retried_with_the_reason_and_the_cache_serves_a_rerun(java_repo: Path) -> None:
    (java_repo / "src/shop/Cart.java").write_text(CART_JAVA.replace("    public static int one() { return 1; }\n\n", ""))
    sloppy = {"once": True}

    def sloppy_then_obedient(body: dict) -> str:
        answer = obedient(body)
        if sloppy["once"] and "int sum = 0;" in answer:
            sloppy["once"] = False
            return answer.replace("int sum = 0;", "int sum = 0; // changed")
        return answer

    server = FakeLLM([])
    server.default = sloppy_then_obedient
    with server:
        proc = fallback(java_repo, server, "src/shop/Cart.java", extra=("--no-parallel",))
        assert proc.returncode == 1, proc.stderr
        retry = [r for r in server.requests if "was refused" in r["body"]["messages"][-1]["content"]]
        assert retry and "was changed or removed" in retry[0]["body"]["messages"][-1]["content"]
    instrumented = (java_repo / "src/shop/Cart.java").read_bytes()
    assert b"// changed" not in instrumented and instrumented.count(b"telemetry_inject.Telemetry.start(") == 5

    git(java_repo, "checkout", "--", "src/shop/Cart.java")
    (java_repo / "src/shop/Cart.java").write_text(CART_JAVA.replace("    public static int one() { return 1; }\n\n", ""))
    server = FakeLLM([])
    with server:
        rerun = fallback(java_repo, server, "src/shop/Cart.java")
        assert rerun.returncode == 1 and server.requests == []  # every answer from the cache, re-verified
    assert (java_repo / "src/shop/Cart.java").read_bytes() == instrumented


def test_a_model_that_never_complies_leaves_the_file_untouched_and_says_why(java_repo: Path) -> None:
    server = FakeLLM([])
    server.default = lambda body: "```java\npublic void add(int price) {}\n```"
    with server:
        proc = fallback(java_repo, server, "src/shop/Cart.java", extra=("--max-retries", "1"))
    assert proc.returncode == 0, proc.stderr
    assert git(java_repo, "status", "--porcelain") == ""
    functions = json.loads(proc.stdout)["files"][0]["functions"]
    refused = [f for f in functions if f.get("llm") == "refused"]
    assert refused and all(f.get("reason") for f in refused)


def test_ruby_fallback_keeps_return_yield_and_the_magic_comment(git_repo: Path) -> None:
    (git_repo / "lib").mkdir()
    (git_repo / "lib/cart.rb").write_text(CART_RUBY)
    server = FakeLLM([])
    server.default = obedient
    with server:
        proc = fallback(git_repo, server, "lib/cart.rb")
    assert proc.returncode == 1, proc.stderr
    text = (git_repo / "lib/cart.rb").read_text()
    assert text.startswith("# frozen_string_literal: true\n")
    assert 'require_relative "../telemetry_inject"\n' in text
    assert '    def total\n      ::TelemetryInject.span("Shop::Cart#total", "lib/cart.rb", 21) do\n      return 0 if @prices.empty?\n' in text
    assert "def self.build = new\n" in text  # endless: skipped
    assert (git_repo / "telemetry_inject.rb").is_file()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    status = subprocess.run([*CLI, "status", "--format", "json", "lib/cart.rb"], cwd=git_repo, env=env, capture_output=True, text=True)
    assert json.loads(status.stdout)["total"] == {"instrumented": 4, "missing": 0}
    subprocess.run([*CLI, "strip", "--remove-runtime", "."], cwd=git_repo, env=env, check=False)
    assert (git_repo / "lib/cart.rb").read_text() == CART_RUBY and not (git_repo / "telemetry_inject.rb").exists()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: run `bash scripts/toolchains/java.sh` and `bash scripts/toolchains/ruby.sh`", pytrace=False)
    return found


def test_instrumented_java_compiles_and_runs_with_the_runtime(java_repo: Path, tmp_path_factory) -> None:
    javac, java = _tool("javac"), _tool("java")
    out = tmp_path_factory.mktemp("classes")
    subprocess.run([javac, "-d", str(out / "plain"), "src/shop/Cart.java"], cwd=java_repo, check=True)
    plain = subprocess.run([java, "-cp", str(out / "plain"), "shop.Cart"], capture_output=True, text=True, check=True)
    server = FakeLLM([])
    server.default = obedient
    with server:
        assert fallback(java_repo, server, ".").returncode == 1
    compiled = subprocess.run([javac, "-Xlint:all", "-d", str(out / "tel"), "src/shop/Cart.java", "src/telemetry_inject/Telemetry.java"],
                              cwd=java_repo, capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    spans = tmp_path_factory.mktemp("spans") / "java.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(spans)}
    run = subprocess.run([java, "-cp", str(out / "tel"), "shop.Cart"], capture_output=True, text=True, env=env)
    assert (run.returncode, run.stdout) == (0, plain.stdout) == (0, "7\nrefused: negative price -1\n")
    records = [json.loads(line) for line in spans.read_text().splitlines()]
    by_name = {}
    for record in records:
        by_name.setdefault(record["name"], []).append(record)
    assert len(by_name["Cart.add"]) == 3 and [r["status"] for r in by_name["Cart.add"]].count("ERROR") == 1
    assert all(r["parent_span_id"] == by_name["Cart.main"][0]["span_id"] for r in by_name["Cart.total"])
    lines = (java_repo / "src/shop/Cart.java").read_text().splitlines()
    assert lines[by_name["Cart.total"][0]["code.lineno"] - 1].startswith("    public int total()")  # the line in the file that runs


def test_instrumented_ruby_parses_and_runs_with_the_runtime(git_repo: Path, tmp_path_factory) -> None:
    ruby = _tool("ruby")
    (git_repo / "lib").mkdir()
    (git_repo / "lib/cart.rb").write_text(CART_RUBY)
    plain = subprocess.run([ruby, "lib/cart.rb"], cwd=git_repo, capture_output=True, text=True, check=True)
    server = FakeLLM([])
    server.default = obedient
    with server:
        assert fallback(git_repo, server, "lib/cart.rb").returncode == 1
    syntax = subprocess.run([ruby, "-wc", "lib/cart.rb"], cwd=git_repo, capture_output=True, text=True)
    assert syntax.returncode == 0 and "Syntax OK" in syntax.stdout and not syntax.stderr, syntax.stderr
    spans = tmp_path_factory.mktemp("spans") / "ruby.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(spans)}
    run = subprocess.run([ruby, "lib/cart.rb"], cwd=git_repo, capture_output=True, text=True, env=env)
    assert (run.returncode, run.stdout) == (0, plain.stdout) == (0, "7\n34\nrefused: negative price -1\n")
    names = [json.loads(line)["name"] for line in spans.read_text().splitlines()]
    assert names.count("Shop::Cart#add") == 3 and "Shop::Cart#total" in names and "Shop::Cart#each_price" in names


def test_ruby_private_def_methods_are_units_and_stay_valid_ruby(git_repo: Path) -> None:
    ruby = _tool("ruby")
    source = "class Vault\n  def open\n    peek + 1\n  end\n\n  private def peek\n    41\n  end\nend\n\nputs Vault.new.open\n"
    (git_repo / "vault.rb").write_text(source)
    server = FakeLLM([])
    server.default = obedient
    with server:
        proc = fallback(git_repo, server, "vault.rb")
    assert proc.returncode == 1, proc.stderr
    names = [f["function"] for f in json.loads(proc.stdout)["files"][0]["functions"]]
    assert names == ["Vault#open", "Vault#peek"]
    run = subprocess.run([ruby, "-w", "vault.rb"], cwd=git_repo, capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "42\n", "")


def rerun_after_moving_every_method(java_repo: Path, cart: Path) -> None:
    """Commit the instrumented repository, move every method of ``cart`` two lines down, touch `total`,
    and run `run --staged` (no LLM flag: the opening lines are refreshed by the tool itself)."""
    git(java_repo, "add", "-A")
    git(java_repo, "commit", "-qm", "instrumented")
    text = cart.read_text().replace("public class Cart {\n", "public class Cart {\n    // a comment moves every method down\n\n")
    cart.write_text(text.replace("        int sum = 0;\n", "        int sum = 0; // touched\n"))
    git(java_repo, "add", "-A")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*CLI, "run", "--staged", "--format", "json", "."], cwd=java_repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_a_touched_method_that_moved_gets_its_opening_line_refreshed_without_any_llm(java_repo: Path) -> None:
    server = FakeLLM([])
    server.default = obedient
    with server:
        assert fallback(java_repo, server, ".").returncode == 1
    cart = java_repo / "src/shop/Cart.java"
    rerun_after_moving_every_method(java_repo, cart)
    after = cart.read_text()
    assert 'telemetry_inject.Telemetry.start("Cart.total", "src/shop/Cart.java", 33); try {' in after  # was 31: touched, refreshed
    assert 'telemetry_inject.Telemetry.start("Cart.add", "src/shop/Cart.java", 22); try {' in after  # untouched: left as it was
    assert after.splitlines()[32].startswith("    public int total()")  # line 33 is where it is now


# --- `--llm enrich`: the same call also asks for attribute lines between the two ---------------

ORDERS_JAVA = """package shop;

import java.util.*;
import java.util.List;
import java.util.Map;

public class Orders {
    private final List<Item> items;
    private static int created;
    private String status = "new";

    public Orders(List<Item> items) {
        this.items = items;
    }

    public int place(Item item, List<String> tags, Map<String, Integer> counts, String note, int[] codes, String apiToken,
                     Collection<String> all, java.util.Set<String> seen, String... rest) {
        int before = items.size();
        int moved;
        int total = 0;
        for (Item i : items) {
            total += i.getPrice();
        }
        if (note == null) {
            return -1;
        }
        tags = List.of();
        return total + before;
    }

    public static int count(Item item) {
        return item.getPrice();
    }

    record Item(String id, int price) {
        public int getPrice() {
            return price;
        }

        private String getCode() {
            return id;
        }
    }
}
"""
ORDERS_RUBY = """class Orders
  def place(order, qty = 1, *rest, note:, **opts, &blk)
    count = @items.size
    label, kind = order.label, order.kind
    @items.each do |item|
      item.price
    end
    text = <<~TEXT
      placed
    TEXT
    count + qty
  rescue KeyError
    nil
  end

  def finish
    return @items.size if @done
    @done = true
    nil
  end

  def stop
    return @items.size
    nil
  end
end
"""


def enrich_tasks(source: str, name: str) -> dict:
    """The real enrich tasks (prompt + verifier) for every function of ``source``, by qualified name."""
    from telemetry_inject.engine.inject import candidate_units
    from telemetry_inject.languages import language_for
    from telemetry_inject.llm.fallback import wrap_task

    language = language_for(Path(name))
    found, newline, _ = candidate_units(source.encode(), language, None)
    return {unit.qualname: wrap_task(language, unit, text, Path(name), newline, "", True, source.encode()) for _, unit, text in found}


def with_attributes(task, attributes: list[str], after: str | None = None) -> str:
    """The obedient answer with ``attributes`` inserted after the opening line, or after the first line containing ``after``."""
    lines = obedient({"messages": [{"content": task.user}]}).split("\n")
    at = next(i for i, line in enumerate(lines) if (after in line if after else ("Telemetry.start(" in line or "TelemetryInject.span(" in line)))
    return "\n".join(lines[: at + 1] + attributes + lines[at + 1 :])


def java_attr(value: str, key: str = "order.value", indent: str = " " * 8) -> str:
    return f'{indent}telemetry_inject.Telemetry.attr("{key}", () -> {value});'


def ruby_attr(value: str, key: str = "order.value", indent: str = " " * 4) -> str:
    return f'{indent}::TelemetryInject.attr("{key}") {{ {value} }}'


ACCEPTED_JAVA = [
    ("item.id()", None),  # a record component's accessor, the record declared in this file
    ("item.getPrice()", None),  # a getter of it
    ("counts.isEmpty()", None),
    ("seen.size()", None),  # java.util, written fully qualified
    ("note.length()", None),
    ("note.isEmpty()", None),
    ("codes.length", None),
    ("rest.length", None),  # varargs
    ("this.status", None),
    ("status.length()", None),  # a field by its bare name, no local or parameter shadows it
    ("this.items.size()", None),
    ("before", "int before = items.size();"),  # a local declared above, never reassigned
    ("item", "return -1;\n        }"),  # after an if without else: reachable
]


@pytest.mark.parametrize("value, after", ACCEPTED_JAVA)
def test_java_enrich_accepts_values_that_compile(value: str, after: str | None) -> None:
    task = enrich_tasks(ORDERS_JAVA, "src/shop/Orders.java")["Orders.place"]
    answer = with_attributes(task, [java_attr(value)], after and after.split("\n")[-1].strip())
    verdict = task.verify(answer)
    assert verdict.accepted, verdict.reason
    assert verdict.attributes == ("order.value",)
    assert any(text.decode().strip().endswith(f"() -> {value});") for _, text in verdict.insertions)


@pytest.mark.parametrize("line, after, reason", [
    ('        telemetry_inject.Telemetry.attr("order.id", () -> item.id())', None, "not the form"),
    (java_attr("item.id()", indent="    "), None, "at the body's indentation"),
    (java_attr("item.id()", key="Order.Id"), None, "lowercase dotted string literal"),
    (java_attr("item.id()", key="order.token"), None, "'order.token' looks like a secret"),
    (java_attr("apiToken"), None, "`apiToken` looks like a secret"),
    (java_attr("new Object()"), None, "`new` is not allowed"),
    (java_attr("before = 1"), "int before = items.size();", "assignments are not allowed"),
    (java_attr("_tel$"), None, "the runtime's own names"),
    (java_attr("items.get(0)"), None, "calls with arguments are not allowed"),
    (java_attr("note.trim()"), None, "`.trim()` is not allowed on `note` (declared `String`)"),
    (java_attr("note.length"), None, "`.length` is not allowed on `note`"),
    (java_attr("all.size()"), None, "`.size()` is not allowed on `all`"),  # java.util.* only: another Collection could win
    (java_attr("item.toString()"), None, "`toString()` is not a getter"),
    (java_attr("item.getCode()"), None, "declares no `getCode()` getter"),  # private
    (java_attr("item.getPrice().x"), None, "is not allowed in an attribute value: it must be"),
    (java_attr("tags.size()"), None, "`tags` is reassigned in the method"),
    (java_attr("moved"), "int moved;", "local `moved` is declared without a value"),
    (java_attr("total"), None, "`total` is not a parameter, or a local declared with a value"),  # declared below
    (java_attr("customer"), None, "`customer` is not a parameter, a local declared above, or a field"),
    (java_attr("this.created"), None, "declares no instance field `created`"),  # static
    (java_attr("item"), "for (Item i : items) {", "top level (here it would be inside a enhanced_for_statement)"),
    (java_attr("item"), "return total + before;", "may be unreachable"),
])
def test_java_enrich_refuses_with_the_reason(line: str, after: str | None, reason: str) -> None:
    task = enrich_tasks(ORDERS_JAVA, "src/shop/Orders.java")["Orders.place"]
    verdict = task.verify(with_attributes(task, [line], after))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert verdict.reason.startswith("answer line ") and verdict.insertions == ()
    assert failure_class(verdict.reason) is not None, "--learn can name the lesson for this refusal"


def test_java_enrich_refuses_fields_in_static_methods_and_constructors() -> None:
    tasks = enrich_tasks(ORDERS_JAVA, "src/shop/Orders.java")
    static = tasks["Orders.count"].verify(with_attributes(tasks["Orders.count"], [java_attr("this.status")]))
    assert not static.accepted and "static method" in static.reason
    constructor = tasks["Orders.<init>"].verify(with_attributes(tasks["Orders.<init>"], [java_attr("status")]))
    assert not constructor.accepted and "in a constructor" in constructor.reason
    assert tasks["Orders.<init>"].verify(with_attributes(tasks["Orders.<init>"], [java_attr("items.size()")])).accepted  # the parameter


def test_enrich_keeps_the_fallback_rules_for_everything_but_the_attribute_lines() -> None:
    task = enrich_tasks(ORDERS_JAVA, "src/shop/Orders.java")["Orders.place"]
    plain = obedient({"messages": [{"content": task.user}]})
    assert task.verify(plain).accepted and task.verify(plain).attributes == ()  # none qualifies: the span alone
    changed = task.verify(with_attributes(task, [java_attr("item")]).replace("int total = 0;", "int total = 1;"))
    assert not changed.accepted and "was changed or removed" in changed.reason
    six = task.verify(with_attributes(task, [java_attr("item")] * 6))
    assert not six.accepted and six.reason == "6 attributes; at most 5"
    lines = with_attributes(task, [java_attr("item")]).split("\n")
    outside = "\n".join(lines[:2] + [java_attr("item")] + lines[2:])  # above the opening line
    verdict = task.verify(outside)
    assert not verdict.accepted and "between the opening and the closing telemetry line" in verdict.reason
    fallback = wrap_fallback_task(ORDERS_JAVA, "src/shop/Orders.java", "Orders.place")
    assert not fallback.verify(with_attributes(task, [java_attr("item")])).accepted  # --llm fallback: still exactly two lines


def wrap_fallback_task(source: str, name: str, qualname: str):
    from telemetry_inject.engine.inject import candidate_units
    from telemetry_inject.languages import language_for
    from telemetry_inject.llm.fallback import wrap_task

    language = language_for(Path(name))
    found, newline, _ = candidate_units(source.encode(), language, None)
    [(unit, text)] = [(u, t) for _, u, t in found if u.qualname == qualname]
    return wrap_task(language, unit, text, Path(name), newline)


def test_enrich_and_fallback_answers_have_different_cache_keys() -> None:
    from telemetry_inject.engine.inject import candidate_units
    from telemetry_inject.languages import language_for
    from telemetry_inject.llm.fallback import task_key

    language = language_for(Path("Orders.java"))
    found, newline, _ = candidate_units(ORDERS_JAVA.encode(), language, None)
    _, unit, text = found[0]
    keys = {task_key(language, unit, text, Path("Orders.java"), newline, "spans", ("m",), enrich) for enrich in (False, True)}
    assert len(keys) == 2


ACCEPTED_RUBY = [
    ("order.id", None), ("qty", None), ("rest.size", None), ("note", None), ("opts[:mode]", None), ('opts["mode"]', None),
    ("@items.size", None), ("@items.empty?", None), ("self.class.name", None), ("order&.id", None), ("blk", None), ("rest[-1]", None),
    ("count", "count = @items.size"), ("label", "label, kind = order.label"),
]


@pytest.mark.parametrize("value, after", ACCEPTED_RUBY)
def test_ruby_enrich_accepts_reads(value: str, after: str | None) -> None:
    task = enrich_tasks(ORDERS_RUBY, "lib/orders.rb")["Orders#place"]
    verdict = task.verify(with_attributes(task, [ruby_attr(value)], after))
    assert verdict.accepted, verdict.reason
    assert verdict.attributes == ("order.value",)


@pytest.mark.parametrize("line, after, reason", [
    ('    TelemetryInject.attr("order.id") { order.id }', None, "not the form"),
    (ruby_attr("order.id", indent="  "), None, "at the body's indentation"),
    (ruby_attr("order.id", key="Order id"), None, "lowercase dotted string literal"),
    (ruby_attr("order.id", key="auth.header"), None, "'auth.header' looks like a secret"),
    (ruby_attr("order.password"), None, "`password` looks like a secret"),
    (ruby_attr("exit"), None, "`exit` is not a parameter or a local assigned above: a bare name is a method call"),
    (ruby_attr("count"), None, "`count` is not a parameter or a local assigned above"),  # assigned below
    (ruby_attr("@items.pop"), None, "`pop` may have side effects"),
    (ruby_attr("order.save"), None, "`save` may have side effects"),
    (ruby_attr("order.send :id"), None, "`send` may have side effects"),
    (ruby_attr("order.save!"), None, "`!` methods"),
    (ruby_attr("order.id = 1"), None, "assignments"),
    (ruby_attr("order.fetch(:id)"), None, "calls with arguments"),
    (ruby_attr("@items.map { |i| i.id }"), None, "blocks are not allowed"),
    (ruby_attr("_tel"), None, "the runtime's own names"),
    (ruby_attr("Time.now"), None, "is not allowed in an attribute value: it must be"),
    (ruby_attr("$stdout"), None, "is not allowed in an attribute value: it must be"),
    (ruby_attr("@items.empty?.to_s"), None, "is not allowed in an attribute value: it must be"),  # a `?` name ends the chain
    (ruby_attr("item.price"), "@items.each do |item|", "top level (here it would be inside a call)"),
    (ruby_attr("order.id"), "text = <<~TEXT", "top level (here it would be inside a heredoc_body)"),
    (ruby_attr("order.id"), "count + qty", "must not be the method's last statement"),  # its value would be the method's
    (ruby_attr("order.id"), "rescue KeyError", "before its rescue clause"),
])
def test_ruby_enrich_refuses_with_the_reason(line: str, after: str | None, reason: str) -> None:
    task = enrich_tasks(ORDERS_RUBY, "lib/orders.rb")["Orders#place"]
    verdict = task.verify(with_attributes(task, [line], after))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert verdict.reason.startswith("answer line ")
    assert failure_class(verdict.reason) is not None, "--learn can name the lesson for this refusal"


def test_ruby_enrich_keeps_the_return_value_and_ruby_w_quiet() -> None:
    tasks = enrich_tasks(ORDERS_RUBY, "lib/orders.rb")
    last = tasks["Orders#finish"].verify(with_attributes(tasks["Orders#finish"], [ruby_attr("@done")], "    nil"))
    assert not last.accepted and "must not be the method's last statement" in last.reason
    unreached = tasks["Orders#stop"].verify(with_attributes(tasks["Orders#stop"], [ruby_attr("@done")], "return @items.size"))
    assert not unreached.accepted and "never reached" in unreached.reason
    guarded = tasks["Orders#finish"].verify(with_attributes(tasks["Orders#finish"], [ruby_attr("@done")], "return @items.size if @done"))
    assert guarded.accepted, guarded.reason  # a modifier `if` returns only sometimes


CALLABLES_RUBY = """class Orders
  def place(order, &blk)
    fn = ->(x) { x }
    memo = Hash.new { |hash, key| hash[key] = [] }
    meth = method(:puts)
    size = order.size
    size + fn.arity + memo.size + meth.arity
  end
end

Orders.new.place([1]) { |x| puts "the block ran with #{x.inspect}" }
"""


@pytest.mark.parametrize("value, reason", [
    ("blk[0]", "`blk[…]` may have side effects"),  # Proc#[] is call
    ("fn[0]", "`fn[…]` may have side effects"),
    ("memo[:id]", "`memo[…]` may have side effects"),  # the default block stores
    ("meth[0]", "`meth[…]` may have side effects"),
    ("order.deq", "`deq` may have side effects"),  # Queue
    ("order.try_lock", "`try_lock` may have side effects"),  # Mutex
    ("order.destroy_all", "`destroy_all` may have side effects"),  # ActiveRecord
])
def test_ruby_enrich_refuses_indexes_that_call_blocks_and_more_mutators(tmp_path: Path, value: str, reason: str) -> None:
    """Refused; real ruby shows `blk[0]` runs the caller's block where `blk` alone does not."""
    task = enrich_tasks(CALLABLES_RUBY, "lib/orders.rb")["Orders#place"]
    verdict = task.verify(with_attributes(task, [ruby_attr(value)], "size = order.size"))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert failure_class(verdict.reason) == "side-effect-free-values"
    if value != "blk[0]":
        return
    ruby = _tool("ruby")
    alone = task.verify(with_attributes(task, [ruby_attr("blk")], "size = order.size"))
    assert alone.accepted, alone.reason
    function = CALLABLES_RUBY[CALLABLES_RUBY.index("  def place") : CALLABLES_RUBY.index("  end\n") + 6].encode()
    runtime = REPO / "telemetry_inject/runtimes/ruby/telemetry_inject.rb"
    (tmp_path / "telemetry_inject.rb").write_bytes(runtime.read_bytes())
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(tmp_path / "spans.jsonl")}
    for name, insertions in (("alone.rb", alone.insertions), ("forced.rb", [(b, t.replace(b"{ blk }", b"{ blk[0] }")) for b, t in alone.insertions])):
        (tmp_path / name).write_text('require_relative "telemetry_inject"\n' + _with_insertions(CALLABLES_RUBY, function, list(insertions)))
    runs = {name: subprocess.run([ruby, "-w", name], cwd=tmp_path, capture_output=True, text=True, env=env) for name in ("alone.rb", "forced.rb")}
    assert (runs["alone.rb"].returncode, runs["alone.rb"].stdout) == (0, ""), runs["alone.rb"].stderr
    assert (runs["forced.rb"].returncode, runs["forced.rb"].stdout) == (0, "the block ran with 0\n"), runs["forced.rb"].stderr


def enriching(attributes: dict[str, list[str]], first_refused: dict[str, str]):
    """A model that writes the two given lines plus, right after the opening line, the attributes listed for
    the span whose root the function mentions (``java_attr``/``ruby_attr`` form); for a span in
    ``first_refused``, a bad one first, until told it was refused."""
    def answer(body: dict) -> str:
        content = body["messages"][-1]["content"]
        match = _ASK.search(content)
        span = re.search(r'(?:start|span)\("([^"]+)"', match["opening"])[1]
        indent = match["opening"][: len(match["opening"]) - len(match["opening"].lstrip())]
        ruby = "TelemetryInject.span(" in match["opening"]
        roots = (re.match(r"(?:this\.|@)?(\w+)", v)[1] for _, v in attributes.get(span, []))
        values = [kv for kv, root in zip(attributes.get(span, []), roots) if re.search(rf"\b{root}\b", match["code"])]  # as a model would
        if span in first_refused and "was refused" not in content:
            values = [first_refused[span]]
        lines = [ruby_attr(v, k, indent) if ruby else java_attr(v, k, indent) for k, v in values]
        code = match["code"].split("\n")[:-1]
        open_at, close_at = int(match["open"]), int(match["close"]) - 1
        code = code[:open_at] + [match["opening"], *lines] + code[open_at:close_at] + [match["closing"]] + code[close_at:]
        return "```\n" + "\n".join(code) + "\n```"

    return answer


def enrich(tmp: Path, server: FakeLLM, *paths: str) -> subprocess.CompletedProcess:
    return fallback(tmp, server, *paths, extra=("--no-parallel",), mode="enrich")


JAVA_ATTRIBUTES = {
    "Cart.<init>": [("cart.first", "first")],  # Cart(int first); Cart() has nothing to record: the two lines alone
    "Cart.add": [("cart.price", "price")],
    "Cart.total": [("cart.items", "this.prices.size()")],
    "Cart.main": [("args.count", "args.length")],
}


def test_java_enrich_compiles_with_werror_runs_records_the_attributes_and_strips_back(java_repo: Path, tmp_path_factory) -> None:
    javac, java = _tool("javac"), _tool("java")
    server = FakeLLM([])
    server.default = enriching(JAVA_ATTRIBUTES, {"Cart.add": ("cart.first", "prices.get(0)")})
    with server:
        proc = enrich(java_repo, server, ".")
        assert proc.returncode == 1, proc.stderr
        retry = [r["body"]["messages"][-1]["content"] for r in server.requests if "was refused" in r["body"]["messages"][-1]["content"]]
        assert len(retry) == 1 and "calls with arguments are not allowed in an attribute value" in retry[0]
        assert "telemetry_inject.Telemetry.attr(" in server.requests[0]["body"]["messages"][0]["content"]  # the enrich rules
        asked = len(server.requests)
        again = enrich(java_repo, server, ".")
        assert again.returncode == 0 and len(server.requests) == asked  # a rerun is a no-op
    text = (java_repo / "src/shop/Cart.java").read_text()
    assert "    public int total() {\n        final telemetry_inject.Telemetry.Span _tel$" in text
    assert '        telemetry_inject.Telemetry.attr("cart.items", () -> this.prices.size());\n        int sum = 0;\n' in text
    assert text.count("telemetry_inject.Telemetry.attr(") == 4  # both constructors share a name: Cart(int first) got `first`
    out = tmp_path_factory.mktemp("classes")
    compiled = subprocess.run([javac, "-Xlint:all", "-Werror", "-d", str(out), "src/shop/Cart.java", "src/telemetry_inject/Telemetry.java"],
                              cwd=java_repo, capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    spans = tmp_path_factory.mktemp("spans") / "java.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(spans)}
    run = subprocess.run([java, "-cp", str(out), "shop.Cart"], capture_output=True, text=True, env=env)
    assert (run.returncode, run.stdout) == (0, "7\nrefused: negative price -1\n")
    records = [json.loads(line) for line in spans.read_text().splitlines()]
    by_name: dict[str, list] = {}
    for record in records:
        by_name.setdefault(record["name"], []).append(record)
    assert [r["attributes"].get("cart.price") for r in by_name["Cart.add"]] == [3, 4, -1]
    assert by_name["Cart.total"][0]["attributes"]["cart.items"] == 3  # Cart() adds a 0 through this(0)
    assert by_name["Cart.main"][0]["attributes"]["args.count"] == 0
    lines = text.splitlines()
    for name in ("Cart.add", "Cart.total", "Cart.main"):  # each opening line's {LINE}, renumbered past the attributes above
        assert re.match(rf"    public .*\b{name.split('.')[1]}\(", lines[by_name[name][0]["code.lineno"] - 1]), name
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    status = subprocess.run([*CLI, "status", "--format", "json", "src/shop/Cart.java"], cwd=java_repo, env=env, capture_output=True, text=True)
    assert json.loads(status.stdout)["total"] == {"instrumented": 5, "missing": 0}
    subprocess.run([*CLI, "strip", "--remove-runtime", "."], cwd=java_repo, env=env, check=False)
    assert (java_repo / "src/shop/Cart.java").read_text() == CART_JAVA
    assert git(java_repo, "status", "--porcelain", "--untracked-files=all") == ""


RUBY_ATTRIBUTES = {
    "Shop::Cart#add": [("cart.price", "price"), ("cart.size", "@prices.size")],
    "Shop::Cart#total": [("cart.size", "@prices.size")],
    "Shop::Cart#each_price": [("cart.first", "@prices[0]")],
}


def test_ruby_enrich_passes_ruby_wc_runs_records_the_attributes_and_strips_back(git_repo: Path, tmp_path_factory) -> None:
    ruby = _tool("ruby")
    (git_repo / "lib").mkdir()
    (git_repo / "lib/cart.rb").write_text(CART_RUBY)
    server = FakeLLM([])
    server.default = enriching(RUBY_ATTRIBUTES, {"Shop::Cart#total": ("cart.size", "exit")})
    with server:
        proc = enrich(git_repo, server, "lib/cart.rb")
        assert proc.returncode == 1, proc.stderr
        retry = [r["body"]["messages"][-1]["content"] for r in server.requests if "was refused" in r["body"]["messages"][-1]["content"]]
        assert len(retry) == 1 and "`exit` is not a parameter or a local assigned above: a bare name is a method call in Ruby" in retry[0]
        asked = len(server.requests)
        again = enrich(git_repo, server, "lib/cart.rb")
        assert again.returncode == 0 and len(server.requests) == asked
    text = (git_repo / "lib/cart.rb").read_text()
    assert ('    def total\n      ::TelemetryInject.span("Shop::Cart#total", "lib/cart.rb", 23) do\n'
            '      ::TelemetryInject.attr("cart.size") { @prices.size }\n      return 0 if @prices.empty?\n') in text
    syntax = subprocess.run([ruby, "-wc", "lib/cart.rb"], cwd=git_repo, capture_output=True, text=True)
    assert syntax.returncode == 0 and "Syntax OK" in syntax.stdout and not syntax.stderr, syntax.stderr
    spans = tmp_path_factory.mktemp("spans") / "ruby.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(spans)}
    run = subprocess.run([ruby, "-w", "lib/cart.rb"], cwd=git_repo, capture_output=True, text=True, env=env)
    assert (run.returncode, run.stdout, run.stderr) == (0, "7\n34\nrefused: negative price -1\n", "")
    records = [json.loads(line) for line in spans.read_text().splitlines()]
    added = [r["attributes"] for r in records if r["name"] == "Shop::Cart#add"]
    assert [(a.get("cart.price"), a.get("cart.size")) for a in added] == [(3, 0), (4, 1), (-1, 2)]
    assert [r["attributes"].get("cart.size") for r in records if r["name"] == "Shop::Cart#total"] == [2]
    assert [r["attributes"].get("cart.first") for r in records if r["name"] == "Shop::Cart#each_price"] == [3]
    lines = text.splitlines()
    assert all(lines[r["code.lineno"] - 1].lstrip().startswith("def ") for r in records)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([*CLI, "strip", "--remove-runtime", "."], cwd=git_repo, env=env, check=False)
    assert (git_repo / "lib/cart.rb").read_text() == CART_RUBY and not (git_repo / "telemetry_inject.rb").exists()


def test_a_moved_enriched_method_gets_its_opening_line_refreshed_and_keeps_its_attributes(java_repo: Path) -> None:
    server = FakeLLM([])
    server.default = enriching(JAVA_ATTRIBUTES, {})
    with server:
        assert enrich(java_repo, server, ".").returncode == 1
    cart = java_repo / "src/shop/Cart.java"
    rerun_after_moving_every_method(java_repo, cart)
    after = cart.read_text().splitlines()
    [opening] = [i for i, line in enumerate(after) if 'start("Cart.total"' in line]
    assert after[opening - 1].startswith("    public int total()") and f'"src/shop/Cart.java", {opening}); try {{' in after[opening]
    assert after[opening + 1] == '        telemetry_inject.Telemetry.attr("cart.items", () -> this.prices.size());'
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    stripped = subprocess.run([*CLI, "strip", "src/shop/Cart.java"], cwd=java_repo, env=env, capture_output=True, text=True)
    assert stripped.returncode in (0, 1), stripped.stderr
    assert "telemetry_inject" not in cart.read_text()


def test_attribute_lessons_join_the_enrich_prompt_only() -> None:
    from telemetry_inject.llm.fallback import wrapped_lessons

    for language, title in (("java", "# Java attribute values must compile"), ("ruby", "# Ruby attribute values only read")):
        assert title in wrapped_lessons(None, language, True)
        assert title not in wrapped_lessons(None, language, False)  # --llm fallback: exactly two lines, no talk of attributes


@pytest.mark.parametrize("line", [
    "        telemetry_inject.Telemetry.attr(",
    '        telemetry_inject.Telemetry.attr("order.id", () -> );',
    '        telemetry_inject.Telemetry.attr("order.id", () -> \\u0022);',
    '        telemetry_inject.Telemetry.attr("order.id", () -> this.);',
    '        telemetry_inject.Telemetry.attr("order.id", () -> item..id());',
    '        telemetry_inject.Telemetry.attr("order.id", () -> this);',
    '        telemetry_inject.Telemetry.attr("order.id", () -> super.x);',
    '        telemetry_inject.Telemetry.attr("order.id", () -> item.id()); telemetry_inject.Telemetry.attr("b", () -> x);',
    '        telemetry_inject.Telemetry.attr("ordér.id", () -> item);',
    '    ::TelemetryInject.attr("order.id") { order.id }',
])
def test_a_malformed_attribute_line_is_refused_never_a_crash(line: str) -> None:
    task = enrich_tasks(ORDERS_JAVA, "src/shop/Orders.java")["Orders.place"]
    verdict = task.verify(with_attributes(task, [line]))
    assert not verdict.accepted and verdict.reason


@pytest.mark.parametrize("line", [
    "    ::TelemetryInject.attr(", '    ::TelemetryInject.attr("order.id") {  }', '    ::TelemetryInject.attr("order.id") { order. }',
    '    ::TelemetryInject.attr("order.id") { order[] }', '    ::TelemetryInject.attr("order.id") { order["#{x}"] }',
    '    ::TelemetryInject.attr("order.id") { @ }', '    ::TelemetryInject.attr("order.id") { order.id }; exit',
    '    ::TelemetryInject.attr("order.id") { order.id } if x', '    ::TelemetryInject.attr("order.id") { order.id } }',
])
def test_a_malformed_ruby_attribute_line_is_refused_never_a_crash(line: str) -> None:
    task = enrich_tasks(ORDERS_RUBY, "lib/orders.rb")["Orders#place"]
    verdict = task.verify(with_attributes(task, [line]))
    assert not verdict.accepted and verdict.reason


def _with_insertions(source: str, function: bytes, insertions: list[tuple[int, bytes]]) -> str:
    lines = function.decode().splitlines(keepends=True)
    ordered = sorted(enumerate(insertions), key=lambda item: (item[1][0], item[0]))
    out, cursor = [], 0
    for _, (before, text) in ordered:
        out += lines[cursor:before] + [text.decode()]
        cursor = before
    return source.replace(function.decode(), "".join(out + lines[cursor:]), 1)


def test_every_value_the_java_verifier_accepts_compiles_with_werror(tmp_path: Path) -> None:
    """The accepted table above, all at once in one method, through real javac -Xlint:all -Werror."""
    javac = _tool("javac")
    task = enrich_tasks(ORDERS_JAVA, "src/shop/Orders.java")["Orders.place"]
    insertions: list[tuple[int, bytes]] = []
    for index, (value, after) in enumerate(ACCEPTED_JAVA):
        verdict = task.verify(with_attributes(task, [java_attr(value, f"order.v{index}")], after and after.split("\n")[-1].strip()))
        assert verdict.accepted, verdict.reason
        insertions += verdict.insertions
    unique = list(dict.fromkeys(insertions))  # the opening and closing lines once
    text = ORDERS_JAVA.split("    public int place(", 1)[1]
    function = ("    public int place(" + text.split("\n    }\n", 1)[0] + "\n    }\n").encode()
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop/Orders.java").write_text(_with_insertions(ORDERS_JAVA, function, unique))
    runtime = REPO / "telemetry_inject/runtimes/java/telemetry_inject/Telemetry.java"
    compiled = subprocess.run([javac, "-Xlint:all", "-Werror", "-d", str(tmp_path / "out"), "shop/Orders.java", str(runtime)],
                              cwd=tmp_path, capture_output=True, text=True, check=False)
    assert compiled.returncode == 0, compiled.stderr + (tmp_path / "shop/Orders.java").read_text()
    assert (tmp_path / "shop/Orders.java").read_text().count(".attr(") == len(ACCEPTED_JAVA)


def test_every_value_the_ruby_verifier_accepts_passes_ruby_wc(tmp_path: Path) -> None:
    ruby = _tool("ruby")
    task = enrich_tasks(ORDERS_RUBY, "lib/orders.rb")["Orders#place"]
    insertions: list[tuple[int, bytes]] = []
    for index, (value, after) in enumerate(ACCEPTED_RUBY):
        verdict = task.verify(with_attributes(task, [ruby_attr(value, f"order.v{index}")], after))
        assert verdict.accepted, verdict.reason
        insertions += verdict.insertions
    function = ORDERS_RUBY[ORDERS_RUBY.index("  def place") : ORDERS_RUBY.index("  end\n") + 6].encode()
    (tmp_path / "plain.rb").write_text(ORDERS_RUBY)
    (tmp_path / "orders.rb").write_text(_with_insertions(ORDERS_RUBY, function, list(dict.fromkeys(insertions))))
    plain = subprocess.run([ruby, "-wc", "plain.rb"], cwd=tmp_path, capture_output=True, text=True, check=False)
    syntax = subprocess.run([ruby, "-wc", "orders.rb"], cwd=tmp_path, capture_output=True, text=True, check=False)
    # (an attribute may read a local the method itself leaves unused: one warning fewer)
    warnings = lambda proc: sorted(re.sub(r"^\S+:\d+: ", "", line) for line in proc.stderr.splitlines())  # noqa: E731
    assert syntax.returncode == 0 and set(warnings(syntax)) <= set(warnings(plain)), syntax.stderr + (tmp_path / "orders.rb").read_text()
    assert (tmp_path / "orders.rb").read_text().count(".attr(") == len(ACCEPTED_RUBY)


def test_ruby_methods_defined_in_blocks_are_units_and_stay_valid_ruby(git_repo: Path) -> None:
    """`Struct.new do`, a concern's `included do` and `class_methods do` define methods too."""
    ruby = _tool("ruby")
    source = (
        "Point = Struct.new(:x, :y) do\n  def sum\n    x + y\n  end\nend\n\n"
        "module Named\n  def self.included(base)\n    base.extend(ClassMethods)\n  end\n\n"
        "  module ClassMethods\n    def label\n      name.downcase\n    end\n  end\nend\n\n"
        "class Box\n  include Named\n  [1].each do\n    def twice\n      2\n    end\n  end\nend\n\n"
        "puts Point.new(40, 2).sum\nputs Box.label\nputs Box.new.twice\n"
    )
    (git_repo / "point.rb").write_text(source)
    server = FakeLLM([])
    server.default = obedient
    with server:
        proc = fallback(git_repo, server, "point.rb")
    assert proc.returncode == 1, proc.stderr
    names = [f["function"] for f in json.loads(proc.stdout)["files"][0]["functions"]]
    assert names == ["Point#sum", "Named.included", "Named::ClassMethods#label", "Box#twice"]
    spans = git_repo / "spans.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(spans)}
    run = subprocess.run([ruby, "-w", "point.rb"], cwd=git_repo, capture_output=True, text=True, env=env)
    assert (run.returncode, run.stdout, run.stderr) == (0, "42\nbox\n2\n", "")
    assert {json.loads(line)["name"] for line in spans.read_text().splitlines()} == {"Point#sum", "Named.included", "Named::ClassMethods#label", "Box#twice"}
    assert subprocess.run(CLI + ["strip", "point.rb"], cwd=git_repo, capture_output=True).returncode == 1
    assert (git_repo / "point.rb").read_text() == source


def test_ruby_class_methods_block_names_class_methods(git_repo: Path) -> None:
    from telemetry_inject.languages import LANGUAGES

    ruby = LANGUAGES["ruby"]
    source = b"module Sortable\n  class_methods do\n    def by_name\n      1\n    end\n  end\nend\n"
    units = ruby.function_units(ruby.parser().parse(source), source)
    assert [u.qualname for u in units] == ["Sortable.by_name"]


def test_java_enum_constant_bodies_are_units_that_compile_and_run(java_repo: Path, tmp_path_factory) -> None:
    javac, java = _tool("javac"), _tool("java")
    source = (
        "package shop;\n\npublic enum Op {\n    PLUS {\n        @Override\n        int apply(int a, int b) {\n            return a + b;\n        }\n    },\n"
        "    TIMES {\n        @Override\n        int apply(int a, int b) {\n            return a * b;\n        }\n    };\n\n"
        "    abstract int apply(int a, int b);\n\n    public static void main(String[] args) {\n"
        "        System.out.println(PLUS.apply(40, 2) + \" \" + TIMES.apply(6, 7));\n    }\n}\n"
    )
    (java_repo / "src/shop/Op.java").write_text(source)
    server = FakeLLM([])
    server.default = obedient
    with server:
        proc = fallback(java_repo, server, "src/shop/Op.java")
    assert proc.returncode == 1, proc.stderr
    names = [f["function"] for f in json.loads(proc.stdout)["files"][0]["functions"] if f["status"] == "instrumented"]
    assert names == ["Op.PLUS.apply", "Op.TIMES.apply", "Op.main"]
    out = tmp_path_factory.mktemp("classes")
    compiled = subprocess.run([javac, "-Xlint:all", "-Werror", "-d", str(out), "src/shop/Op.java", "src/telemetry_inject/Telemetry.java"],
                              cwd=java_repo, capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    spans = tmp_path_factory.mktemp("spans") / "op.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_INJECT")}, "TELEMETRY_INJECT_OUT": str(spans)}
    run = subprocess.run([java, "-cp", str(out), "shop.Op"], capture_output=True, text=True, env=env)
    assert (run.returncode, run.stdout) == (0, "42 42\n")
    assert sorted(json.loads(line)["name"] for line in spans.read_text().splitlines()) == ["Op.PLUS.apply", "Op.TIMES.apply", "Op.main"]
    assert subprocess.run(CLI + ["strip", "src/shop/Op.java"], cwd=java_repo, capture_output=True).returncode == 1
    assert (java_repo / "src/shop/Op.java").read_text() == source


TRAPS_JAVA = """package shop;

import java.io.IOException;

@SuppressWarnings("deprecation")
record Tag(@Deprecated String id, int weight) {
}

public class Traps {
    static class Item {
        int getPrice() throws IOException {
            return 1;
        }
    }

    static class String {
        int size() {
            return 0;
        }
    }

    int place(Item item, String name, Tag tag, int count) {
        (count)++;
        int kept = count;
        return kept + tag.weight();
    }
}
"""


@pytest.mark.parametrize("value, reason", [
    ("item.getPrice()", "throws nothing checked"),  # unreported exception IOException: a Supplier may not throw it
    ("name.isEmpty()", "String declares no `isEmpty()` getter"),  # this file's String, not java.lang's
    ("count", "`count` is reassigned in the method"),  # `(count)++`: not effectively final
    ("tag.id()", "Tag declares no `id()` getter"),  # the accessor inherits @Deprecated: [deprecation] under -Werror
])
def test_java_enrich_refuses_values_javac_would_reject(value: str, reason: str) -> None:
    task = enrich_tasks(TRAPS_JAVA, "src/shop/Traps.java")["Traps.place"]
    verdict = task.verify(with_attributes(task, [java_attr(value)], "int kept = count;"))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
    assert failure_class(verdict.reason) == "values-that-compile"


def test_the_java_trap_file_compiles_with_werror_and_its_safe_values_are_accepted(tmp_path: Path) -> None:
    """Each refusal above is about the attribute: the file itself passes javac -Xlint:all -Werror, and its other values pass."""
    task = enrich_tasks(TRAPS_JAVA, "src/shop/Traps.java")["Traps.place"]
    for value in ("kept", "tag.weight()", "item"):
        verdict = task.verify(with_attributes(task, [java_attr(value)], "int kept = count;"))
        assert verdict.accepted, verdict.reason
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop/Traps.java").write_text(TRAPS_JAVA)
    compiled = subprocess.run([_tool("javac"), "-Xlint:all", "-Werror", "-d", str(tmp_path / "out"), "shop/Traps.java"],
                              cwd=tmp_path, capture_output=True, text=True, check=False)
    assert compiled.returncode == 0, compiled.stderr


@pytest.mark.parametrize("hidden", [
    "// \\u000a count++;",  # javac decodes the escape first: a line break, then an increment
    "// \\uu000A count++;",
    "// then\r count++;",  # a lone CR ends the // comment for javac
])
def test_java_enrich_refuses_a_file_where_javac_reads_code_the_tree_does_not(hidden: str) -> None:
    source = TRAPS_JAVA.replace("(count)++;", hidden)
    task = enrich_tasks(source, "src/shop/Traps.java")["Traps.place"]
    verdict = task.verify(with_attributes(task, [java_attr("count")], "int kept = count;"))
    assert not verdict.accepted and "javac reads code there" in verdict.reason, verdict.reason
    assert failure_class(verdict.reason) == "values-that-compile"
    escaped = TRAPS_JAVA.replace("(count)++;", '// "\\\\u000a" is two characters; \\u00e9 is a letter')
    task = enrich_tasks(escaped, "src/shop/Traps.java")["Traps.place"]
    assert task.verify(with_attributes(task, [java_attr("count")], "int kept = count;")).accepted  # neither hides code


NEWER_JAVA = """package shop;

public class Newer {
    record Point(int status, int y) {
    }

    int status = 7;

    int place(Object o, int x) {
        int _ = x;
        if (!(o instanceof Point(int status, int y))) {
            return 0;
        }
        int kept = y;
        return kept + status;
    }
}
"""


@pytest.mark.parametrize("value, reason", [
    ("_", "`_` is not allowed in an attribute value"),  # Java 22's unnamed variable: javac 25 says "underscore not allowed here"
    ("status", "`status` is not a parameter, or a local declared with a value"),  # the pattern's status (1 in a run), not this.status (7)
])
def test_java_enrich_refuses_names_newer_java_binds_elsewhere(value: str, reason: str) -> None:
    """Java 21+ (javac 25 confirms; the CI's javac 17 cannot compile this file): record patterns and unnamed variables."""
    task = enrich_tasks(NEWER_JAVA, "src/shop/Newer.java")["Newer.place"]
    verdict = task.verify(with_attributes(task, [java_attr(value)], "int kept = y;"))
    assert not verdict.accepted and reason in verdict.reason, verdict.reason
