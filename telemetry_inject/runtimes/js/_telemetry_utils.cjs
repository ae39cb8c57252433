/*
 * Telemetry runtime copied into instrumented repositories by telemetry-inject.
 * CommonJS; `_telemetry_utils.mjs` beside it re-exports this file for ES modules,
 * `_telemetry_utils.d.cts` / `.d.mts` type it.  Standard library only (Node builtins,
 * looked up at run time so bundles for other platforms still build).
 *
 * Configuration (environment, read once at load):
 *   TELEMETRY_INJECT        off/0/false/no: every call is a no-op.  on/1/true/yes: spans on;
 *                           without TELEMETRY_INJECT_OUT the records go to stderr.
 *   TELEMETRY_INJECT_OUT    "stderr" or a file path (appended to): one JSON object per finished
 *                           span (JSON Lines), the same schema as the Python runtime.
 *   TELEMETRY_INJECT_SAMPLE probability in [0, 1] that a root span (and its trace) is recorded.
 *   OTEL_SERVICE_NAME, OTEL_SERVICE_VERSION, OTEL_RESOURCE_ATTRIBUTES: service.* attributes.
 * Nothing configured: the exported functions are no-ops (`start` returns one shared handle).
 *
 * Records are buffered and written synchronously when 1024 are waiting, one second after the
 * first unwritten one (an unref'd timer: it never keeps the process alive), at `flush()`, and on
 * the process 'exit' event, which Node also emits for process.exit() and before it reports an
 * uncaught exception or unhandled rejection.  Nothing raised by this file's bookkeeping reaches
 * user code; a failing sink drops records.
 *
 * Parent links: AsyncLocalStorage on Node (and Deno, Bun); a plain variable elsewhere, which
 * is right for synchronous code and for an async function until its first await.  Several
 * copies of this file in one process (a monorepo, CJS beside ESM) share one state.
 *
 * ---------------------------------------------------------------------------------------
 * INJECTED SHAPES: the engine emits exactly these, and strip removes them by their text.
 *   {NAME}  JSON string literal: the span name, e.g. "Cart.total" (code.function is the part
 *           after the last dot, code.namespace the part before it)
 *   {FILE}  JSON string literal: the file's repo-relative path with "/" separators
 *   {LINE}  decimal: line of the function's first line in the instrumented file
 *   {I}     the body's indentation;  {NL} the file's newline
 * Body shapes insert two whole lines: OPEN after the line holding the body's `{` (after the
 * directive prologue when there is one: "use strict" must stay first), CLOSE before the line
 * holding the body's `}`.  Every original line stays byte-identical.  The file imports the
 * runtime once, as one of (the tests type-check and run each):
 *   const _tel = require("./_telemetry_utils.cjs");    CommonJS .js / .cjs
 *   import * as _tel from "./_telemetry_utils.mjs";    ES modules: .mjs, .mts, .js/.ts in a
 *                                                      "type": "module" package
 *   import * as _tel from "./_telemetry_utils.cjs";    .ts compiled to CommonJS
 *   import _tel = require("./_telemetry_utils.cjs");   .cts
 *
 * SYNC: function declarations and expressions, block-bodied arrows, methods (static and
 * #private too), getters, setters, object-literal methods, constructors (derived ones with
 * super() inside the try).  The span is current while the body runs.
 *   OPEN  {I}const _tel$ = _tel.start({NAME}, {FILE}, {LINE}); try {{NL}
 *   CLOSE {I}} catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }{NL}
 *     function total(items) {                function total(items) {
 *       let sum = 0;                           const _tel$ = _tel.start("total", "src/cart.js", 1); try {
 *       for (const i of items) sum += i;  ->   let sum = 0;
 *       return sum;                            for (const i of items) sum += i;
 *     }                                        return sum;
 *                                              } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
 *                                            }
 * ASYNC: async functions, async methods, async block-bodied arrows.  The body moves into an
 * async arrow (which keeps this, arguments, super and new.target) run by
 * AsyncLocalStorage.run: current across its awaits, never leaking into the caller, so
 * concurrent children (Promise.all) get the right parent.  Settles one microtask tick later
 * than the original, with telemetry on or off.
 *   OPEN  {I}const _tel$ = _tel.startAsync({NAME}, {FILE}, {LINE}); return await _tel$.run(async () => { try {{NL}
 *   CLOSE {I}} catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });{NL}
 *     async load(id) {                       async load(id) {
 *       const row = await db.get(id);   ->     const _tel$ = _tel.startAsync("Repo.load", "src/repo.js", 7); return await _tel$.run(async () => { try {
 *       return row;                            const row = await db.get(id);
 *     }                                        return row;
 *                                              } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
 *                                            }
 * DETACHED: generators and async generators (function*, async function*, *method()).  The
 * span runs from the first next() to completion, return() or throw() and is never current:
 * a suspended generator must not be its consumer's parent, so what the body calls is a
 * child of whoever resumed it.
 *   OPEN  {I}const _tel$ = _tel.startDetached({NAME}, {FILE}, {LINE}); try {{NL}
 *   CLOSE {I}} catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }{NL}
 * EXPRESSION-BODIED ARROWS: text inserted before and after EXPR (which stays byte-identical):
 *   (x) => EXPR         ->  (x) => _tel.call({NAME}, {FILE}, {LINE}, () => EXPR)
 *   async (x) => EXPR   ->  async (x) => await _tel.callAsync({NAME}, {FILE}, {LINE}, async () => EXPR)
 *
 * TypeScript: a derived-class constructor whose class has initialized properties, parameter
 * properties or #private members must keep super() a root-level statement (TS2401 where the
 * fields are emitted into the constructor), so there OPEN goes after the line of the
 * root-level `super(...);` statement instead of after `{`.
 *
 * The engine must leave a function alone when:
 *  - the `{` line goes on after `{` with anything but a complete comment, or the last line of
 *    the body also holds the `}` (one-line bodies; nothing can be inserted between);
 *  - a body-level function declaration shares its name with a parameter, another body-level
 *    function declaration or any `var` of the body: inside the try block that is a
 *    SyntaxError (duplicates in strict code, var/function always) or, in sloppy code, no
 *    longer aliases `arguments`;
 *  - (async shape) a `var` or body-level function declaration redeclares a parameter or
 *    `arguments`: inside the arrow it would shadow the parameter instead of reusing it (the
 *    DETACHED shape is safe there: no parent links for its children, no extra tick);
 *  - its parameters or body use an identifier starting with `_tel`.
 * Visible differences that remain: an uncaught exception from a sync body is reported (the
 * source excerpt Node prints, a debugger's "pause on uncaught") at the CLOSE line, its stack
 * trace unchanged; an error thrown by an async body has the arrow as its top stack frame,
 * followed by "at async <name>"; Function.prototype.toString shows the injected lines.
 * ---------------------------------------------------------------------------------------
 */
'use strict';

const SHARED = Symbol.for('telemetry-inject.runtime.v1');
const FLUSH_AT = 1024;
const FLUSH_AFTER_MS = 1000;
const MAX_LEN = 256;
const SENSITIVE = ['password', 'passwd', 'secret', 'token', 'key', 'auth', 'cookie', 'session',
  'credential', 'private'];

// Handles for "nothing to record": telemetry off, or inside an unsampled trace.
const NOOP = Object.freeze({ fail(error) { return error; }, end() {}, run(fn) { return fn(); } });
const noopStart = () => NOOP;
const OFF = Object.freeze({
  start: noopStart, startAsync: noopStart, startDetached: noopStart,
  call(name, filepath, lineno, fn) { return fn(); },
  callAsync(name, filepath, lineno, fn) { return fn(); },
  attr() {}, flush() {},
});

function builtin(id) {
  try {
    if (typeof process === 'object' && process && typeof process.getBuiltinModule === 'function') {
      return process.getBuiltinModule(id) || null;
    }
  } catch { /* fall through */ }
  try {
    return typeof module === 'object' && module && typeof module.require === 'function' ? module.require(id) : null;
  } catch {
    return null;
  }
}

function readEnv() {
  try {
    const env = typeof process === 'object' && process && process.env;
    if (!env) return null;
    const get = (name) => String(env[name] || '').trim();
    return {
      mode: get('TELEMETRY_INJECT').toLowerCase(), out: get('TELEMETRY_INJECT_OUT'),
      sample: get('TELEMETRY_INJECT_SAMPLE'), service: get('OTEL_SERVICE_NAME'),
      version: get('OTEL_SERVICE_VERSION'), resource: get('OTEL_RESOURCE_ATTRIBUTES'),
    };
  } catch {
    return null;
  }
}

function create() {
  const env = readEnv();
  if (env === null || ['off', '0', 'false', 'no'].includes(env.mode)) return OFF;
  const sink = env.out || (['on', '1', 'true', 'yes'].includes(env.mode) ? 'stderr' : '');
  const fs = sink ? builtin('node:fs') : null;
  if (!fs || typeof Buffer !== 'function' || typeof performance !== 'object') return OFF;
  const path = builtin('node:path');
  // Resolved once: a later process.chdir() must not split the output over two files.
  return recording(env, sink === 'stderr' || path === null ? sink : path.resolve(sink), fs);
}

function recording(env, sink, fs) {
  const context = contextOps(builtin('node:async_hooks'));
  const { resource, get, set, runWith } = context;
  const current = () => get(resource());
  function leave(handle) {
    set(handle.resource, handle.previous);
    handle.resource = null;
    handle.previous = undefined;
  }
  const crypto = builtin('node:crypto');
  const timers = builtin('node:timers');
  const util = builtin('node:util');
  const workers = builtin('node:worker_threads');
  const perf = performance;
  const promiseThen = Promise.prototype.then;
  const sample = sampleRate(env.sample);
  const UNSAMPLED = Object.freeze({ unsampled: true }); // the current value inside an unsampled trace

  // kind: 0 sync (current until end), 1 async (current inside run), 2 detached (never current)
  class Span {
    constructor(name, filepath, lineno, traceId, parentId, kind) {
      this.name = name;
      this.filepath = filepath;
      this.lineno = lineno;
      this.traceId = traceId;
      this.id = null; // made when first needed (idOf): a leaf's only at write time, off the call's path
      this.parentId = parentId;
      this.kind = kind;
      this.error = null;
      this.attrs = null;
      this.duration = -1;
      this.resource = null; // what `enter` changed, for `leave`
      this.previous = undefined;
      this.t0 = perf.now();
    }

    fail(error) {
      try {
        if (this.error === null) this.error = errorFields(error);
      } catch { /* keep the span */ }
      return error;
    }

    end() {
      const t1 = perf.now();
      try {
        if (this.duration >= 0) return;
        this.duration = t1 - this.t0;
        if (this.kind === 0) leave(this);
        if (buffer.push(this) >= FLUSH_AT) flush();
        else if (!timerArmed) armTimer();
      } catch { /* dropped */ }
    }

    run(fn) {
      return runWith(this, fn);
    }
  }

  // A sampled-out root: its trace records nothing, but children must know that.
  class Unsampled {
    constructor(entered) {
      this.entered = entered; // a sync root made UNSAMPLED current and restores it at end
      this.resource = null;
      this.previous = undefined;
    }

    fail(error) { return error; }

    end() {
      try {
        if (this.entered) leave(this);
        this.entered = false;
      } catch { /* nothing to undo */ }
    }

    run(fn) { return runWith(UNSAMPLED, fn); }
  }

  function sampledOut() {
    return sample < 1 && !(Math.random() < sample);
  }

  function start(name, filepath, lineno) {
    try {
      const where = resource();
      const parent = get(where);
      if (parent === UNSAMPLED) return NOOP;
      if (parent !== undefined) { // the common case: a child of a recording span
        const span = new Span(name, filepath, lineno, parent.traceId, idOf(parent), 0);
        span.resource = where;
        span.previous = parent;
        set(where, span);
        return span;
      }
      let handle;
      if (sampledOut()) handle = new Unsampled(true);
      else handle = new Span(name, filepath, lineno, newTraceId(), null, 0);
      handle.resource = where;
      handle.previous = parent;
      set(where, handle instanceof Span ? handle : UNSAMPLED);
      return handle;
    } catch {
      return NOOP;
    }
  }

  function startAsync(name, filepath, lineno) {
    try {
      const parent = current();
      if (parent === UNSAMPLED) return NOOP;
      if (parent === undefined) return sampledOut() ? new Unsampled(false) : new Span(name, filepath, lineno, newTraceId(), null, 1);
      return new Span(name, filepath, lineno, parent.traceId, idOf(parent), 1);
    } catch {
      return NOOP;
    }
  }

  function startDetached(name, filepath, lineno) {
    try {
      const parent = current();
      if (parent === UNSAMPLED) return NOOP;
      if (parent === undefined) return sampledOut() ? NOOP : new Span(name, filepath, lineno, newTraceId(), null, 2);
      return new Span(name, filepath, lineno, parent.traceId, idOf(parent), 2);
    } catch {
      return NOOP;
    }
  }

  function call(name, filepath, lineno, fn) {
    const span = start(name, filepath, lineno);
    try {
      return fn();
    } catch (error) {
      throw span.fail(error);
    } finally {
      span.end();
    }
  }

  function callAsync(name, filepath, lineno, fn) {
    const span = startAsync(name, filepath, lineno);
    if (span === NOOP) return fn();
    let result;
    try {
      result = span.run(fn);
    } catch (error) {
      span.fail(error);
      span.end();
      throw error;
    }
    // A side branch ends the span; the caller gets (and awaits) the very same promise,
    // so the number of microtask ticks is the same with telemetry on and off.
    try {
      if (result instanceof Promise) {
        promiseThen.call(result, () => span.end(), (error) => { span.fail(error); span.end(); });
      } else {
        span.end();
      }
    } catch { /* the span is dropped */ }
    return result;
  }

  function attr(name, valueFn) {
    try {
      const span = current();
      if (!(span instanceof Span) || span.duration >= 0) return;
      const key = String(name);
      const value = clean(key, valueFn());
      (span.attrs === null ? (span.attrs = new Map()) : span.attrs).set(key, value);
    } catch { /* lazily evaluated attributes never fail the caller */ }
  }

  function clean(key, value) {
    const lowered = key.toLowerCase();
    if (SENSITIVE.some((word) => lowered.includes(word))) return '[REDACTED]';
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    let text;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'object' && value !== null && util !== null) {
      text = util.inspect(value, { depth: 2, compact: true, breakLength: Infinity, maxArrayLength: 100, maxStringLength: MAX_LEN });
    } else text = String(value);
    return truncate(text);
  }

  // ---- ids: random hex made 1024 at a time, sliced off as needed
  let pool = '';
  let position = 0;
  function refill() {
    if (crypto !== null) {
      pool = crypto.randomBytes(8 * 1024).toString('hex');
    } else {
      let text = '';
      for (let i = 0; i < 2048; i += 1) text += (Math.random() * 0x100000000 >>> 0).toString(16).padStart(8, '0');
      pool = text;
    }
    position = 0;
  }
  function newId() {
    if (position + 16 > pool.length) refill();
    const id = pool.slice(position, position += 16);
    return id === '0000000000000000' ? newId() : id;
  }
  function idOf(span) {
    return span.id === null ? (span.id = newId()) : span.id;
  }
  function newTraceId() {
    if (position + 32 > pool.length) refill();
    const id = pool.slice(position, position += 32);
    return id === '00000000000000000000000000000000' ? newTraceId() : id;
  }

  // ---- records: kept as spans, formatted only when written.  A record is three
  // pieces: the constant head of its function (cached bytes), the ASCII middle (ids,
  // times), and the tail (constant bytes unless it has an error or attributes).
  let buffer = [];
  let timerArmed = false;
  let out = null;
  const heads = new Map();
  // Buffer#write minus its argument checks; the middle of a record is ASCII.
  const latin1Write = typeof Buffer.prototype.latin1Write === 'function' ? Buffer.prototype.latin1Write : null;
  const pid = typeof process === 'object' && process ? process.pid : 0;
  const thread = JSON.stringify(!workers || workers.isMainThread ? 'main' : `worker-${workers.threadId}`);
  const service = serviceAttributes(env);
  const okTail = Buffer.from(`,"status":"OK","error.type":null,"error.message":null,"thread":${thread},"pid":${pid},"attributes":${attributesJson(service, null)}}\n`);
  const origin = perf.timeOrigin;
  const originSeconds = Math.floor(origin / 1000);
  const originNanos = Math.round((origin - originSeconds * 1000) * 1e6);

  function head(span) {
    let entry = heads.get(span.name);
    if (entry !== undefined && entry.filepath === span.filepath && entry.lineno === span.lineno) return entry.bytes;
    const key = `${span.name}\u0000${span.filepath}\u0000${span.lineno}`;
    entry = heads.get(key);
    if (entry === undefined) {
      const name = String(span.name);
      const dot = name.lastIndexOf('.');
      const lineno = Number.isInteger(span.lineno) ? span.lineno : 0;
      entry = {
        filepath: span.filepath, lineno: span.lineno,
        bytes: Buffer.from(`{"name":${JSON.stringify(name)},"code.filepath":${JSON.stringify(String(span.filepath))},`
          + `"code.lineno":${lineno},"code.function":${JSON.stringify(name.slice(dot + 1))},`
          + `"code.namespace":${JSON.stringify(dot < 0 ? '' : name.slice(0, dot))},"trace_id":"`),
      };
      heads.set(key, entry);
      if (!heads.has(span.name)) heads.set(span.name, entry);
    }
    return entry.bytes;
  }

  let seconds = -1;
  let secondsText = '';
  function middle(span) {
    const total = originNanos + Math.round(span.t0 * 1e6);
    const carry = Math.floor(total / 1e9);
    if (originSeconds + carry !== seconds) secondsText = String(seconds = originSeconds + carry);
    return span.traceId + '","span_id":"' + idOf(span) + '","parent_span_id":'
      + (span.parentId === null ? 'null' : '"' + span.parentId + '"')
      + ',"start_ns":' + secondsText + String(total - carry * 1e9 + 1e9).slice(1)
      + ',"duration_ns":' + Math.max(0, Math.round(span.duration * 1e6));
  }

  function tail(span) {
    const status = span.error === null ? '"OK","error.type":null,"error.message":null'
      : `"ERROR","error.type":${JSON.stringify(span.error[0])},"error.message":${JSON.stringify(span.error[1])}`;
    return `,"status":${status},"thread":${thread},"pid":${pid},"attributes":${attributesJson(service, span.attrs)}}\n`;
  }

  function reserve(used, more) {
    if (out !== null && used + more <= out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(used + more, out === null ? 1 << 19 : out.length * 2));
    if (out !== null) out.copy(bigger, 0, 0, used);
    out = bigger;
  }

  function format(records) {
    let used = 0;
    for (let i = 0; i < records.length; i += 1) {
      const span = records[i];
      const first = head(span);
      const rest = span.error === null && span.attrs === null ? null : tail(span);
      reserve(used, first.length + 256 + (rest === null ? okTail.length : Buffer.byteLength(rest)));
      out.set(first, used);
      used += first.length;
      used += latin1Write === null ? out.write(middle(span), used, 'latin1') : latin1Write.call(out, middle(span), used);
      if (rest === null) {
        out.set(okTail, used);
        used += okTail.length;
      } else {
        used += out.write(rest, used, 'utf8');
      }
    }
    return used;
  }

  function writeAll(fd, length) {
    let offset = 0;
    let busy = 0;
    while (offset < length) {
      try {
        offset += fs.writeSync(fd, out, offset, length - offset);
      } catch (error) {
        if (!(error && error.code === 'EAGAIN' && (busy += 1) < 10000)) throw error;
      }
    }
  }

  function flush() {
    try {
      if (buffer.length === 0) return;
      const records = buffer;
      buffer = [];
      const length = format(records);
      if (sink === 'stderr') {
        writeAll(2, length);
      } else {
        const fd = fs.openSync(sink, 'a', 0o644);
        try { writeAll(fd, length); } finally { fs.closeSync(fd); }
      }
    } catch { /* a failing sink drops records; it never reaches user code */ }
  }

  function armTimer() {
    timerArmed = true;
    try {
      const timer = (timers || globalThis).setTimeout(() => { timerArmed = false; flush(); }, FLUSH_AFTER_MS);
      if (timer && typeof timer.unref === 'function') timer.unref();
    } catch { /* written at exit or when the buffer fills */ }
  }

  try {
    process.on('exit', flush);
  } catch { /* no process events: flush() by hand */ }
  return Object.freeze({ start, startAsync, startDetached, call, callAsync, attr, flush });
}

/**
 * How the current span is found and changed.  On Node 20 AsyncLocalStorage keeps its value
 * as a property of the current async resource; writing that property directly is what
 * AsyncLocalStorage.run does inside, minus a getStore call, an argument array and two
 * checks per span (about 30 ns).  That path is used only after checking, here, that it
 * behaves exactly like the public API; otherwise (Node 24's AsyncContextFrame, Deno, Bun)
 * the public API; without AsyncLocalStorage, one variable (right for synchronous code).
 */
function contextOps(hooks) {
  const Storage = hooks && hooks.AsyncLocalStorage;
  if (typeof Storage !== 'function') {
    let value;
    return {
      resource: () => null,
      get: () => value,
      set(where, next) { value = next; },
      runWith(next, fn) {
        const previous = value;
        value = next;
        try { return fn(); } finally { value = previous; }
      },
    };
  }
  const storage = new Storage();
  const key = storage.kResourceStore;
  const resourceOf = hooks.executionAsyncResource;
  let direct = false;
  try {
    if (typeof key === 'symbol' && typeof resourceOf === 'function') {
      const probe = {};
      const seen = storage.run(probe, () => resourceOf()[key]); // run() also enables the storage
      const where = resourceOf();
      const saved = where[key];
      where[key] = probe;
      direct = seen === probe && storage.getStore() === probe;
      where[key] = saved;
      direct = direct && storage.getStore() === saved;
    }
  } catch {
    direct = false;
  }
  if (direct) {
    return {
      resource: resourceOf,
      get: (where) => where[key],
      set(where, next) { where[key] = next; },
      runWith(next, fn) {
        const where = resourceOf();
        const previous = where[key];
        where[key] = next;
        try { return fn(); } finally { where[key] = previous; }
      },
    };
  }
  return {
    resource: () => null,
    get: () => storage.getStore(),
    set(where, next) { storage.enterWith(next); },
    runWith: (next, fn) => storage.run(next, fn),
  };
}

function sampleRate(text) {
  if (text === '') return 1;
  const rate = Number(text);
  if (Number.isNaN(rate)) return 1;
  return Math.min(1, Math.max(0, rate));
}

function truncate(text) {
  if (text.length <= MAX_LEN) return text;
  let cut = MAX_LEN - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // never split a surrogate pair
  return `${text.slice(0, cut)}…`;
}

function errorFields(error) {
  let type;
  let message;
  if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
    let ctor;
    try { ctor = error.constructor; } catch { ctor = undefined; }
    const ctorName = typeof ctor === 'function' && typeof ctor.name === 'string' ? ctor.name : '';
    let name;
    try { name = error.name; } catch { name = undefined; }
    type = ctorName && ctorName !== 'Object' ? ctorName : (typeof name === 'string' && name) || ctorName || 'Object';
    try {
      const raw = error.message;
      message = typeof raw === 'string' ? raw : raw === undefined ? String(error) : String(raw);
    } catch {
      message = `<unprintable ${type}>`;
    }
  } else {
    type = error === null ? 'null' : typeof error;
    try { message = String(error); } catch { message = `<unprintable ${type}>`; }
  }
  return [type, truncate(message)];
}

function serviceAttributes(env) {
  const attrs = new Map();
  for (const item of env.resource.split(',')) {
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    if (at > 0 && (key === 'service.name' || key === 'service.version')) {
      let value = item.slice(at + 1).trim();
      try { value = decodeURIComponent(value); } catch { /* keep it as written */ }
      attrs.set(key, value);
    }
  }
  const fromResource = attrs.get('service.name');
  attrs.delete('service.name');
  const ordered = new Map([['service.name', env.service || fromResource || 'unknown_service']]);
  const version = env.version || attrs.get('service.version');
  if (version) ordered.set('service.version', version);
  return ordered;
}

function attributesJson(service, attrs) {
  const merged = new Map(service);
  if (attrs !== null) for (const [key, value] of attrs) merged.set(key, value);
  let text = '';
  for (const [key, value] of merged) text += `${text ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  return `{${text}}`;
}

let runtime;
try {
  runtime = globalThis[SHARED];
} catch {
  runtime = undefined;
}
if (!runtime || typeof runtime.start !== 'function') {
  runtime = create();
  if (runtime !== OFF) {
    try {
      Object.defineProperty(globalThis, SHARED, { value: runtime });
    } catch { /* a frozen global: this copy keeps its own state */ }
  }
}

/** Start a span for a sync function; it is current until `end()`. */
exports.start = runtime.start;
/** Start a span for an async function; `run(fn)` makes it current for fn and its awaits. */
exports.startAsync = runtime.startAsync;
/** Start a span that is never current (generators). */
exports.startDetached = runtime.startDetached;
/** Run `fn()` in a span (expression-bodied arrows). */
exports.call = runtime.call;
/** Run the async `fn()` in a span that ends when its promise settles; returns that promise. */
exports.callAsync = runtime.callAsync;
/** Set attribute `name` on the current span to `valueFn()`, evaluated only when recording. */
exports.attr = runtime.attr;
/** Write buffered span records now (also done at exit). */
exports.flush = runtime.flush;
