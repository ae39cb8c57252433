// Small programs selected by argv[2], for the environment switches and attributes.
const _tel = require("./_telemetry_utils.cjs");

let evaluated = 0;
const count = (value) => () => { evaluated += 1; return value; };

function leaf(i) {
  const _tel$ = _tel.start("leaf", "misc.cjs", 7); try {
  _tel.attr("i", count(i));
  return i;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function root(n) {
  const _tel$ = _tel.start("root", "misc.cjs", 14); try {
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += leaf(i);
  return sum;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function asyncLeaf(i) {
  const _tel$ = _tel.startAsync("asyncLeaf", "misc.cjs", 22); return await _tel$.run(async () => { try {
  await null;
  return leaf(i);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

async function asyncRoot() {
  const _tel$ = _tel.startAsync("asyncRoot", "misc.cjs", 29); return await _tel$.run(async () => { try {
  return (await Promise.all([asyncLeaf(1), asyncLeaf(2)])).length;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

function* gen() {
  const _tel$ = _tel.startDetached("gen", "misc.cjs", 35); try {
  yield leaf(0);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

class Secretive {
  toString() { return "Secretive!"; }
}

function attributes() {
  const _tel$ = _tel.start("attributes", "misc.cjs", 45); try {
  _tel.attr("user.id", () => 42);
  _tel.attr("cart.total", () => 9.5);
  _tel.attr("flag", () => true);
  _tel.attr("db.password", () => "hunter2");
  _tel.attr("X-Api-KEY", () => "abc");
  _tel.attr("Session_Cookie", () => "abc");
  _tel.attr("auth_header", () => "Bearer x");
  _tel.attr("body", () => "x".repeat(1000));
  _tel.attr("emoji", () => "a".repeat(254) + "😀😀");
  _tel.attr("items", () => Array.from({ length: 500 }, (_, i) => i));
  _tel.attr("obj", () => ({ id: 7, nested: { deep: { deeper: { deepest: 1 } } } }));
  _tel.attr("instance", () => new Secretive());
  _tel.attr("big", () => 10n ** 30n);
  _tel.attr("nan", () => NaN);
  _tel.attr("nothing", () => null);
  _tel.attr("broken", () => { throw new Error("no value"); });
  _tel.attr("__proto__", () => "kept as a plain key");
  return "ok";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const mode = process.argv[2];
const out = {};
if (mode === "off") {
  out.sum = root(2000);
  out.sameHandle = _tel.start("a", "b", 1) === _tel.start("c", "d", 2);
  out.callThrough = _tel.call("x", "y", 73, () => "through");
  _tel.flush();
} else if (mode === "attributes") {
  out.result = attributes();
  _tel.attr("outside", count("never"));
} else if (mode === "many") {
  out.before = Date.now();
  out.sum = root(3000);
  out.after = Date.now();
} else if (mode === "sampling") {
  for (let i = 0; i < 400; i += 1) root(2);
  for (let i = 0; i < 100; i += 1) asyncRoot();
  for (let i = 0; i < 100; i += 1) [...gen()];
} else if (mode === "service") {
  root(1);
}
out.evaluated = evaluated;
console.log(JSON.stringify(out));
