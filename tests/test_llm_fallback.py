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


def fallback(tmp: Path, server: FakeLLM, *paths: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "OPENAI", "ANTHROPIC", "TELEMETRY_INJECT"))}
    env["PYTHONPATH"] = str(REPO)
    args = [*CLI, "run", "--llm", "fallback", "--provider", "openai", "--model", "gpt-4o", "--base-url", f"{server.url}/v1",
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


def test_a_touched_method_that_moved_gets_its_opening_line_refreshed_without_any_llm(java_repo: Path) -> None:
    server = FakeLLM([])
    server.default = obedient
    with server:
        assert fallback(java_repo, server, ".").returncode == 1
    cart = java_repo / "src/shop/Cart.java"
    git(java_repo, "add", "-A")
    git(java_repo, "commit", "-qm", "instrumented")
    text = cart.read_text().replace("public class Cart {\n", "public class Cart {\n    // a comment moves every method down\n\n")
    cart.write_text(text.replace("        int sum = 0;\n", "        int sum = 0; // touched\n"))
    git(java_repo, "add", "-A")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*CLI, "run", "--staged", "--format", "json", "."], cwd=java_repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    after = cart.read_text()
    assert 'telemetry_inject.Telemetry.start("Cart.total", "src/shop/Cart.java", 33); try {' in after  # was 31: touched, refreshed
    assert 'telemetry_inject.Telemetry.start("Cart.add", "src/shop/Cart.java", 22); try {' in after  # untouched: left as it was
    assert after.splitlines()[32].startswith("    public int total()")  # line 33 is where it is now
