"""The Go template with the real go toolchain: instrumented modules pass gofmt, go vet and go build,
run and write their spans; strip restores every byte; diffs select functions; and a real Go
package (go-cmp, from Debian's golang-github-google-go-cmp-dev sources) keeps passing its tests.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, git
from gotoolchain import check, go_binary, toolchain_env

CLI = [sys.executable, "-m", "telemetry_inject"]
GO_CMP = Path("/usr/share/gocode/src/github.com/google/go-cmp")

MAIN = """package main

import (
\t"fmt"

\t"example.com/shop/cart"
)

func main() {
\tdefer func() {
\t\tfmt.Println("recovered:", recover())
\t}()
\tc := &cart.Cart{}
\tc.Add(3)
\tc.Add(4)
\tfmt.Println(c.Total())
\tcart.Explode()
}
"""
CART = """package cart

type Cart struct{ prices []int }

func (c *Cart) Add(price int) {
\tc.prices = append(c.prices, price)
}

func (c Cart) Total() int {
\treturn Sum(c.prices)
}

func Sum[T int | float64](xs []T) T {
\tvar total T
\tfor _, x := range xs {
\t\ttotal += x
\t}
\treturn total
}

func Explode() {
\tpanic("boom")
}
"""


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**toolchain_env(), "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([*CLI, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=300)


@pytest.fixture
def module(tmp_path: Path) -> Path:
    go_binary()
    root = tmp_path / "shop"
    (root / "cart").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/shop\n\ngo 1.19\n")
    (root / "main.go").write_text(MAIN)
    (root / "cart" / "cart.go").write_text(CART)
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "-c", "user.email=d@e.com", "-c", "user.name=D", "commit", "-qm", "shop")
    return root


def test_instrumented_module_is_gofmt_clean_vets_builds_runs_and_strips_back(module: Path) -> None:
    go = go_binary()
    run = cli("run", ".", cwd=module)
    assert run.returncode == 1, run.stderr
    assert "created internal/telemetry/telemetry.go" in run.stdout
    cart = (module / "cart/cart.go").read_text()
    assert '\tdefer _tel.Start("cart.Cart.Add").End()\n' in cart and 'import _tel "example.com/shop/internal/telemetry"\n' in cart
    assert 'defer _tel.Start("main.main").End()' in (module / "main.go").read_text()
    assert check([go, "fmt", "./..."], module) == ""  # gofmt would change nothing
    assert subprocess.run(["gofmt", "-l", "."], cwd=module, capture_output=True, text=True).stdout == ""
    check([go, "vet", "./..."], module)
    check([go, "build", "-o", "shop", "."], module)

    plain = subprocess.run(["./shop"], cwd=module, capture_output=True, text=True, env=toolchain_env())
    assert plain.stdout == "7\nrecovered: boom\n" and not list(module.glob("*.jsonl"))
    out = module / "spans.jsonl"
    traced = subprocess.run(["./shop"], cwd=module, capture_output=True, text=True, env={**toolchain_env(), "TELEMETRY_INJECT_OUT": str(out)})
    assert traced.stdout == plain.stdout
    spans = {s["name"]: s for s in map(json.loads, out.read_text().splitlines())}
    assert {"main.main", "cart.Cart.Add", "cart.Cart.Total", "cart.Sum", "cart.Explode"} <= set(spans)
    assert spans["cart.Sum"]["parent_span_id"] == spans["cart.Cart.Total"]["span_id"]
    assert spans["cart.Cart.Total"]["parent_span_id"] == spans["main.main"]["span_id"]
    assert spans["cart.Explode"]["status"] == "ERROR" and spans["cart.Explode"]["error.message"] == "boom"

    assert cli("run", ".", cwd=module).returncode == 0  # idempotent: nothing left to do
    status = cli("status", "--format", "json", ".", cwd=module)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["total"] == {"instrumented": 5, "missing": 0}  # the runtime package is not counted
    stripped = cli("strip", "--remove-runtime", ".", cwd=module)
    assert stripped.returncode == 1, stripped.stderr
    (module / "shop").unlink()
    out.unlink()
    assert git(module, "status", "--porcelain", "--untracked-files=all") == ""  # every byte back, runtime gone


def test_a_diff_instruments_only_the_touched_go_function_and_the_hook_announces_the_runtime(module: Path) -> None:
    git(module, "checkout", "-q", "-b", "feature")
    (module / "cart/cart.go").write_text(CART.replace("return Sum(c.prices)", "return Sum(c.prices) + 0"))
    git(module, "add", "-A")
    hook = cli("hook", "cart/cart.go", cwd=module)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert "cart/cart.go:9: Cart.Total instrumented" in hook.stdout
    assert "git add internal/telemetry/telemetry.go" in hook.stdout
    cart = (module / "cart/cart.go").read_text()
    assert cart.count("defer _tel.Start(") == 1
    check([go_binary(), "build", "./..."], module)


def test_test_files_and_the_runtime_package_are_never_instrumented(module: Path) -> None:
    (module / "cart/cart_test.go").write_text("package cart\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum([]int{1, 2}) != 3 {\n\t\tt.Fatal(\"sum\")\n\t}\n}\n")
    assert cli("run", ".", cwd=module).returncode == 1
    assert "_tel" not in (module / "cart/cart_test.go").read_text()
    runtime = (module / "internal/telemetry/telemetry.go").read_bytes()
    assert cli("run", ".", cwd=module).returncode == 0
    assert (module / "internal/telemetry/telemetry.go").read_bytes() == runtime
    check([go_binary(), "test", "./..."], module)


def test_a_file_outside_any_go_module_is_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "loose.go").write_text("package loose\n\nfunc F() {\n\tprintln(1)\n}\n")
    proc = cli("run", "loose.go", cwd=tmp_path)
    assert proc.returncode == 0 and "no go.mod above this file" in proc.stdout + proc.stderr


def _vet_notes(stderr: str) -> list[str]:
    """`go vet ./...` output as its per-package blocks (each from a `# package` line), sorted."""
    blocks = ("\n" + stderr).split("\n# ")
    return sorted(block.strip() for block in blocks if block.strip())


def test_go_cmp_keeps_passing_its_tests_instrumented_and_strips_back(tmp_path: Path) -> None:
    go = go_binary()
    if not (GO_CMP / "cmp").is_dir():
        pytest.fail("go-cmp's sources are missing: run `bash scripts/toolchains/go.sh` (Debian golang-github-google-go-cmp-dev)", pytrace=False)
    work = tmp_path / "go-cmp"
    shutil.copytree(GO_CMP, work, symlinks=True)
    git(tmp_path, "init", "-q", str(work))
    git(work, "add", "-A")
    git(work, "-c", "user.email=d@e.com", "-c", "user.name=D", "commit", "-qm", "go-cmp")
    vet_before = subprocess.run([go, "vet", "./..."], cwd=work, env=toolchain_env(), capture_output=True, text=True).stderr
    run = cli("run", ".", cwd=work)
    assert run.returncode == 1, run.stderr
    instrumented = int(run.stdout.rsplit("instrumented ", 1)[1].split()[0])
    assert instrumented > 150, run.stdout[-300:]
    assert subprocess.run(["gofmt", "-l", "."], cwd=work, capture_output=True, text=True).stdout == ""
    vet_after = subprocess.run([go, "vet", "./..."], cwd=work, env=toolchain_env(), capture_output=True, text=True).stderr
    # go-cmp's own test files draw vet notes; ours add none. Packages are vetted in parallel, so with a cold
    # build cache (a clean CI machine) their notes come in any order: compare them as blocks, not as one text.
    assert _vet_notes(vet_after) == _vet_notes(vet_before)
    check([go, "test", "-count=1", "./..."], work)
    spans = tmp_path / "spans.jsonl"
    check([go, "test", "-count=1", "./cmp/internal/diff/"], work, {**toolchain_env(), "TELEMETRY_INJECT_OUT": str(spans)})
    names = {json.loads(line)["name"] for line in spans.read_text().splitlines()[:5000]}
    assert any(name.startswith("diff.") for name in names), sorted(names)[:10]
    assert cli("strip", "--remove-runtime", ".", cwd=work).returncode == 1
    assert git(work, "status", "--porcelain", "--untracked-files=all") == ""
