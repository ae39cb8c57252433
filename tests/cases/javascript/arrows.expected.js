// Arrow functions: expression bodies are wrapped in place, block bodies get the two lines,
// block bodies that cannot take lines (one-liners) are wrapped in place too.
const _tel = require("./_telemetry_utils.cjs");
const double = (x) => _tel.call("double", "", 4, () => x * 2);
const asyncDouble = async (x) => await _tel.callAsync("asyncDouble", "", 5, async () => (await x) * 2);
const make = () => _tel.call("make", "", 6, () => ({ kind: "made" }));
const curried = (a) => _tel.call("curried", "", 7, () => (b) => _tel.call("curried.<anonymous>@7", "", 7, () => a + b));
const single = x => _tel.call("single", "", 8, () => x);

const block = (items) => {
  const _tel$ = _tel.start("block", "", 10); try {
  return items.filter(Boolean);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

const asyncBlock = async (url) => {
  const _tel$ = _tel.startAsync("asyncBlock", "", 16); return await _tel$.run(async () => { try {
  const response = await fetch(url);
  return response.json();
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
};

const oneLine = (x) => _tel.call("oneLine", "", 23, () => { return x + 1; });

function process(items) {
  const _tel$ = _tel.start("process", "", 25); try {
  return items
    .map((item) => _tel.call("process.<anonymous>@28", "", 28, () => item.value))
    .filter((value) => {
      const _tel$ = _tel.start("process.<anonymous>@29", "", 29); try {
      return value > 0;
      } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
    });
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

setTimeout(() => {
  const _tel$ = _tel.start("<anonymous>@37", "", 37); try {
  console.log("later");
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}, 10);

function withCallbackDefault(callback = () => _tel.call("withCallbackDefault.callback", "", 43, () => "default")) {
  const _tel$ = _tel.start("withCallbackDefault", "", 43); try {
  return callback();
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const conditional = (flag) =>
  _tel.call("conditional", "", 49, () => flag
    ? "yes"
    : "no");

const commented = (x) => _tel.call("commented", "", 54, () => x + 1); // trailing comment stays after the wrapper
