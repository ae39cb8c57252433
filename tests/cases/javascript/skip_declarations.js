// Body-level function declarations that the try block would change, and what an async
// body redeclares: skipped. Generators (detached, no inner function) still take lines.
function sameAsParameter(helper) {
  return helper();
  function helper() {
    return 1;
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
  return helper(value);
  function helper(x) {
    return x;
  }
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
  var value;
  yield value;
}

const arrowRedeclares = (value) => { var value; return value; };
