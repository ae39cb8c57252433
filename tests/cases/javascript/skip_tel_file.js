// The file binds `_tel` itself: the runtime import would clash, so nothing is instrumented.
const _tel = require("./my-telemetry");

function work() {
  return _tel.measure();
}
