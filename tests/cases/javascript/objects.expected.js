// Methods of object literals, nested objects, accessors and unusual keys.
const _tel = require("./_telemetry_utils.cjs");
const api = {
  users: {
    list() {
      const _tel$ = _tel.start("api.users.list", "", 5); try {
      return [];
      } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
    },
    get count() {
      const _tel$ = _tel.start("api.users.count", "", 10); try {
      return 0;
      } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
    },
  },
  "kebab-case": function () {
    const _tel$ = _tel.start("api.kebab-case", "", 16); try {
    return "kebab";
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
  42: function () {
    const _tel$ = _tel.start("api.42", "", 21); try {
    return 42;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
  [Symbol.toPrimitive](hint) {
    const _tel$ = _tel.start("api.toPrimitive", "", 26); try {
    return hint;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
  [dynamicKey]: function () {
    const _tel$ = _tel.start("api.<computed>", "", 31); try {
    return "dynamic";
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
};

module.exports = {
  exported() {
    const _tel$ = _tel.start("exports.exported", "", 39); try {
    return "exported";
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
};

register({
  onEvent(event) {
    const _tel$ = _tel.start("onEvent", "", 47); try {
    return event.type;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
});
