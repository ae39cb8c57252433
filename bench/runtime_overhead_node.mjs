// Timing loop for bench/runtime_overhead_node.py, one configuration per process:
//   node runtime_overhead_node.mjs MODE LOOPS REPEATS RUNTIME_DIR
// MODE "plain" times the uninstrumented functions, "traced" the same functions in the
// injected shapes (the environment decides whether the runtime records).  Traced calls run
// inside a traced root, so with a sink every record has a parent link.  Calls are timed in
// batches smaller than the runtime's buffer, each followed by a separately timed flush(),
// so the span bookkeeping and the writing of records are reported apart.  Prints JSON:
// {"sync": {"calls": [ns per call, one per repeat], "flush": [ns per call]}, "async": {...}}
import { pathToFileURL } from "node:url";

const [mode, loopsText, repeatsText, runtimeDir] = process.argv.slice(2);
const loops = Number(loopsText);
const repeats = Number(repeatsText);
const BATCH = 1000; // below the runtime's 1024-record flush threshold
const _tel = await import(pathToFileURL(`${runtimeDir}/_telemetry_utils.mjs`).href);

function plainSync(x) {
  return x + 1;
}

function tracedSync(x) {
  const _tel$ = _tel.start("bench.tracedSync", "bench/runtime_overhead_node.mjs", 22); try {
  return x + 1;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function plainAsync(x) {
  return x + 1;
}

async function tracedAsync(x) {
  const _tel$ = _tel.startAsync("bench.tracedAsync", "bench/runtime_overhead_node.mjs", 32); return await _tel$.run(async () => { try {
  return x + 1;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

const clock = process.hrtime.bigint;

function timeSync(fn, n) {
  let calls = 0n;
  let flushes = 0n;
  let sum = 0;
  for (let done = 0; done < n; done += BATCH) {
    const t0 = clock();
    for (let i = 0; i < BATCH; i += 1) sum += fn(i);
    const t1 = clock();
    _tel.flush();
    flushes += clock() - t1;
    calls += t1 - t0;
  }
  if (sum === -1) console.log("unreachable");
  const count = Math.ceil(n / BATCH) * BATCH;
  return [Number(calls) / count, Number(flushes) / count];
}

async function timeAsync(fn, n) {
  let calls = 0n;
  let flushes = 0n;
  let sum = 0;
  for (let done = 0; done < n; done += BATCH) {
    const t0 = clock();
    for (let i = 0; i < BATCH; i += 1) sum += await fn(i);
    const t1 = clock();
    _tel.flush();
    flushes += clock() - t1;
    calls += t1 - t0;
  }
  if (sum === -1) console.log("unreachable");
  const count = Math.ceil(n / BATCH) * BATCH;
  return [Number(calls) / count, Number(flushes) / count];
}

function collect(results) {
  return { calls: results.map((r) => r[0]), flush: results.map((r) => r[1]) };
}

function syncRoot(fn) {
  const _tel$ = _tel.start("bench.syncRoot", "bench/runtime_overhead_node.mjs", 76); try {
  timeSync(fn, loops); // warm-up, discarded
  const results = [];
  for (let r = 0; r < repeats; r += 1) results.push(timeSync(fn, loops));
  return collect(results);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function asyncRoot(fn) {
  const _tel$ = _tel.startAsync("bench.asyncRoot", "bench/runtime_overhead_node.mjs", 85); return await _tel$.run(async () => { try {
  const n = Math.max(BATCH, Math.floor(loops / 5));
  await timeAsync(fn, n); // warm-up, discarded
  const results = [];
  for (let r = 0; r < repeats; r += 1) results.push(await timeAsync(fn, n));
  return collect(results);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

const traced = mode === "traced";
const sync = syncRoot(traced ? tracedSync : plainSync);
const asyncResults = await asyncRoot(traced ? tracedAsync : plainAsync);
_tel.flush();
console.log(JSON.stringify({ sync, async: asyncResults }));
