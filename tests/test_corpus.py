"""Corpus test: a real third-party project's own test suite, before and after instrumentation.

The project is more-itertools (pure Python, its sdist ships ``tests/``).  Its
suite runs three times: on the pristine source, instrumented with telemetry
off (the default), and instrumented with a JSON Lines sink.  Every test must
have the same outcome in all three runs, the sink must see spans of the
package's functions, and ``strip --remove-runtime`` must give back the
pristine tree byte for byte.

The sdist is downloaded once into ``~/.cache/telemetry-inject-tests/`` (or
``$XDG_CACHE_HOME``) and checked against a pinned SHA-256.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PROJECT = "more-itertools"
VERSION = "10.8.0"
PACKAGE = "more_itertools"
SDIST = f"more_itertools-{VERSION}.tar.gz"
SDIST_TOP = f"more_itertools-{VERSION}"
SDIST_SHA256 = "f638ddf8a1a0d134181275fb5d58b086ead7c6a72429ad725c67503f13ba30bd"

# Left out of all three runs, to keep this test well under a minute:
# - test_primes alone takes ~9 s on the pristine source (nth_prime for 10**4 primes);
# - test_roundtrip and test_large drive the sumprod backport (_fsumprod ->
#   dl_split/dl_mul, ~10 million calls on Python < 3.12): with the sink on
#   that is ~5 GB of JSON Lines and ~40 s.
DESELECT = (
    "tests/test_recipes.py::PrimeFunctionTests::test_primes",
    "tests/test_more.py::DiscreteFourierTransformTests::test_roundtrip",
    "tests/test_recipes.py::PolynomialFromRootsTests::test_large",
)
MIN_TESTS = 600  # 10.8.0 has 696 test methods (693 after DESELECT)
MIN_FUNCTIONS = 200  # 254 functions in more.py and recipes.py
MIN_SPANS = 20_000  # ~100k records with the sink on
MIN_SPAN_NAMES = 150  # ~250 distinct functions reached by the suite


def _cache_dir(tmp_path: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = base / "telemetry-inject-tests"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=cache, delete=True)
        probe.close()
        return cache
    except OSError:
        fallback = tmp_path / "cache"
        fallback.mkdir()
        return fallback


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sdist(tmp_path: Path, project: str = PROJECT, version: str = VERSION, sdist: str = SDIST, sha256: str = SDIST_SHA256) -> Path:
    """The pinned sdist, downloaded from PyPI once and reused from the cache."""
    cache = _cache_dir(tmp_path)
    target = cache / sdist
    if target.is_file() and _sha256(target) == sha256:
        return target
    download = Path(tempfile.mkdtemp(dir=cache, prefix="download-"))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"{project}=={version}", "-d", str(download)],
            capture_output=True, text=True, timeout=300,
        )
        fetched = download / sdist
        if proc.returncode != 0 or not fetched.is_file():
            message = f"pip download {project}=={version} failed:\n{proc.stdout}\n{proc.stderr}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)  # offline developer machine
        digest = _sha256(fetched)
        assert digest == sha256, f"{sdist}: sha256 {digest}, expected {sha256}"
        os.replace(fetched, target)  # atomic: concurrent runs never see half a file
    finally:
        shutil.rmtree(download, ignore_errors=True)
    return target


def _extract(sdist: Path, dest: Path, top: str = SDIST_TOP, package: str = PACKAGE) -> Path:
    dest.mkdir()
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # Python < 3.11.4
            tar.extractall(dest)
    root = dest / top
    assert (root / package / "__init__.py").is_file() and (root / "tests").is_dir(), sorted(os.listdir(dest))
    return root


# Not project files: git's own, and the tool's content-hash cache (which
# git-ignores itself; checked below).
NOT_PROJECT = (".git", ".telemetry_cache")


def _tree(root: Path) -> dict[str, tuple[bytes, bool]]:
    """Every project file under ``root``: relative path -> (bytes, executable)."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in NOT_PROJECT or not path.is_file():
            continue
        files[rel.as_posix()] = (path.read_bytes(), bool(path.stat().st_mode & 0o111))
    return files


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("TELEMETRY_INJECT", "OTEL_", "PYTEST_", "PYTHON"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the tree compared after strip
    env["PYTHONHASHSEED"] = "0"  # same set/dict orders in all three runs
    env.update(extra)
    return env


def _tool(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "telemetry_inject", *args],
        cwd=work, env=_env(), capture_output=True, text=True, timeout=120,
    )


def _run_suite(work: Path, junit: Path, **extra_env: str) -> dict[str, tuple[str, str]]:
    """Run the project's tests; test id -> (passed|failed|error|skipped, first failure message)."""
    deselect = [arg for test in DESELECT for arg in ("--deselect", test)]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(work),
         f"--junitxml={junit}", *deselect, "tests"],
        cwd=work, env=_env(PYTHONPATH=str(work), **extra_env), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode in (0, 1) and junit.is_file(), f"pytest crashed ({proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}"
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        tags: dict = {}
        for child in case:
            tags.setdefault(child.tag, child)  # the first failure of a test with subtests
        if "error" in tags or "failure" in tags:
            problem = tags.get("failure", tags.get("error"))
            outcomes[test_id] = ("error" if "failure" not in tags else "failed",
                                 (problem.get("message") or problem.text or "")[:1500])
        elif "skipped" in tags:
            outcomes[test_id] = ("skipped", "")
        else:
            outcomes[test_id] = ("passed", "")
    return outcomes


def _outcome_diff(label: str, pristine: dict, instrumented: dict) -> list[str]:
    problems = []
    for test_id in sorted(pristine.keys() | instrumented.keys()):
        before = pristine.get(test_id, ("missing", ""))
        after = instrumented.get(test_id, ("missing", ""))
        if before[0] != after[0]:
            problems.append(f"[{label}] {test_id}: pristine {before[0]}, instrumented {after[0]}\n    {after[1] or before[1]}")
    return problems


def test_more_itertools_suite_unchanged_by_instrumentation_and_strip_is_exact(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = round(now - started, 2)
        started = now

    sdist = _sdist(tmp_path)
    pristine_root = _extract(sdist, tmp_path / "pristine")
    work = _extract(sdist, tmp_path / "work")
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    pristine_tree = _tree(pristine_root)
    lap("download+extract")

    # 1. The project's own suite on the untouched source.
    pristine = _run_suite(work, tmp_path / "pristine.xml")
    lap("suite pristine")
    assert len(pristine) >= MIN_TESTS, sorted(pristine)
    assert sum(outcome == "passed" for outcome, _ in pristine.values()) >= MIN_TESTS
    assert _tree(work) == pristine_tree, "running the suite must not write into the tree"

    # 2. Instrument every function of the package.
    run = _tool(work, "run", PACKAGE)
    assert run.returncode == 1, f"run: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert (work / PACKAGE / "_telemetry_utils.py").is_file()
    status = _tool(work, "status", PACKAGE, "--format", "json")
    assert status.returncode == 0, status.stderr
    total = json.loads(status.stdout)["total"]
    assert total["instrumented"] >= MIN_FUNCTIONS, total
    assert total["missing"] == 0, total
    changed = {rel for rel, data in _tree(work).items() if pristine_tree.get(rel) != data}
    assert {f"{PACKAGE}/more.py", f"{PACKAGE}/recipes.py", f"{PACKAGE}/_telemetry_utils.py"} <= changed, changed
    assert all(rel.startswith(f"{PACKAGE}/") for rel in changed), changed
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=work,
                               capture_output=True, text=True, check=True).stdout
    assert ".telemetry_cache" not in untracked, "the tool's cache must ignore itself"
    lap("instrument+status")

    # 3. The same suite, instrumented: telemetry off by default, then a JSON Lines sink.
    off = _run_suite(work, tmp_path / "off.xml")
    lap("suite instrumented, telemetry off")
    spans_file = tmp_path / "spans.jsonl"
    sink = _run_suite(work, tmp_path / "sink.xml", TELEMETRY_INJECT_OUT=str(spans_file))
    lap("suite instrumented, sink on")

    problems = _outcome_diff("telemetry off", pristine, off) + _outcome_diff("sink on", pristine, sink)

    span_count = 0
    errors = 0
    names: set[str] = set()
    foreign: set[str] = set()
    package_dir = str(work / PACKAGE) + os.sep
    with spans_file.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if not record["name"].startswith(f"{PACKAGE}."):
                foreign.add(record["name"])
                continue
            span_count += 1
            names.add(record["name"])
            errors += record["status"] == "ERROR"
            if not record["code.filepath"].startswith(package_dir):
                foreign.add(record["code.filepath"])
    spans_file.unlink()  # tens of MB
    lap("read spans")
    if span_count < MIN_SPANS or len(names) < MIN_SPAN_NAMES or not errors or foreign:
        problems.append(f"[spans] {span_count} records of {len(names)} functions ({errors} errors); foreign: {sorted(foreign)[:10]}")

    # 4. Strip: the pristine tree, byte for byte, and no runtime left behind.
    strip = _tool(work, "strip", "--remove-runtime", PACKAGE)
    lap("strip")
    assert strip.returncode == 1, f"strip: exit {strip.returncode}\n{strip.stdout}\n{strip.stderr}"
    assert not list(work.rglob("_telemetry_utils.py"))
    stripped_tree = _tree(work)
    assert sorted(stripped_tree) == sorted(pristine_tree)
    differing = [rel for rel in pristine_tree if stripped_tree[rel] != pristine_tree[rel]]
    assert not differing, f"not byte-identical after strip: {differing}"
    status = _tool(work, "status", PACKAGE, "--format", "json")
    assert json.loads(status.stdout)["total"]["instrumented"] == 0

    print(f"{PROJECT} {VERSION}: {total['instrumented']} functions instrumented, {len(pristine)} tests, "
          f"{span_count} spans of {len(names)} functions; timings (s): {timings}")
    assert not problems, "instrumentation changed the project's behaviour:\n" + "\n".join(problems)


# Django: a large real code base with its own runner. A subset of its suite
# (3,200+ tests) runs on the pristine tree and with django/ and those test
# apps instrumented (JSON Lines sink on); outcomes must match test by test.
DJANGO_VERSION = "5.2.19"
DJANGO_SDIST = f"django-{DJANGO_VERSION}.tar.gz"
DJANGO_SHA256 = "ad03d8abc51dbff95ebf34b27123cf0c26a3b62db7ba0cd520783686362533d1"
DJANGO_APPS = ("basic", "model_fields", "queries", "utils_tests", "template_tests")
# The one difference the decorator shape cannot avoid: this test installs a
# sys.settrace tracer that reads f_locals["self"] of every frame, ours included.
DJANGO_EXPECTED_DIFFERENCES = {"utils_tests.test_lazyobject.SimpleLazyObjectTestCase.test_trace"}
_DJANGO_TEST = re.compile(r"^(test\w*) \(([\w.]+)\)")
_DJANGO_STATUS = re.compile(r" \.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)")


def _django_suite(work: Path, **extra_env: str) -> dict[str, str]:
    proc = subprocess.run(
        [sys.executable, "runtests.py", "-v", "2", "--parallel", "1", *DJANGO_APPS],
        cwd=work / "tests", env=_env(PYTHONPATH=str(work), **extra_env), capture_output=True, text=True, timeout=600,
    )
    outcomes: dict[str, str] = {}
    current = None
    for line in proc.stderr.splitlines():
        test = _DJANGO_TEST.match(line)
        if test:
            current = test.group(2)
        status = _DJANGO_STATUS.search(line)
        if status and current:
            outcomes.setdefault(current, status.group(1))
            current = None
    assert len(outcomes) > 3000, f"runner output not understood (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return outcomes


def test_django_suite_subset_unchanged_by_instrumentation(tmp_path: Path) -> None:
    sdist = _sdist(tmp_path, "django", DJANGO_VERSION, DJANGO_SDIST, DJANGO_SHA256)
    work = _extract(sdist, tmp_path / "work", f"django-{DJANGO_VERSION}", "django")
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    pristine_tree = _tree(work)
    pristine = _django_suite(work)
    targets = ["django", *(f"tests/{app}" for app in DJANGO_APPS)]
    run = _tool(work, "run", *targets)
    assert run.returncode == 1, run.stderr
    assert "instrumented" in run.stdout and int(run.stdout.split("instrumented ")[-1].split()[0]) > 10_000, run.stdout
    spans = tmp_path / "spans.jsonl"
    instrumented = _django_suite(work, TELEMETRY_INJECT_OUT=str(spans))
    assert spans.stat().st_size > 1_000_000
    spans.unlink()
    differences = {t for t in pristine.keys() | instrumented.keys() if pristine.get(t) != instrumented.get(t)}
    assert differences == DJANGO_EXPECTED_DIFFERENCES, {t: (pristine.get(t), instrumented.get(t)) for t in differences}
    strip = _tool(work, "strip", "--remove-runtime", *targets)
    assert strip.returncode == 1, strip.stderr
    # django/'s admin JavaScript was instrumented too; its runtime sits beside the sdist's package.json, outside the targets.
    assert _tool(work, "strip", "--remove-runtime", ".").returncode == 1
    assert _tree(work) == pristine_tree, "strip must give back the sdist byte for byte"
