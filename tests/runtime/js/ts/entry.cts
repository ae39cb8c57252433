// CommonJS entry point (.cts, `import = require`) for the type check and the run.
import _tel = require("./_telemetry_utils.cjs");
import shapes = require("./shapes.js");

function run(): Promise<void> {
  const _tel$ = _tel.start("run", "entry.cts", 5); try {
  return shapes.main().then((result) => console.log(JSON.stringify(result)));
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

void run();
