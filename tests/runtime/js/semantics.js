// Sync shapes in a sloppy-mode CommonJS file: nesting, this/arguments/super/new.target,
// hoisting, errors.  Prints what the program saw as JSON.
const _tel = require("./_telemetry_utils.cjs");
const seen = {};

function inner(x) {
  const _tel$ = _tel.start("inner", "semantics.js", 6); try {
  return x + 1;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function outer() {
  const _tel$ = _tel.start("outer", "semantics.js", 12); try {
  return inner(1) + inner(2);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function hoisting(param) {
  const _tel$ = _tel.start("hoisting", "semantics.js", 18); try {
  const early = helper();
  const before = typeof later;
  var later = 1;
  var param;
  return [early, before, later, param, typeof helper];
  function helper() { return "helper"; }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function strictMode() {
  "use strict";
  const _tel$ = _tel.start("strictMode", "semantics.js", 29); try {
  return [typeof this, helper()];
  function helper() { return "strict helper"; }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function mapped(a) {
  const _tel$ = _tel.start("mapped", "semantics.js", 37); try {
  arguments[0] = 9;
  return [a, arguments.length];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

class Base {
  constructor(tag) {
    const _tel$ = _tel.start("Base.constructor", "semantics.js", 45); try {
    this.tag = tag;
    this.target = new.target.name;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  describe() {
    const _tel$ = _tel.start("Base.describe", "semantics.js", 52); try {
    return "base:" + this.tag;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  static make(tag) {
    const _tel$ = _tel.start("Base.make", "semantics.js", 58); try {
    return new this(tag);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

class Derived extends Base {
  extra = "field";
  #secret = 42;

  constructor(tag) {
    const _tel$ = _tel.start("Derived.constructor", "semantics.js", 69); try {
    const before = typeof new.target;
    super(tag.toUpperCase());
    this.before = before;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  describe() {
    const _tel$ = _tel.start("Derived.describe", "semantics.js", 77); try {
    return "derived/" + super.describe() + "/" + this.#peek();
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  #peek() {
    const _tel$ = _tel.start("Derived.#peek", "semantics.js", 83); try {
    return this.#secret + ":" + this.extra;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  get size() {
    const _tel$ = _tel.start("Derived.size", "semantics.js", 89); try {
    return this.tag.length;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  set size(n) {
    const _tel$ = _tel.start("Derived.size", "semantics.js", 95); try {
    this.tag = "x".repeat(n);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

const proto = { greet() { return "proto"; } };
const obj = {
  __proto__: proto,
  greet() {
    const _tel$ = _tel.start("obj.greet", "semantics.js", 105); try {
    return "obj/" + super.greet() + "/" + (this === obj);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
};

const square = function (n) {
  const _tel$ = _tel.start("square", "semantics.js", 112); try {
  return n * n;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

const blockArrow = (n) => {
  const _tel$ = _tel.start("blockArrow", "semantics.js", 118); try {
  return [n, this === module.exports, arguments.length];
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
};

const exprArrow = (n) => _tel.call("exprArrow", "semantics.js", 124, () => n * 3);

class AppError extends Error {}
const thrown = new AppError("bad input");

function fails() {
  const _tel$ = _tel.start("fails", "semantics.js", 129); try {
  throw thrown;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function failsWithString() {
  const _tel$ = _tel.start("failsWithString", "semantics.js", 135); try {
  throw "plain string";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const failingArrow = () => _tel.call("failingArrow", "semantics.js", 141, () => { throw thrown; });

function catcher() {
  const _tel$ = _tel.start("catcher", "semantics.js", 143); try {
  try { fails(); } catch (error) { seen.sameError = error === thrown; }
  try { failingArrow(); } catch (error) { seen.sameFromArrow = error === thrown; }
  try { failsWithString(); } catch (error) { seen.stringError = error; }
  return "handled";
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

seen.outer = outer();
seen.hoisting = hoisting("arg");
seen.strictMode = strictMode();
seen.mapped = mapped(1, 2);
const d = Derived.make("abc");
seen.derived = [d.describe(), d.tag, d.target, d.before, d.size];
d.size = 2;
seen.resized = d.tag;
seen.base = [new Base("b").describe(), new Base("c").target];
seen.obj = obj.greet();
seen.arrows = [square(4), blockArrow(5), exprArrow(6)];
seen.catcher = catcher();
console.log(JSON.stringify(seen));
