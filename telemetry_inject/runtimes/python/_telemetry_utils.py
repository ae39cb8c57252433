"""Telemetry runtime copied into instrumented repositories by telemetry-inject.

Standard library only; OpenTelemetry is used when it is importable *and* the
application has installed a real tracer provider.  Usage::

    from mypkg import _telemetry_utils as _tel

    @_tel.span
    def handler(req):
        _tel.attr("http.route", lambda: req.route)

Configuration (environment, read once at import):

``TELEMETRY_INJECT``
    ``off``/``0``/``false``: ``span`` returns the function itself (zero cost).
    ``on``/``1``/``true``: force spans on; without ``TELEMETRY_INJECT_OUT``
    the records go to stderr.
``TELEMETRY_INJECT_OUT``
    ``stderr`` or a file path (appended to, shareable by several processes):
    one JSON object per finished span (JSON Lines).
``TELEMETRY_INJECT_SAMPLE``
    Probability in [0, 1] that a root span (and its whole trace) is recorded.
    Applies to the JSON sink; with an OpenTelemetry provider its sampler decides.
``OTEL_SERVICE_NAME``, ``OTEL_SERVICE_VERSION``, ``OTEL_RESOURCE_ATTRIBUTES``
    ``service.name`` / ``service.version`` attributes of every JSON record.

Enablement ("off unless asked"): with no sink configured a call costs one
module-global flag check.  Because an application usually installs its
OpenTelemetry tracer provider *after* importing its modules, the first
``_PROBE_CALLS`` instrumented calls each check (cheaply, never importing
anything) whether ``opentelemetry.trace`` has a non-proxy, non-no-op provider;
after that the check stops so the hot path stays a single flag read.  Call
``refresh()`` after installing a provider later than that.

When a provider is found, spans are started through it (``start_span`` plus
context attach, so they nest with other OpenTelemetry instrumentation); a
configured JSON sink then also receives every recording span with the
OpenTelemetry trace and span ids.

Nothing raised by this module's bookkeeping reaches user code.
"""

from __future__ import annotations

import atexit
import collections
import contextvars
import functools
import inspect
import json
import os
import random
import sys
import threading
import time

__all__ = ["span", "attr", "flush", "refresh"]

_MODE = os.environ.get("TELEMETRY_INJECT", "").strip().lower()
_DISABLED = _MODE in ("off", "0", "false", "no")
_FORCED = _MODE in ("on", "1", "true", "yes")
_SINK = os.environ.get("TELEMETRY_INJECT_OUT", "").strip() or ("stderr" if _FORCED else None)


def _read_sample_rate() -> float:
    try:
        rate = float(os.environ.get("TELEMETRY_INJECT_SAMPLE", "1"))
    except ValueError:
        return 1.0
    return rate if 0.0 <= rate <= 1.0 else (0.0 if rate < 0.0 else 1.0)


_SAMPLE = _read_sample_rate()
_FLUSH_AT = 512
_PROBE_CALLS = 1024
_MAX_LEN = 256
_SENSITIVE = ("password", "passwd", "secret", "token", "key", "auth", "cookie",
              "session", "credential", "private")

# Hot-path state.  ``_on`` is the only thing a call reads when telemetry is off.
_on = _SINK is not None or not _DISABLED  # "not disabled, no sink": probe first
_native = _SINK is not None  # our own ids/contexts feed the JSON sink
_otel = None  # _OtelBridge once a real tracer provider is seen
_probes_left = _PROBE_CALLS

# Span context: (trace_id, span_id, sampled) or None outside any span.
_current = contextvars.ContextVar("telemetry_inject_span", default=None)
_current_get = _current.get
_current_set = _current.set
_UNSAMPLED = (0, 0, False)

_rng = random.Random()  # seeded from os.urandom; reseeded in forked children
_bits = _rng.getrandbits
_perf = time.perf_counter_ns

# Finished spans as tuples; JSON is built only at flush.  deque.append and
# popleft are atomic, so the hot path takes no lock.
_buf: collections.deque = collections.deque()
_append = _buf.append
_flush_lock = threading.Lock()
_pending: dict = {}  # span_id -> {attribute: value} set through attr()
_tls = threading.local()
_pid = os.getpid()


def _resource_attributes() -> dict:
    attrs = {}
    for item in os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip() in ("service.name", "service.version"):
            from urllib.parse import unquote

            attrs[key.strip()] = unquote(value.strip())
    attrs["service.name"] = (os.environ.get("OTEL_SERVICE_NAME", "").strip()
                             or attrs.get("service.name") or "unknown_service")
    version = os.environ.get("OTEL_SERVICE_VERSION", "").strip()
    if version:
        attrs["service.version"] = version
    return attrs


_SERVICE = _resource_attributes()
_SERVICE_JSON = json.dumps(_SERVICE, ensure_ascii=False)


class _Static:
    """Per-function fields computed once at decoration time."""

    __slots__ = ("name", "function", "namespace", "filepath", "lineno", "prefix")

    def __init__(self, fn) -> None:
        code = getattr(fn, "__code__", None)
        self.namespace = str(getattr(fn, "__module__", None) or "")
        qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "?")
        self.name = f"{self.namespace}.{qualname}" if self.namespace else qualname
        self.function = str(getattr(fn, "__name__", qualname))
        self.filepath = code.co_filename if code is not None else ""
        self.lineno = code.co_firstlineno if code is not None else 0
        dumps = functools.partial(json.dumps, ensure_ascii=False)
        self.prefix = (
            f'{{"name":{dumps(self.name)},"code.filepath":{dumps(self.filepath)},'
            f'"code.lineno":{self.lineno},"code.function":{dumps(self.function)},'
            f'"code.namespace":{dumps(self.namespace)}'
        )

    def attributes(self) -> dict:
        return {"code.function": self.function, "code.namespace": self.namespace,
                "code.filepath": self.filepath, "code.lineno": self.lineno}


# --------------------------------------------------------------------------
# Public API


def span(fn):
    """Wrap ``fn`` (sync, coroutine, generator or async generator) in a span."""
    if _DISABLED:
        return fn
    try:
        static = _Static(fn)
        if inspect.iscoroutinefunction(fn):
            wrapper = _wrap_coroutine(fn, static)
        elif inspect.isasyncgenfunction(fn):
            wrapper = _wrap_async_generator(fn, static)
        elif inspect.isgeneratorfunction(fn):
            wrapper = _wrap_generator(fn, static)
        else:
            wrapper = _wrap_sync(fn, static)
        return functools.wraps(fn)(wrapper)
    except Exception:
        return fn


def attr(name: str, value_fn) -> None:
    """Set attribute ``name`` on the current span to ``value_fn()``, lazily.

    ``value_fn`` runs only when a span is recording; its exceptions are
    swallowed.  Sensitive-looking names are redacted, long values truncated.
    """
    if not _on:
        return
    try:
        if _otel is not None:
            _otel.set_attribute(name, value_fn)
            return
        current = _current_get()
        if current is None or not current[2]:
            return
        _pending.setdefault(current[1], {})[name] = _clean(name, value_fn())
    except Exception:
        pass


def flush() -> None:
    """Write buffered span records to the sink now (also runs at exit)."""
    _flush(True)


def refresh() -> None:
    """Look again for an OpenTelemetry tracer provider installed after import."""
    global _probes_left, _on
    if _DISABLED:
        return
    _probes_left = _PROBE_CALLS
    _on = True
    _probe()


# --------------------------------------------------------------------------
# Attribute values


def _clean(name: str, value):
    lowered = name.lower()
    if any(word in lowered for word in _SENSITIVE):
        return "[REDACTED]"
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return value
    if not isinstance(value, str):
        value = repr(value)
    return value if len(value) <= _MAX_LEN else value[: _MAX_LEN - 1] + "…"


def _error_fields(exc: BaseException) -> tuple[str, str]:
    cls = type(exc)
    module = getattr(cls, "__module__", "")
    qualname = getattr(cls, "__qualname__", cls.__name__)
    etype = qualname if module in ("builtins", "", None) else f"{module}.{qualname}"
    try:
        message = str(exc)
    except Exception:
        message = f"<unprintable {qualname}>"
    if len(message) > _MAX_LEN:
        message = message[: _MAX_LEN - 1] + "…"
    return etype, message


# --------------------------------------------------------------------------
# Enablement


def _otel_provider():
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None
    return provider


def _probe() -> None:
    """Slow path taken while nothing is configured: look for a tracer provider."""
    global _probes_left, _on, _otel
    try:
        provider = _otel_provider()
        if provider is not None:
            _otel = _OtelBridge(provider)
            _on = True
            return
    except Exception:
        pass
    _probes_left -= 1
    if _probes_left <= 0 and not _native and _otel is None:
        _on = False


# --------------------------------------------------------------------------
# Span lifecycle for the general paths (generators, async, OpenTelemetry)


class _Span:
    """One live span: native (our ids) and/or an OpenTelemetry span."""

    __slots__ = ("static", "ctx", "parent_id", "t0", "otel")

    def __init__(self, static, ctx, parent_id, otel=None) -> None:
        self.static = static
        self.ctx = ctx
        self.parent_id = parent_id
        self.otel = otel
        self.t0 = _perf()

    def activate(self):
        try:
            if self.otel is not None:
                return _otel.activate(self.otel)
            return _current_set(self.ctx)
        except Exception:
            return None

    def deactivate(self, token) -> None:
        try:
            if token is None:
                return
            if self.otel is not None:
                _otel.deactivate(token)
            else:
                _current.reset(token)
        except Exception:
            pass

    def finish(self, exc) -> None:
        try:
            if self.otel is not None:
                _otel.finish(self, exc)
            elif self.ctx[2]:
                t1 = _perf()
                _record(self.static, self.ctx[0], self.ctx[1], self.parent_id,
                        self.t0, t1 - self.t0, exc)
        except Exception:
            pass


def _begin(static):
    """Start a span for a general-path call; None means "just call through"."""
    if not _on:
        return None
    try:
        if _otel is not None:
            return _Span(static, None, 0, _otel.start(static))
        if not _native:
            _probe()
            if _otel is not None:
                return _Span(static, None, 0, _otel.start(static))
            return None
        parent = _current_get()
        if parent is None:
            if _probes_left > 0:
                _probe()
                if _otel is not None:
                    return _Span(static, None, 0, _otel.start(static))
            if _SAMPLE < 1.0 and _rng.random() >= _SAMPLE:
                return _Span(static, _UNSAMPLED, 0)
            return _Span(static, (_bits(128) or 1, _bits(64) or 1, True), 0)
        if not parent[2]:
            return _Span(static, parent, 0)
        return _Span(static, (parent[0], _bits(64) or 1, True), parent[1])
    except Exception:
        return None


def _thread_name() -> str:
    try:
        return _tls.name
    except AttributeError:
        name = _tls.name = threading.current_thread().name
        return name


def _record(static, trace_id, span_id, parent_id, t0, duration, exc) -> None:
    error = None
    if isinstance(exc, Exception):
        error = _error_fields(exc)
    attrs = _pending.pop(span_id, None) if _pending else None
    _append((static, trace_id, span_id, parent_id, t0, duration, error, _thread_name(), attrs))
    if len(_buf) >= _FLUSH_AT:
        _flush(False)


# --------------------------------------------------------------------------
# Wrappers


def _wrap_sync(fn, static):
    def wrapper(*args, **kwargs):
        if not _on:
            return fn(*args, **kwargs)
        if not _native or _otel is not None:
            return _call_general(fn, static, args, kwargs)
        route = 0  # 0: record a span, 1: call through, 2: general path, 3: unsampled root
        try:
            parent = _current_get()
            if parent is None:
                if _probes_left > 0:
                    _probe()  # a provider installed after import takes over
                    if _otel is not None:
                        route = 2
                if not route and _SAMPLE < 1.0 and _rng.random() >= _SAMPLE:
                    route = 3
                trace_id = _bits(128) or 1
                parent_id = 0
            elif parent[2]:
                trace_id = parent[0]
                parent_id = parent[1]
            else:
                route = 1  # inside an unsampled trace
            if not route:
                span_id = _bits(64) or 1
                _current_set((trace_id, span_id, True))
                t0 = _perf()
        except Exception:
            route = 1
        if route:
            # Outside the try above, so a user exception never causes a second call.
            if route == 1:
                return fn(*args, **kwargs)
            if route == 2:
                return _call_general(fn, static, args, kwargs)
            return _call_unsampled(fn, args, kwargs)
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            t1 = _perf()
            try:
                _current_set(parent)
                _record(static, trace_id, span_id, parent_id, t0, t1 - t0, exc)
            except Exception:
                pass
            raise
        t1 = _perf()
        try:
            # Restoring with set() instead of reset(token) is cheaper and
            # equivalent here: spans nest strictly within one context.
            _current_set(parent)
            try:
                thread = _tls.name
            except AttributeError:
                thread = _thread_name()
            _append((static, trace_id, span_id, parent_id, t0, t1 - t0, None,
                     thread, _pending.pop(span_id, None) if _pending else None))
            if len(_buf) >= _FLUSH_AT:
                _flush(False)
        except Exception:
            pass
        return result

    return wrapper


def _call_unsampled(fn, args, kwargs):
    token = _current_set(_UNSAMPLED)
    try:
        return fn(*args, **kwargs)
    finally:
        try:
            _current.reset(token)
        except Exception:
            pass


def _call_general(fn, static, args, kwargs):
    span_ = _begin(static)
    if span_ is None:
        return fn(*args, **kwargs)
    token = span_.activate()
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:
        span_.deactivate(token)
        span_.finish(exc)
        raise
    span_.deactivate(token)
    span_.finish(None)
    return result


def _wrap_coroutine(fn, static):
    async def wrapper(*args, **kwargs):
        span_ = _begin(static)
        if span_ is None:
            return await fn(*args, **kwargs)
        token = span_.activate()
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            span_.deactivate(token)
            span_.finish(exc)
            raise
        span_.deactivate(token)
        span_.finish(None)
        return result

    return wrapper


def _wrap_generator(fn, static):
    # The PEP 380 expansion of ``yield from`` written out, so the span is the
    # current one only while the generator body runs, not while the consumer
    # holds a yielded value (a plain ``yield from`` would leak our context
    # into the consumer between steps).
    def wrapper(*args, **kwargs):
        span_ = _begin(static)
        if span_ is None:
            return (yield from fn(*args, **kwargs))
        try:
            token = span_.activate()
            try:
                gen = fn(*args, **kwargs)
                value = next(gen)
            finally:
                span_.deactivate(token)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    token = span_.activate()
                    try:
                        gen.close()
                    finally:
                        span_.deactivate(token)
                    raise
                except BaseException as thrown:
                    token = span_.activate()
                    try:
                        value = gen.throw(thrown)
                    finally:
                        span_.deactivate(token)
                else:
                    token = span_.activate()
                    try:
                        value = next(gen) if sent is None else gen.send(sent)
                    finally:
                        span_.deactivate(token)
        except StopIteration as stop:
            span_.finish(None)
            return stop.value
        except BaseException as exc:
            span_.finish(exc)
            raise

    return wrapper


def _wrap_async_generator(fn, static):
    async def wrapper(*args, **kwargs):
        span_ = _begin(static)
        if span_ is None:
            agen = fn(*args, **kwargs)
        else:
            token = span_.activate()
            try:
                agen = fn(*args, **kwargs)
            finally:
                span_.deactivate(token)
        try:
            value = await _step(span_, agen.__anext__)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    await _step(span_, agen.aclose)
                    raise
                except BaseException as thrown:
                    value = await _step(span_, agen.athrow, thrown)
                else:
                    value = await _step(span_, agen.asend, sent)
        except StopAsyncIteration:
            if span_ is not None:
                span_.finish(None)
            return
        except BaseException as exc:
            if span_ is not None:
                span_.finish(exc)
            raise

    return wrapper


async def _step(span_, method, *args):
    if span_ is None:
        return await method(*args)
    token = span_.activate()
    try:
        return await method(*args)
    finally:
        span_.deactivate(token)


# --------------------------------------------------------------------------
# OpenTelemetry bridge (imported only once a real provider is installed)


class _OtelBridge:
    def __init__(self, provider) -> None:
        from opentelemetry import context, trace
        from opentelemetry.trace import Status, StatusCode

        self.tracer = provider.get_tracer("telemetry_inject")
        self.trace = trace
        self.context = context
        self.error_status = lambda message: Status(StatusCode.ERROR, message)

    def start(self, static):
        return self.tracer.start_span(static.name, attributes=static.attributes())

    def activate(self, otel_span):
        return self.context.attach(self.trace.set_span_in_context(otel_span))

    def deactivate(self, token) -> None:
        self.context.detach(token)

    def finish(self, span_, exc) -> None:
        otel_span = span_.otel
        t1 = _perf()
        try:
            recording = otel_span.is_recording()
            span_id = otel_span.get_span_context().span_id
            error = None
            if recording and isinstance(exc, Exception):
                error = _error_fields(exc)
                otel_span.set_attribute("error.type", error[0])
                otel_span.record_exception(exc)
                otel_span.set_status(self.error_status(error[1]))
            if recording and _SINK is not None:
                context = otel_span.get_span_context()
                parent = getattr(otel_span, "parent", None)
                parent_id = parent.span_id if parent is not None and parent.is_valid else 0
                attrs = _pending.pop(span_id, None) if _pending else None
                _append((span_.static, context.trace_id, span_id, parent_id, span_.t0,
                         t1 - span_.t0, error, _thread_name(), attrs))
                if len(_buf) >= _FLUSH_AT:
                    _flush(False)
        finally:
            otel_span.end()

    def set_attribute(self, name, value_fn) -> None:
        otel_span = self.trace.get_current_span()
        if not otel_span.is_recording():
            return
        value = _clean(name, value_fn())
        otel_span.set_attribute(name, value)
        if _SINK is not None:
            _pending.setdefault(otel_span.get_span_context().span_id, {})[name] = value


# --------------------------------------------------------------------------
# JSON Lines sink

_NULL = "null"


def _encode(records, offset: int) -> str:
    dumps = json.dumps
    pid = _pid
    thread_json: dict = {}
    lines = []
    for static, trace_id, span_id, parent_id, t0, duration, error, thread, attrs in records:
        tj = thread_json.get(thread)
        if tj is None:
            tj = thread_json[thread] = dumps(thread, ensure_ascii=False)
        if error is None:
            status = '"OK","error.type":null,"error.message":null'
        else:
            status = ('"ERROR","error.type":' + dumps(error[0], ensure_ascii=False)
                      + ',"error.message":' + dumps(error[1], ensure_ascii=False))
        if attrs:
            merged = dict(_SERVICE)
            merged.update(attrs)
            attributes = dumps(merged, ensure_ascii=False, default=repr)
        else:
            attributes = _SERVICE_JSON
        parent = f'"{parent_id:016x}"' if parent_id else _NULL
        lines.append(
            f'{static.prefix},"trace_id":"{trace_id:032x}","span_id":"{span_id:016x}",'
            f'"parent_span_id":{parent},"start_ns":{t0 + offset},"duration_ns":{duration},'
            f'"status":{status},"thread":{tj},"pid":{pid},"attributes":{attributes}}}\n'
        )
    return "".join(lines)


def _write(data: str) -> None:
    if _SINK == "stderr":
        sys.stderr.write(data)
        sys.stderr.flush()
        return
    payload = data.encode("utf-8")
    fd = os.open(_SINK, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def _flush(block: bool) -> None:
    try:
        lock = _flush_lock
        if not lock.acquire(block):
            return  # another thread is flushing; it will pick these up next time
        try:
            if _SINK is None or not _buf:
                return
            popleft = _buf.popleft
            records = []
            try:
                for _ in range(len(_buf)):
                    records.append(popleft())
            except IndexError:
                pass
            # perf_counter -> wall clock, measured now, so a suspend between
            # import and this flush does not skew start times.
            offset = time.time_ns() - _perf()
            _write(_encode(records, offset))
        finally:
            lock.release()
    except Exception:
        pass  # a failing sink drops records; it never reaches user code


def _after_fork_in_child() -> None:
    global _flush_lock, _pid
    _flush_lock = threading.Lock()
    _buf.clear()  # the parent still owns and will write these records
    _pending.clear()
    _pid = os.getpid()
    _rng.seed()
    _tls.__dict__.clear()
    # multiprocessing children leave through os._exit, skipping atexit.
    util = sys.modules.get("multiprocessing.util")
    if util is not None and _SINK is not None:
        try:
            util.Finalize(None, flush, exitpriority=0)
        except Exception:
            pass


atexit.register(flush)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
