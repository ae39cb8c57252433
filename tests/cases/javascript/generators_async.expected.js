// Async functions, generators and async generators, declared and as expressions.
const _tel = require("./_telemetry_utils.cjs");
async function load(id) {
  const _tel$ = _tel.startAsync("load", "", 3); return await _tel$.run(async () => { try {
  const row = await db.get(id);
  return row;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

function* range(n) {
  const _tel$ = _tel.startDetached("range", "", 10); try {
  for (let i = 0; i < n; i += 1) {
    yield i;
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function* stream(source) {
  const _tel$ = _tel.startDetached("stream", "", 18); try {
  for await (const chunk of source) {
    yield chunk;
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const gen = function* () {
  const _tel$ = _tel.startDetached("gen", "", 26); try {
  yield 1;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

const asyncExpression = async function () {
  const _tel$ = _tel.startAsync("asyncExpression", "", 32); return await _tel$.run(async () => { try {
  return arguments.length;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
};

async function usesArguments(a) {
  const _tel$ = _tel.startAsync("usesArguments", "", 38); return await _tel$.run(async () => { try {
  await null;
  return [a, arguments.length];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

const store = {
  async fetch(key) {
    const _tel$ = _tel.startAsync("store.fetch", "", 46); return await _tel$.run(async () => { try {
    return this.cache[key];
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  },
  *keys() {
    const _tel$ = _tel.startDetached("store.keys", "", 51); try {
    yield* Object.keys(this.cache);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
  async *values() {
    const _tel$ = _tel.startDetached("store.values", "", 56); try {
    yield* Object.values(this.cache);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
};
