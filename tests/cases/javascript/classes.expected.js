// Classes: constructors (derived too), static and #private methods, accessors,
// computed and generator methods, fields holding arrows, static blocks.
const _tel = require("./_telemetry_utils.cjs");
class Base {
  constructor(tag) {
    const _tel$ = _tel.start("Base.constructor", "", 5); try {
    this.tag = tag;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  describe() {
    const _tel$ = _tel.start("Base.describe", "", 11); try {
    return `base:${this.tag}`;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  static make(tag) {
    const _tel$ = _tel.start("Base.make", "", 17); try {
    return new this(tag);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

class Derived extends Base {
  extra = "field";
  #secret = 42;

  constructor(tag) {
    const _tel$ = _tel.start("Derived.constructor", "", 28); try {
    const before = typeof new.target;
    super(tag.toUpperCase());
    this.before = before;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  describe() {
    const _tel$ = _tel.start("Derived.describe", "", 36); try {
    return "derived/" + super.describe() + "/" + this.#peek();
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  #peek() {
    const _tel$ = _tel.start("Derived.#peek", "", 42); try {
    return this.#secret;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  get size() {
    const _tel$ = _tel.start("Derived.size", "", 48); try {
    return this.tag.length;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  set size(n) {
    const _tel$ = _tel.start("Derived.size", "", 54); try {
    this.tag = "x".repeat(n);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  static #counter() {
    const _tel$ = _tel.start("Derived.#counter", "", 60); try {
    return 1;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  *[Symbol.iterator]() {
    const _tel$ = _tel.startDetached("Derived.iterator", "", 66); try {
    yield* this.tag;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  async load(key) {
    const _tel$ = _tel.startAsync("Derived.load", "", 72); return await _tel$.run(async () => { try {
    await null;
    return key;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  }

  handler = (event) => {
    const _tel$ = _tel.start("Derived.handler", "", 79); try {
    return this.tag + event;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  };

  short = (n) => _tel.call("Derived.short", "", 85, () => n * 2);

  static {
    const ignored = function () {
      const _tel$ = _tel.start("Derived.ignored", "", 88); try {
      return "inside a static block";
      } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
    };
    ignored();
  }
}

const Anonymous = class {
  run() {
    const _tel$ = _tel.start("Anonymous.run", "", 98); try {
    return "ran";
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
};

module.exports = { Base, Derived, Anonymous };
