// ES module entry point (.mts importing the .mjs runtime) for the type check and the run.
import * as _tel from "./_telemetry_utils.mjs";
import { main } from "./shapes.js";

async function run(): Promise<void> {
  const _tel$ = _tel.startAsync("run", "entry.mts", 5); return await _tel$.run(async () => { try {
  console.log(JSON.stringify(await main()));
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

await run();
