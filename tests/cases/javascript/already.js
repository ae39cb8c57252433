// A file instrumented earlier: instrumented functions stay as they are, new ones are added.
const _tel = require("./_telemetry_utils.cjs");

function done(x) {
  const _tel$ = _tel.start("done", "already.js", 4); try {
  _tel.attr("x", () => x);
  return x;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function doneAsync() {
  const _tel$ = _tel.startAsync("doneAsync", "already.js", 11); return await _tel$.run(async () => { try {
  return nested(() => 1);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

const doneArrow = (x) => _tel.call("doneArrow", "already.js", 17, () => x + 1);

function added(y) {
  return y * 2;
}
