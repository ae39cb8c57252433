// Classes: constructors (derived too), static and #private methods, accessors,
// computed and generator methods, fields holding arrows, static blocks.
class Base {
  constructor(tag) {
    this.tag = tag;
  }

  describe() {
    return `base:${this.tag}`;
  }

  static make(tag) {
    return new this(tag);
  }
}

class Derived extends Base {
  extra = "field";
  #secret = 42;

  constructor(tag) {
    const before = typeof new.target;
    super(tag.toUpperCase());
    this.before = before;
  }

  describe() {
    return "derived/" + super.describe() + "/" + this.#peek();
  }

  #peek() {
    return this.#secret;
  }

  get size() {
    return this.tag.length;
  }

  set size(n) {
    this.tag = "x".repeat(n);
  }

  static #counter() {
    return 1;
  }

  *[Symbol.iterator]() {
    yield* this.tag;
  }

  async load(key) {
    await null;
    return key;
  }

  handler = (event) => {
    return this.tag + event;
  };

  short = (n) => n * 2;

  static {
    const ignored = function () {
      return "inside a static block";
    };
    ignored();
  }
}

const Anonymous = class {
  run() {
    return "ran";
  }
};

module.exports = { Base, Derived, Anonymous };
