// Body-level function declarations that the try block would change, and what an async
// body redeclares: skipped. Generators (detached, no inner function) still take lines.
const _tel = require("./_telemetry_utils.cjs");
function sameAsParameter(helper) {
  return helper();
  function helper() {
    const _tel$ = _tel.start("sameAsParameter.helper", "", 6); try {
    return 1;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

function sameAsVar() {
  var helper = 1;
  return helper;
  function helper() {}
}

function declaredTwice() {
  return helper();
  function helper() { return 1; }
  function helper() { return 2; }
}

function sameAsNestedVar() {
  if (true) {
    for (var helper of [1]) {}
  }
  function helper() {}
}

function fine(value) {
  const _tel$ = _tel.start("fine", "", 32); try {
  return helper(value);
  function helper(x) {
    const _tel$ = _tel.start("fine.helper", "", 35); try {
    return x;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function redeclaresParameter(value) {
  var value;
  await null;
  return value;
}

async function redeclaresArguments() {
  var arguments;
  return arguments;
}

async function functionNamedLikeParameter(cb) {
  await null;
  return cb;
  function cb() {}
}

function* generatorMayRedeclare(value) {
  const _tel$ = _tel.startDetached("generatorMayRedeclare", "", 60); try {
  var value;
  yield value;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const arrowRedeclares = (value) => { var value; return value; };
