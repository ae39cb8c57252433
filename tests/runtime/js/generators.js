// Detached shapes (generators, async generators) in an ES module .js file: spans cover the
// generator's life, end on return()/throw()/break, and never become the consumer's parent.
import * as _tel from "./_telemetry_utils.mjs";

const seen = {};

function leaf(tag) {
  const _tel$ = _tel.start("leaf", "generators.js", 7); try {
  _tel.attr("tag", () => tag);
  return tag;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function* numbers(n) {
  const _tel$ = _tel.startDetached("numbers", "generators.js", 14); try {
  let received = 0;
  for (let i = 0; i < n; i += 1) {
    const sent = yield leaf(`gen-${i}`);
    if (sent !== undefined) received += sent;
  }
  return `done:${received}`;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function consume() {
  const _tel$ = _tel.start("consume", "generators.js", 25); try {
  const gen = numbers(3);
  const first = gen.next().value;
  leaf("consumer-between");
  const second = gen.next(5).value;
  const rest = gen.next(6);
  const last = gen.next(7);
  return [first, second, rest.value, last.value, last.done];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function earlyBreak() {
  const _tel$ = _tel.start("earlyBreak", "generators.js", 37); try {
  const got = [];
  for (const value of numbers(10)) {
    got.push(value);
    if (got.length === 2) break;
  }
  return got;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function thrownInto() {
  const _tel$ = _tel.start("thrownInto", "generators.js", 48); try {
  const gen = numbers(3);
  gen.next();
  const error = new RangeError("stop now");
  try {
    gen.throw(error);
  } catch (caught) {
    return caught === error;
  }
  return false;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

class Tree {
  constructor(values) {
    this.values = values;
  }

  *[Symbol.iterator]() {
    const _tel$ = _tel.startDetached("Tree.iterator", "generators.js", 67); try {
    yield* this.values;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

class SortedTree extends Tree {
  *[Symbol.iterator]() {
    const _tel$ = _tel.startDetached("SortedTree.iterator", "generators.js", 75); try {
    yield* [...super[Symbol.iterator]()].sort();
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

async function* ticker(n) {
  const _tel$ = _tel.startDetached("ticker", "generators.js", 82); try {
  for (let i = 0; i < n; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield leaf(`tick-${i}`);
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function readTicks() {
  const _tel$ = _tel.startAsync("readTicks", "generators.js", 91); return await _tel$.run(async () => { try {
  const all = [];
  for await (const tick of ticker(2)) all.push(tick);
  const some = [];
  for await (const tick of ticker(5)) {
    some.push(tick);
    if (some.length === 2) break;
  }
  return [all, some];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

seen.consume = consume();
seen.earlyBreak = earlyBreak();
seen.thrownInto = thrownInto();
seen.trees = [[...new Tree(["b", "a"])], [...new SortedTree(["b", "a"])]];
seen.ticks = await readTicks();
console.log(JSON.stringify(seen));
