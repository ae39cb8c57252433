// ES module syntax in a .js file outside a "module" package (bundled or compiled):
// the runtime is imported with `import`, from the CommonJS file.
import * as _tel from "./_telemetry_utils.cjs";
import { readFile } from "node:fs/promises";

export async function readConfig(path) {
  const _tel$ = _tel.startAsync("readConfig", "", 6); return await _tel$.run(async () => { try {
  const text = await readFile(path, "utf8");
  return JSON.parse(text);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

export default function main() {
  const _tel$ = _tel.start("main", "", 13); try {
  return readConfig("config.json");
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

export const version = () => _tel.call("version", "", 19, () => "1.0.0");
