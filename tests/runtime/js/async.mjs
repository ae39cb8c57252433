// Async shapes in an ES module: parent links across awaits and concurrent children,
// this/arguments/super in async methods, rejections, timers scheduled from sync spans,
// and microtask ticks (printed, so a run with telemetry off must print the same).
import * as _tel from "./_telemetry_utils.mjs";

const seen = {};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function leaf(tag) {
  const _tel$ = _tel.start("leaf", "async.mjs", 9); try {
  _tel.attr("tag", () => tag);
  return tag;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function child(i) {
  const _tel$ = _tel.startAsync("child", "async.mjs", 16); return await _tel$.run(async () => { try {
  _tel.attr("i", () => i);
  leaf(`before-${i}`);
  await sleep(3 * (3 - i));
  leaf(`after-${i}`);
  if (i === 2) throw seen.rejection;
  return i;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

async function parent() {
  const _tel$ = _tel.startAsync("parent", "async.mjs", 27); return await _tel$.run(async () => { try {
  const first = child(0);
  leaf("between-calls");
  const rest = [child(1), child(2)];
  const settled = await Promise.allSettled([first, ...rest]);
  leaf("after-all");
  return settled.map((s) => (s.status === "fulfilled" ? s.value : s.reason === seen.rejection));
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

class Store {
  label = "store";

  async load(key) {
    const _tel$ = _tel.startAsync("Store.load", "async.mjs", 41); return await _tel$.run(async () => { try {
    await null;
    return `${this.label}:${key}:${arguments.length}`;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  }
}

class CachedStore extends Store {
  label = "cached";

  async load(key) {
    const _tel$ = _tel.startAsync("CachedStore.load", "async.mjs", 52); return await _tel$.run(async () => { try {
    const base = await super.load(key, "extra");
    return `${base}|${new.target === undefined}`;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  }

  save = async (value) => {
    const _tel$ = _tel.startAsync("CachedStore.save", "async.mjs", 59); return await _tel$.run(async () => { try {
    await sleep(1);
    return this.label + "=" + value;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  };
}

const double = async (x) => await _tel.callAsync("double", "async.mjs", 67, async () => (await x) * 2);

function schedules() {
  const _tel$ = _tel.start("schedules", "async.mjs", 69); try {
  return new Promise((resolve) => setTimeout(() => resolve(leaf("from-timer")), 1));
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function plainBlock(x) {
  return x;
}

async function tracedBlock(x) {
  const _tel$ = _tel.startAsync("tracedBlock", "async.mjs", 79); return await _tel$.run(async () => { try {
  return x;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

const plainExpr = async (x) => x;
const tracedExpr = async (x) => await _tel.callAsync("tracedExpr", "async.mjs", 86, async () => x);

async function ticks(fn) {
  let count = 0;
  let done = false;
  fn().then(() => { done = true; });
  while (!done) {
    await null;
    count += 1;
  }
  return count;
}

seen.rejection = new TypeError("child 2 failed");
seen.parent = await parent();
const cached = new CachedStore();
seen.methods = [await cached.load("k"), await cached.save(7)];
seen.double = await double(Promise.resolve(21));
seen.timer = await schedules();
seen.ticks = [await ticks(() => plainBlock(1)), await ticks(() => tracedBlock(1)),
  await ticks(() => plainExpr(1)), await ticks(() => tracedExpr(1))];
try {
  await child(2);
} catch (error) {
  seen.sameRejection = error === seen.rejection;
}
delete seen.rejection;
console.log(JSON.stringify(seen));
