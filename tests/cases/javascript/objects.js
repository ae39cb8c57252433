// Methods of object literals, nested objects, accessors and unusual keys.
const api = {
  users: {
    list() {
      return [];
    },
    get count() {
      return 0;
    },
  },
  "kebab-case": function () {
    return "kebab";
  },
  42: function () {
    return 42;
  },
  [Symbol.toPrimitive](hint) {
    return hint;
  },
  [dynamicKey]: function () {
    return "dynamic";
  },
};

module.exports = {
  exported() {
    return "exported";
  },
};

register({
  onEvent(event) {
    return event.type;
  },
});
