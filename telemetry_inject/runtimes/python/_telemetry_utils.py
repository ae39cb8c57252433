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
import binascii
import collections
import contextvars
import functools
import inspect
import itertools
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
_FLUSH_AT = 512  # buffered records that trigger a write
_POOL = 1024  # span ids generated per refill of the id pool
_IOV = 512  # records per writev() call (IOV_MAX is 1024 on Linux)
_PROBE_CALLS = 1024
_MAX_LEN = 256
_SENSITIVE = ("password", "passwd", "secret", "token", "key", "auth", "cookie",
              "session", "credential", "private")

# Hot-path state.  ``_on`` is the only thing a call reads when telemetry is off.
_on = _SINK is not None or not _DISABLED  # "not disabled, no sink": probe first
_native = _SINK is not None  # our own ids/contexts feed the JSON sink
_otel = None  # _OtelBridge once a real tracer provider is seen
_fast = _native  # _native and _otel is None: the sync wrapper's inline path
_probes_left = _PROBE_CALLS

# Span context: (trace_id, span_id, sampled) or None outside any span.  With
# the native ids, trace_id and span_id are JSON fragments (bytes, hex digits
# in double quotes) ready to be written, so a child's parent_span_id costs
# nothing; spans from the OpenTelemetry bridge are keyed by its int ids.
_current = contextvars.ContextVar("telemetry_inject_span", default=None)
_current_get = _current.get
_current_set = _current.set
_UNSAMPLED = (b"", b"", False)
_NULL = b"null"  # parent_span_id of a root
_ZERO_ID = b'"0000000000000000"'  # invalid in W3C trace context

_rng = random.Random()  # seeded from os.urandom; reseeded in forked children
_perf = time.perf_counter_ns
_ids = iter(())  # pool of random span ids (see _refill); emptied in forked children
# perf_counter -> wall clock; re-measured at every id refill and flush, so a
# suspend or clock step is picked up within about a thousand spans.
_offset = time.time_ns() - _perf()

# Finished spans as tuples ready for _FMT: (static prefix, trace_id, span_id,
# parent_span_id, start_ns, duration_ns, tail); JSON lines are formatted only
# at flush.  deque.append and popleft are atomic, so the hot path takes no lock.
_FMT = b'%s%s,"span_id":%s,"parent_span_id":%s,"start_ns":%d,"duration_ns":%d%s'
_buf: collections.deque = collections.deque()
_append = _buf.append
_flush_lock = threading.Lock()
_pending: dict = {}  # span_id -> {attribute: value} set through attr()
_tls = threading.local()  # .name (thread name) and .tail (its OK-record tail)
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
_SERVICE_JSON = json.dumps(_SERVICE, ensure_ascii=False, separators=(",", ":"))


def _utf8(text: str) -> bytes:
    # Lone surrogates (e.g. from surrogateescape'd paths) become \udcxx escapes,
    # which are valid inside a JSON string, instead of failing the record.
    return text.encode("utf-8", "backslashreplace")


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
        # The constant start of every record of this function, up to trace_id.
        self.prefix = _utf8(
            f'{{"name":{dumps(self.name)},"code.filepath":{dumps(self.filepath)},'
            f'"code.lineno":{self.lineno},"code.function":{dumps(self.function)},'
            f'"code.namespace":{dumps(self.namespace)},"trace_id":'
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
    global _probes_left, _on, _otel, _fast
    try:
        provider = _otel_provider()
        if provider is not None:
            _otel = _OtelBridge(provider)
            _fast = False
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
                _record(self.static.prefix, self.ctx[0], self.ctx[1], self.parent_id,
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
                return _Span(static, _UNSAMPLED, _NULL)
            return _Span(static, (_new_trace_id(), _new_id(), True), _NULL)
        if not parent[2]:
            return _Span(static, parent, _NULL)
        return _Span(static, (parent[0], _new_id(), True), parent[1])
    except Exception:
        return None


# --------------------------------------------------------------------------
# Ids and records


def _refill():
    """Refill the span id pool and return an id; also the hot path's flush check.

    Ids are random 64-bit values made ``_POOL`` at a time (``_rng`` is seeded
    from os.urandom and reseeded in forked children, whose pool is emptied),
    already as the JSON string a record needs.  The sync wrapper takes one
    with a bare ``next(_ids)``; running dry, once per ``_POOL`` spans, lands
    here, which is where the hot path's buffer-size check lives.
    """
    global _ids, _offset
    hexed = binascii.hexlify(_rng.getrandbits(64 * _POOL).to_bytes(8 * _POOL, "little"), b" ", 8)
    ids = (b'"' + hexed.replace(b" ", b'" "') + b'"').split(b" ")
    if _ZERO_ID[1:-1] in hexed:  # ids are 16 digits between spaces: a match is a whole id
        ids = [i for i in ids if i != _ZERO_ID]
    pool = iter(ids)
    first = next(pool)
    _ids = pool
    _offset = time.time_ns() - _perf()
    if len(_buf) >= _FLUSH_AT:
        _flush(False)
    return first


def _new_id() -> bytes:
    try:
        return next(_ids)
    except StopIteration:
        return _refill()


def _new_trace_id() -> bytes:
    return _new_id()[:-1] + _new_id()[1:]  # 32 hex digits in quotes


def _thread_name() -> str:
    try:
        return _tls.name
    except AttributeError:
        name = _tls.name = threading.current_thread().name
        return name


def _tail(thread: str, error, attrs) -> bytes:
    """The end of a record, from status on: constant per thread for OK spans."""
    dumps = json.dumps
    if error is None:
        status = '"OK","error.type":null,"error.message":null'
    else:
        status = ('"ERROR","error.type":' + dumps(error[0], ensure_ascii=False)
                  + ',"error.message":' + dumps(error[1], ensure_ascii=False))
    if attrs:
        merged = dict(_SERVICE)
        merged.update(attrs)
        attributes = dumps(merged, ensure_ascii=False, default=repr, separators=(",", ":"))
    else:
        attributes = _SERVICE_JSON
    return _utf8(f',"status":{status},"thread":{dumps(thread, ensure_ascii=False)},'
                 f'"pid":{_pid},"attributes":{attributes}}}\n')


def _thread_tail() -> bytes:
    tail = _tls.tail = _tail(_thread_name(), None, None)
    return tail


def _record(prefix, trace_id, span_id, parent_id, t0, duration, exc) -> None:
    attrs = _pending.pop(span_id, None) if _pending else None
    if attrs or isinstance(exc, Exception):
        error = _error_fields(exc) if isinstance(exc, Exception) else None
        tail = _tail(_thread_name(), error, attrs)
    else:
        try:
            tail = _tls.tail
        except AttributeError:
            tail = _thread_tail()
    _append((prefix, trace_id, span_id, parent_id, t0 + _offset, duration, tail))
    if len(_buf) >= _FLUSH_AT:
        _flush(False)


# --------------------------------------------------------------------------
# Wrappers


def _wrap_sync(fn, static):
    # The per-call path with the JSON sink, for a call inside a recording
    # span: everything it touches is bound here (closure cells are cheaper
    # than module globals or attributes), and nothing else is on it.
    get, set_, reset, perf = _current_get, _current_set, _current.reset, _perf
    append, pending, tls, prefix = _append, _pending, _tls, static.prefix

    def wrapper(*args, **kwargs):
        if not _on:
            return fn(*args, **kwargs)
        if not _fast:
            return _call_general(fn, static, args, kwargs)
        parent = get()
        if parent is None:
            return _call_root(fn, static, args, kwargs)
        if not parent[2]:
            return fn(*args, **kwargs)  # inside an unsampled trace
        try:
            trace_id = parent[0]
            try:
                span_id = next(_ids)
            except StopIteration:
                span_id = _refill()  # also where the buffer size is checked
            token = set_((trace_id, span_id, True))
            t0 = perf()
        except Exception:
            return fn(*args, **kwargs)  # nothing of ours is active: call through
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            t1 = perf()
            try:
                reset(token)
                _record(prefix, trace_id, span_id, parent[1], t0, t1 - t0, exc)
            except Exception:
                pass
            raise
        t1 = perf()
        try:
            reset(token)
            if pending and span_id in pending:
                _record(prefix, trace_id, span_id, parent[1], t0, t1 - t0, None)
            else:
                try:
                    tail = tls.tail
                except AttributeError:
                    tail = _thread_tail()
                append((prefix, trace_id, span_id, parent[1], t0 + _offset, t1 - t0, tail))
        except Exception:
            pass
        return result

    return wrapper


def _call_root(fn, static, args, kwargs):
    """A sync call outside any span, JSON sink on: start (or sample out) a trace."""
    route = 0  # 0: record a root span, 1: call through, 2: general path, 3: unsampled
    try:
        if _probes_left > 0:
            _probe()  # a provider installed after import takes over
            if _otel is not None:
                route = 2
        if not route and _SAMPLE < 1.0 and _rng.random() >= _SAMPLE:
            route = 3
        if not route:
            trace_id = _new_trace_id()
            span_id = _new_id()
            token = _current_set((trace_id, span_id, True))
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
    exc = None
    try:
        return fn(*args, **kwargs)
    except BaseException as error:
        exc = error
        raise
    finally:
        t1 = _perf()
        try:
            _current.reset(token)
            _record(static.prefix, trace_id, span_id, _NULL, t0, t1 - t0, exc)
        except Exception:
            pass
        exc = None  # no reference cycle through the traceback


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
    # into the consumer between steps).  Like ``yield from``, it keeps no
    # reference to a yielded or sent value while suspended (``box.pop()``,
    # ``sent = None``), so objects die when the generator and consumer drop them.
    def wrapper(*args, **kwargs):
        span_ = _begin(static)
        if span_ is None:
            return (yield from fn(*args, **kwargs))
        try:
            token = span_.activate()
            try:
                gen = fn(*args, **kwargs)
                box = [next(gen)]
            finally:
                span_.deactivate(token)
            while True:
                try:
                    sent = yield box.pop()
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
                        box.append(gen.throw(thrown))
                    finally:
                        span_.deactivate(token)
                else:
                    token = span_.activate()
                    try:
                        box.append(next(gen) if sent is None else gen.send(sent))
                    finally:
                        span_.deactivate(token)
                    sent = None
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
            # No reference to a yielded or sent value while suspended (see above).
            box = [await _step(span_, agen.__anext__)]
            while True:
                try:
                    sent = yield box.pop()
                except GeneratorExit:
                    await _step(span_, agen.aclose)
                    raise
                except BaseException as thrown:
                    box.append(await _step(span_, agen.athrow, thrown))
                else:
                    box.append(await _step(span_, agen.asend, sent))
                    sent = None
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
                parent_id = (b'"%016x"' % parent.span_id
                             if parent is not None and parent.is_valid else _NULL)
                attrs = _pending.pop(span_id, None) if _pending else None
                tail = _tail(_thread_name(), error, attrs)
                _append((span_.static.prefix, b'"%032x"' % context.trace_id,
                         b'"%016x"' % span_id, parent_id, span_.t0 + _offset,
                         t1 - span_.t0, tail))
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


def _write(lines: list) -> None:
    if _SINK == "stderr":
        sys.stderr.write(b"".join(lines).decode("utf-8", "replace"))
        sys.stderr.flush()
        return
    fd = os.open(_SINK, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        writev = getattr(os, "writev", None)
        step = _IOV if writev is not None else len(lines)
        for i in range(0, len(lines), step):
            chunk = lines[i:i + step]
            # One syscall per chunk and no joined copy of the whole batch.
            written = writev(fd, chunk) if writev is not None else 0
            if written < sum(map(len, chunk)):
                view = memoryview(b"".join(chunk))[written:]
                while view:
                    view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _flush(block: bool) -> None:
    global _offset
    try:
        lock = _flush_lock
        if not lock.acquire(block):
            return  # another thread is flushing; it will pick these up next time
        try:
            _offset = time.time_ns() - _perf()
            if _SINK is None or not _buf:
                return
            # Pop exactly the records present now (others may append meanwhile)
            # and format them, both in C: no Python-level loop per record.
            records = itertools.starmap(_buf.popleft, itertools.repeat((), len(_buf)))
            _write(list(map(_FMT.__mod__, records)))
        finally:
            lock.release()
    except Exception:
        pass  # a failing sink drops records; it never reaches user code


def _after_fork_in_child() -> None:
    global _flush_lock, _pid, _ids
    _flush_lock = threading.Lock()
    _ids = iter(())  # the parent's unused ids must not be reused here
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


# Our frames that sit between a caller and the function it called must not
# count for ``warnings.warn(..., stacklevel=N)`` or logging's ``stacklevel``,
# or a deprecation warning points at this file instead of the user's call (I1).
# CPython skips frames whose file name holds both "importlib" and "_bootstrap"
# (how importlib hides itself: Python/_warnings.c is_internal_frame,
# logging._is_internal_frame), so those code objects get such a name.
_HIDDEN_FILENAME = f"{__file__} [wrapper frames skipped like importlib._bootstrap]"


def _hidden(code):
    consts = tuple(_hidden(c) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_filename=_HIDDEN_FILENAME, co_consts=consts)


for _function in (_wrap_sync, _call_root, _call_unsampled, _call_general, _wrap_coroutine, _wrap_generator, _wrap_async_generator):
    _function.__code__ = _hidden(_function.__code__)
del _function
