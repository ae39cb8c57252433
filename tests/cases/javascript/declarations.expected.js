#!/usr/bin/env node
// Function declarations and expressions in a CommonJS module: names come from the
// declaration, else from what the function is assigned to.
"use strict";

const _tel = require("./_telemetry_utils.cjs");
const path = require("node:path");

function total(items) {
  const _tel$ = _tel.start("total", "", 9); try {
  let sum = 0;
  for (const item of items) sum += item.price;
  return sum;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function outer(a) {
  const _tel$ = _tel.start("outer", "", 17); try {
  return inner(a) * 2;

  function inner(x) {
    const _tel$ = _tel.start("outer.inner", "", 21); try {
    return x + 1;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function strictHelper() {
  "use strict";
  const _tel$ = _tel.start("strictHelper", "", 29); try {
  return this;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const square = function (n) {
  const _tel$ = _tel.start("square", "", 36); try {
  return n * n;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

const named = function realName(n) {
  const _tel$ = _tel.start("realName", "", 42); try {
  return n > 0 ? realName(n - 1) : 0;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

exports.join = function (a, b) {
  const _tel$ = _tel.start("join", "", 48); try {
  return path.join(a, b);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

module.exports.split = function (p) {
  const _tel$ = _tel.start("split", "", 54); try {
  return p.split(path.sep);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

Cart.prototype.add = function (item) {
  const _tel$ = _tel.start("Cart.add", "", 60); try {
  this.items.push(item);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

function Cart() {
  const _tel$ = _tel.start("Cart", "", 66); try {
  this.items = [];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

(function () {
  const _tel$ = _tel.start("<anonymous>@72", "", 72); try {
  console.log("iife");
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
})();

function withDefaults(a = 1, { b, c: [d] } = { c: [2] }, ...rest) {
  const _tel$ = _tel.start("withDefaults", "", 78); try {
  return a + b + d + rest.length;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function hoisted(flag) {
  const _tel$ = _tel.start("hoisted", "", 84); try {
  if (flag) return helper();
  var later = 1;
  return later;
  function helper() {
    const _tel$ = _tel.start("hoisted.helper", "", 89); try {
    return "helper";
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}
