// Functions using `_tel` names, the skip pragma, and asm.js are left alone.
const _tel = require("./_telemetry_utils.cjs");
function usesTelName(_telemetry) {
  return _telemetry;
}

function usesTelInBody() {
  const _tel$ = 1;
  return _tel$;
}

// telemetry: skip
function skippedByPragma() {
  return 1;
}

function skippedOnTheLine() { // telemetry: skip
  return 2;
}

function asmModule(stdlib) {
  "use asm";
  function f() {
    return 0;
  }
  return { f: f };
}

function instrumented() {
  const _tel$ = _tel.start("instrumented", "", 29); try {
  return 3;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}
