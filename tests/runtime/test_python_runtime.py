"""The Python runtime copied into users' repositories, exercised for real.

Behaviour that depends on environment variables read at import runs in a
child interpreter that imports a copy of the runtime from a temporary
directory; the JSON Lines it writes is read back and checked.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "telemetry_inject/runtimes/python/_telemetry_utils.py"
KEYS = {"name", "trace_id", "span_id", "parent_span_id", "start_ns", "duration_ns", "status",
        "error.type", "error.message", "code.filepath", "code.lineno", "code.function",
        "code.namespace", "thread", "pid", "attributes"}


def run(tmp_path: Path, body: str, out: str | None = "spans.jsonl", **env: str):
    """Run ``body`` in a child interpreter with ``_tel`` imported; return (records, stdout)."""
    shutil.copy(RUNTIME, tmp_path / "_telemetry_utils.py")
    script = tmp_path / "user_code.py"
    script.write_text("import _telemetry_utils as _tel\n" + textwrap.dedent(body))
    child_env = {k: v for k, v in os.environ.items()
                 if not k.startswith(("TELEMETRY_INJECT", "OTEL_"))}
    child_env["PYTHONPATH"] = str(tmp_path)
    out_path = tmp_path / out if out else None
    if out_path is not None:
        child_env["TELEMETRY_INJECT_OUT"] = str(out_path)
    child_env.update(env)
    proc = subprocess.run([sys.executable, str(script)], env=child_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    records = []
    if out_path is not None and out_path.is_file():
        records = [json.loads(line) for line in out_path.read_text().splitlines()]
    return records, proc.stdout


def by_name(records):
    return {r["name"].rsplit(".", 1)[-1]: r for r in records}


@pytest.fixture(scope="module")
def tel():
    """The runtime loaded in-process with nothing configured (introspection only)."""
    spec = importlib.util.spec_from_file_location("_tel_under_test", RUNTIME)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- introspection and semantics, in-process --------------------------------


def test_wrapper_kind_and_metadata_preserved(tel):
    def sync(a, b: int = 2, *, c): "doc s"
    async def coro(a, /, b): "doc c"
    def gen(x): "doc g"; yield x
    async def agen(x): "doc a"; yield x

    for fn, kind in [(sync, None), (coro, inspect.iscoroutinefunction),
                     (gen, inspect.isgeneratorfunction), (agen, inspect.isasyncgenfunction)]:
        wrapped = tel.span(fn)
        assert wrapped is not fn
        assert wrapped.__wrapped__ is fn
        assert inspect.signature(wrapped) == inspect.signature(fn)
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            assert getattr(wrapped, attr) == getattr(fn, attr)
        for check in (inspect.iscoroutinefunction, inspect.isgeneratorfunction,
                      inspect.isasyncgenfunction):
            assert check(wrapped) == (check is kind)


def test_generator_send_throw_close_and_return_value(tel):
    log = []

    @tel.span
    def echo():
        total = 0
        try:
            while True:
                try:
                    got = yield total
                except ValueError as exc:
                    log.append(("caught", str(exc)))
                    got = 100
                if got == "stop":
                    return total
                total += got
        finally:
            log.append("finally")

    g = echo()
    assert next(g) == 0
    assert g.send(5) == 5
    assert g.throw(ValueError("x")) == 105
    with pytest.raises(StopIteration) as stop:
        g.send("stop")
    assert stop.value.value == 105
    assert log == [("caught", "x"), "finally"]

    g = echo()
    next(g)
    g.close()
    assert log[-1] == "finally"
    assert list(tel.span(lambda: (yield from range(3)))()) == [0, 1, 2]

    g = echo()
    next(g)
    with pytest.raises(KeyError):
        g.throw(KeyError("k"))


def test_async_generator_asend_athrow_aclose(tel):
    log = []

    @tel.span
    async def acc():
        total = 0
        try:
            while True:
                try:
                    got = yield total
                except ValueError:
                    got = 10
                total += got or 0
        finally:
            log.append("closed")

    async def main():
        g = acc()
        assert await g.__anext__() == 0
        assert await g.asend(3) == 3
        assert await g.athrow(ValueError()) == 13
        await g.aclose()
        assert log == ["closed"]
        with pytest.raises(StopAsyncIteration):
            await g.__anext__()
        g = acc()
        await g.__anext__()
        with pytest.raises(KeyError):
            await g.athrow(KeyError())

        @tel.span
        async def three():
            for i in range(3):
                yield i

        assert [x async for x in three()] == [0, 1, 2]

    asyncio.run(main())


def test_exception_is_same_object_with_user_traceback(tel):
    original = ValueError("boom")

    @tel.span
    def fails():
        raise original

    with pytest.raises(ValueError) as info:
        fails()
    assert info.value is original
    assert traceback.extract_tb(info.value.__traceback__)[-1].name == "fails"
    assert info.value.__context__ is None and info.value.__cause__ is None

    second = KeyError("k")

    @tel.span
    async def afails():
        raise second

    with pytest.raises(KeyError) as info:
        asyncio.run(afails())
    assert info.value is second
    assert traceback.extract_tb(info.value.__traceback__)[-1].name == "afails"


def test_classes_click_dataclass_property_super_init_subclass(tel):
    import dataclasses

    import click
    from click.testing import CliRunner

    @click.command()
    @click.option("--count", type=int, default=1)
    @click.argument("name")
    @tel.span
    def hello(count, name):
        """Greets NAME."""
        click.echo(f"hi {name} x{count}")

    result = CliRunner().invoke(hello, ["--count", "3", "bob"])
    assert result.exit_code == 0, result.output
    assert result.output == "hi bob x3\n"
    assert "Greets NAME." in CliRunner().invoke(hello, ["--help"]).output

    seen = []

    class Base:
        def greet(self):
            return "base"

        @classmethod
        @tel.span
        def __init_subclass__(cls, tag="", **kwargs):
            super().__init_subclass__(**kwargs)
            seen.append((cls.__name__, tag))

    @dataclasses.dataclass
    class Point(Base, tag="pt"):
        x: int
        y: int = 0

        @tel.span
        def greet(self):
            return "point/" + super().greet()

        @property
        @tel.span
        def norm1(self):
            return abs(self.x) + abs(self.y)

        @staticmethod
        @tel.span
        def origin():
            return Point(0)

        @classmethod
        @tel.span
        def make(cls, x):
            return cls(x, x)

    class Child(Base, tag="c"):
        pass

    assert seen == [("Point", "pt"), ("Child", "c")]
    p = Point.make(2)
    assert p == Point(2, 2) and p.norm1 == 4 and p.greet() == "point/base"
    assert Point.origin() == Point(0, 0)
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y"]


# --- environment-dependent behaviour, in child interpreters ------------------


def test_off_returns_the_function_itself(tmp_path):
    _, out = run(tmp_path, """
        def f(): pass
        print(_tel.span(f) is f)
        """, out=None, TELEMETRY_INJECT="off")
    assert out.strip() == "True"


def test_disabled_by_default_writes_nothing(tmp_path):
    _, out = run(tmp_path, """
        import glob
        @_tel.span
        def f(x):
            _tel.attr("k", lambda: 1 / 0)
            return x * 2
        print(sum(f(i) for i in range(2000)), _tel._on)
        """, out=None)
    assert out.split() == [str(2 * sum(range(2000))), "False"]
    assert [p.name for p in tmp_path.iterdir()] and not list(tmp_path.glob("*.jsonl"))


def test_records_nested_parent_links_and_fields(tmp_path):
    records, _ = run(tmp_path, """
        @_tel.span
        def inner(x):
            return x + 1

        @_tel.span
        def outer():
            return inner(1) + inner(2)

        class Greeter:
            @_tel.span
            def hello(self):
                return outer()

        assert Greeter().hello() == 5
        """)
    assert len(records) == 4
    for r in records:
        assert set(r) == KEYS
        assert len(r["trace_id"]) == 32 and len(r["span_id"]) == 16
        assert r["status"] == "OK" and r["error.type"] is None and r["error.message"] is None
        assert r["code.namespace"] == "__main__" and r["code.filepath"].endswith("user_code.py")
        assert r["thread"] == "MainThread" and r["duration_ns"] >= 0
        assert r["attributes"]["service.name"] == "unknown_service"
    hello = next(r for r in records if r["name"] == "__main__.Greeter.hello")
    outer = next(r for r in records if r["name"] == "__main__.outer")
    inners = [r for r in records if r["name"] == "__main__.inner"]
    assert hello["parent_span_id"] is None and hello["code.function"] == "hello"
    assert outer["parent_span_id"] == hello["span_id"]
    assert [r["parent_span_id"] for r in inners] == [outer["span_id"]] * 2
    assert len({r["trace_id"] for r in records}) == 1
    assert len({r["span_id"] for r in records}) == 4
    assert inners[0]["code.lineno"] == 3
    assert hello["start_ns"] <= outer["start_ns"] <= inners[0]["start_ns"]


def test_error_recorded_and_reraised(tmp_path):
    records, out = run(tmp_path, """
        class AppError(Exception):
            pass

        @_tel.span
        def fails():
            raise AppError("bad input")

        @_tel.span
        def interrupted():
            raise KeyboardInterrupt

        try:
            fails()
        except AppError as exc:
            print("caught", exc)
        try:
            interrupted()
        except KeyboardInterrupt:
            print("interrupt")
        """)
    assert out.split() == ["caught", "bad", "input", "interrupt"]
    recs = by_name(records)
    assert recs["fails"]["status"] == "ERROR"
    assert recs["fails"]["error.type"] == "__main__.AppError"
    assert recs["fails"]["error.message"] == "bad input"
    assert recs["interrupted"]["status"] == "OK" and recs["interrupted"]["error.type"] is None


def test_generator_and_async_spans_cover_whole_run_with_children(tmp_path):
    records, _ = run(tmp_path, """
        import asyncio

        @_tel.span
        def leaf(x):
            return x

        @_tel.span
        def numbers():
            for i in range(3):
                yield leaf(i)
            return "done"

        @_tel.span
        def consumer():
            g = numbers()
            next(g)
            leaf("between")  # consumer's own child, not the generator's
            list(g)

        @_tel.span
        async def agen():
            yield leaf("a")

        @_tel.span
        async def amain():
            return [x async for x in agen()]

        consumer()
        asyncio.run(amain())
        """)
    ids = {r["span_id"]: r for r in records}
    consumer = by_name(records)["consumer"]
    numbers = by_name(records)["numbers"]
    leaves = [r for r in records if r["name"].endswith("leaf")]
    assert numbers["parent_span_id"] == consumer["span_id"]
    parents = [ids[r["parent_span_id"]]["name"].rsplit(".", 1)[-1] for r in leaves]
    assert parents == ["numbers", "consumer", "numbers", "numbers", "agen"]
    assert ids[by_name(records)["agen"]["parent_span_id"]]["name"] == "__main__.amain"


def test_threads_and_asyncio_tasks_keep_parent_links(tmp_path):
    records, _ = run(tmp_path, """
        import asyncio, contextvars, threading
        from concurrent.futures import ThreadPoolExecutor

        @_tel.span
        def work(i):
            return i

        @_tel.span
        def fan_out():
            with ThreadPoolExecutor(4) as pool:
                futures = [pool.submit(contextvars.copy_context().run, work, i) for i in range(8)]
                return [f.result() for f in futures]

        @_tel.span
        async def task(i):
            await asyncio.sleep(0.001 * (i % 3))
            return work(i)

        @_tel.span
        async def gather():
            return await asyncio.gather(*(task(i) for i in range(5)))

        assert fan_out() == list(range(8))
        assert asyncio.run(gather()) == list(range(5))
        """)
    ids = {r["span_id"]: r for r in records}
    fan_out, gather = by_name(records)["fan_out"], by_name(records)["gather"]
    pool_work = [r for r in records if r["name"].endswith("work")
                 and r["parent_span_id"] == fan_out["span_id"]]
    assert len(pool_work) == 8
    assert {r["thread"] for r in pool_work} - {"MainThread"}
    tasks = [r for r in records if r["name"].endswith("task")]
    assert len(tasks) == 5 and {t["parent_span_id"] for t in tasks} == {gather["span_id"]}
    task_ids = {t["span_id"] for t in tasks}
    task_work = [r for r in records if r["name"].endswith("work") and r["parent_span_id"] in task_ids]
    assert len(task_work) == 5
    assert all(ids[r["parent_span_id"]]["trace_id"] == r["trace_id"] for r in task_work)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_child_writes_own_spans_without_duplicates(tmp_path):
    records, _ = run(tmp_path, """
        import os

        @_tel.span
        def before_fork():
            pass

        @_tel.span
        def in_child():
            pass

        @_tel.span
        def in_parent():
            pass

        before_fork()  # still buffered in the parent at fork time
        pid = os.fork()
        if pid == 0:
            in_child()
            _tel.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        in_parent()
        """)
    names = sorted(r["name"].rsplit(".", 1)[-1] for r in records)
    assert names == ["before_fork", "in_child", "in_parent"]
    pids = {r["name"].rsplit(".", 1)[-1]: r["pid"] for r in records}
    assert pids["in_child"] != pids["in_parent"] == pids["before_fork"]


@pytest.mark.parametrize(("rate", "expected"), [("0", 0), ("1", 60)])
def test_sampling(tmp_path, rate, expected):
    records, _ = run(tmp_path, """
        @_tel.span
        def child():
            _tel.attr("a", lambda: 1)

        @_tel.span
        def root():
            child()
            child()

        for _ in range(20):
            root()
        """, TELEMETRY_INJECT_SAMPLE=rate)
    assert len(records) == expected


def test_sampling_decision_is_per_trace(tmp_path):
    records, _ = run(tmp_path, """
        @_tel.span
        def child():
            pass

        @_tel.span
        def root():
            child()
            child()

        for _ in range(400):
            root()
        """, TELEMETRY_INJECT_SAMPLE="0.5")
    traces = {}
    for r in records:
        traces.setdefault(r["trace_id"], []).append(r)
    assert 100 < len(traces) < 300
    assert all(len(spans) == 3 for spans in traces.values())


def test_service_name_and_version(tmp_path):
    records, _ = run(tmp_path, """
        @_tel.span
        def f():
            pass
        f()
        """, OTEL_SERVICE_NAME="checkout", OTEL_RESOURCE_ATTRIBUTES="service.version=1.2.3,team=x")
    assert records[0]["attributes"] == {"service.name": "checkout", "service.version": "1.2.3"}


def test_attr_redaction_truncation_and_failures(tmp_path):
    records, out = run(tmp_path, """
        class Obj:
            def __repr__(self):
                return "<Obj>"

        @_tel.span
        def f():
            _tel.attr("user.id", lambda: 42)
            _tel.attr("db.password", lambda: "hunter2")
            _tel.attr("X-Api-KEY", lambda: "abc")
            _tel.attr("Session_Cookie", lambda: "abc")
            _tel.attr("body", lambda: "x" * 1000)
            _tel.attr("obj", lambda: Obj())
            _tel.attr("items", lambda: list(range(500)))
            _tel.attr("broken", lambda: 1 / 0)
            return "ok"

        print(f())
        """)
    assert out.strip() == "ok"
    attrs = records[0]["attributes"]
    assert attrs["user.id"] == 42
    assert attrs["db.password"] == attrs["X-Api-KEY"] == attrs["Session_Cookie"] == "[REDACTED]"
    assert len(attrs["body"]) == 256 and attrs["body"].endswith("…")
    assert attrs["obj"] == "<Obj>"
    assert attrs["items"].startswith("[0, 1, 2") and len(attrs["items"]) == 256
    assert "broken" not in attrs


def test_sink_failure_never_reaches_user_code(tmp_path):
    (tmp_path / "a_directory").mkdir()
    records, out = run(tmp_path, """
        @_tel.span
        def f(x):
            return x + 1

        print(sum(f(i) for i in range(3000)))
        _tel.flush()
        print("still fine")
        """, out=None, TELEMETRY_INJECT_OUT=str(tmp_path / "a_directory"))
    assert out.split() == [str(sum(range(1, 3001))), "still", "fine"]


def test_stderr_sink(tmp_path):
    shutil.copy(RUNTIME, tmp_path / "_telemetry_utils.py")
    code = "import _telemetry_utils as t\nt.span(lambda: None)()\n"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "TELEMETRY_INJECT_OUT": "stderr"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    record = json.loads(proc.stderr.strip())
    assert record["name"] == "__main__.<lambda>" and proc.stdout == ""


def test_opentelemetry_bridge_parent_links_and_error_status(tmp_path):
    _, out = run(tmp_path, """
        import json
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        @_tel.span
        def inner():
            _tel.attr("order.id", lambda: 7)
            _tel.attr("auth_token", lambda: "t")
            raise ValueError("nope")

        @_tel.span
        def outer():
            try:
                inner()
            except ValueError:
                return "handled"

        outer()  # before the provider exists: no spans anywhere
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        assert outer() == "handled"
        spans = {s.name: s for s in exporter.get_finished_spans()}
        o, i = spans["__main__.outer"], spans["__main__.inner"]
        print(json.dumps({
            "names": sorted(spans),
            "linked": i.parent.span_id == o.context.span_id,
            "same_trace": i.context.trace_id == o.context.trace_id,
            "inner_status": i.status.status_code.name,
            "outer_status": o.status.status_code.name,
            "events": [e.name for e in i.events],
            "attrs": dict(i.attributes),
        }))
        """, out=None)
    result = json.loads(out)
    assert result["names"] == ["__main__.inner", "__main__.outer"]
    assert result["linked"] and result["same_trace"]
    assert result["inner_status"] == "ERROR" and result["outer_status"] == "UNSET"
    assert result["events"] == ["exception"]
    attrs = result["attrs"]
    assert attrs["code.function"] == "inner" and attrs["code.namespace"] == "__main__"
    assert attrs["error.type"] == "ValueError" and attrs["order.id"] == 7
    assert attrs["auth_token"] == "[REDACTED]"


def test_bridge_mirrors_to_json_sink_with_otel_ids(tmp_path):
    records, out = run(tmp_path, """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider

        trace.set_tracer_provider(TracerProvider())

        @_tel.span
        def inner():
            return trace.get_current_span().get_span_context().span_id

        @_tel.span
        def outer():
            return inner()

        print(format(outer(), "016x"))
        """)
    recs = by_name(records)
    assert recs["inner"]["span_id"] == out.strip()
    assert recs["inner"]["parent_span_id"] == recs["outer"]["span_id"]


@pytest.mark.parametrize("env", [{}, {"TELEMETRY_INJECT_SAMPLE": "0"}, {"TELEMETRY_INJECT_SAMPLE": "1"}])
def test_raising_function_runs_exactly_once(tmp_path, env):
    _, out = run(tmp_path, """
        calls = []

        @_tel.span
        def boom():
            calls.append(1)
            raise ValueError

        @_tel.span
        def root():
            try:
                boom()
            except ValueError:
                pass
            try:
                boom()
            except ValueError:
                pass

        root()
        try:
            boom()
        except ValueError:
            pass
        print(len(calls))
        """, **env)
    assert out.strip() == "3"


def test_many_spans_across_flushes_and_threads_keep_every_record(tmp_path):
    # Far more spans than one buffer/id pool, from several threads at once:
    # every record is written once, ids are unique, links and clocks are sane.
    records, out = run(tmp_path, """
        import threading, time

        @_tel.span
        def leaf(i):
            return i

        @_tel.span
        def root(n):
            return sum(leaf(i) for i in range(n))

        before = time.time_ns()
        threads = [threading.Thread(target=root, args=(2500,), name=f"worker-{k}")
                   for k in range(3)]
        for t in threads:
            t.start()
        root(2500)
        for t in threads:
            t.join()
        print(before, time.time_ns())
        """)
    before, after = map(int, out.split())
    assert len(records) == 4 * 2501
    assert len({r["span_id"] for r in records}) == len(records)
    roots = {r["span_id"]: r for r in records if r["name"] == "__main__.root"}
    assert len(roots) == 4 and all(r["parent_span_id"] is None for r in roots.values())
    assert len({r["trace_id"] for r in roots.values()}) == 4
    assert {r["thread"] for r in roots.values()} == {"MainThread", "worker-0", "worker-1", "worker-2"}
    for r in records:
        assert set(r) == KEYS
        assert before <= r["start_ns"] <= r["start_ns"] + r["duration_ns"] <= after
        if r["name"] == "__main__.leaf":
            parent = roots[r["parent_span_id"]]
            assert r["trace_id"] == parent["trace_id"] and r["thread"] == parent["thread"]
            assert parent["start_ns"] <= r["start_ns"]
    assert all(len(r["span_id"]) == 16 and int(r["span_id"], 16) for r in records)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_child_never_reuses_the_parents_span_ids(tmp_path):
    records, _ = run(tmp_path, """
        import os

        @_tel.span
        def leaf():
            pass

        @_tel.span
        def root(n):
            for _ in range(n):
                leaf()

        root(10)  # ids already drawn before the fork
        pid = os.fork()
        if pid == 0:
            root(50)
            _tel.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        root(50)
        """)
    assert len(records) == 11 + 51 + 51
    assert len({r["span_id"] for r in records}) == len(records)
    assert len({r["trace_id"] for r in records}) == 3


def test_unencodable_text_keeps_the_record_and_the_batch(tmp_path):
    # A lone surrogate (as from a surrogateescape'd path) cannot be UTF-8
    # encoded; the record is still valid JSON and its neighbours are kept.
    records, out = run(tmp_path, """
        @_tel.span
        def ok(i):
            return i

        @_tel.span
        def bad():
            _tel.attr("path", lambda: "/tmp/caf\\udce9")
            raise ValueError("no such file: caf\\udce9")

        @_tel.span
        def root():
            for i in range(3):
                ok(i)
            try:
                bad()
            except ValueError:
                print("caught")
            ok(3)

        root()
        """)
    assert out.strip() == "caught"
    assert sorted(r["name"].rsplit(".", 1)[-1] for r in records) == ["bad", "ok", "ok", "ok", "ok", "root"]
    bad = by_name(records)["bad"]
    assert bad["status"] == "ERROR" and bad["error.message"] == "no such file: caf\udce9"
    assert bad["attributes"]["path"] == "/tmp/caf\udce9"


def test_generator_wrappers_keep_no_reference_to_yielded_or_sent_values(tmp_path):
    # Like ``yield from``: once the consumer drops a yielded (or sent) object,
    # nothing of ours keeps it alive while the generator is suspended.
    records, out = run(tmp_path, """
        import asyncio, weakref

        class Item:
            pass

        @_tel.span
        def gen(n):
            for _ in range(n):
                got = yield Item()
                del got

        @_tel.span
        async def agen(n):
            for _ in range(n):
                got = yield Item()
                del got

        @_tel.span
        def sync_root():
            g = gen(3)
            yielded = weakref.ref(next(g))
            item = Item()
            sent = weakref.ref(item)
            g.send(item)
            del item
            print(yielded() is None, sent() is None)
            g.close()

        async def async_root():
            a = agen(3)
            yielded = weakref.ref(await a.__anext__())
            item = Item()
            sent = weakref.ref(item)
            await a.asend(item)
            del item
            print(yielded() is None, sent() is None)
            await a.aclose()

        sync_root()
        asyncio.run(async_root())
        """)
    assert out.split() == ["True"] * 4
    assert sorted(r["name"].rsplit(".", 1)[-1] for r in records) == ["agen", "gen", "sync_root"]


_STACKLEVEL_SCRIPT = """
    import asyncio, logging, warnings

    @_tel.span
    def deprecated():
        warnings.warn("old", DeprecationWarning, stacklevel=2)
        logging.getLogger("t").warning("logged", stacklevel=2)

    @_tel.span
    def caller():
        deprecated()  # the line every report must name

    @_tel.span
    def gen():
        warnings.warn("gen", DeprecationWarning, stacklevel=2)
        yield 1

    class Capture(logging.Handler):
        def emit(self, record):
            print("log", record.filename, record.lineno)

    logging.getLogger("t").addHandler(Capture())
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        caller()
        list(gen())
    for w in seen:
        print(w.message, w.filename.rsplit("/", 1)[-1], w.lineno)
    """


@pytest.mark.parametrize("sink", ["spans.jsonl", None])
def test_warnings_and_logging_stacklevel_point_at_the_users_call(tmp_path, sink):
    """A wrapper frame must not shift ``stacklevel``: deprecations name the caller's line (I1)."""
    _, plain = run(tmp_path, _STACKLEVEL_SCRIPT, out=None, TELEMETRY_INJECT="off")  # decorator = identity
    _, out = run(tmp_path, _STACKLEVEL_SCRIPT, out=sink)
    lines = (tmp_path / "user_code.py").read_text().splitlines()
    call_line = next(i for i, line in enumerate(lines, 1) if "the line every report must name" in line)
    assert plain.splitlines()[:2] == [f"log user_code.py {call_line}", f"old user_code.py {call_line}"]
    assert out == plain
