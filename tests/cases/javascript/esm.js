// ES module syntax in a .js file outside a "module" package (bundled or compiled):
// the runtime is imported with `import`, from the CommonJS file.
import { readFile } from "node:fs/promises";

export async function readConfig(path) {
  const text = await readFile(path, "utf8");
  return JSON.parse(text);
}

export default function main() {
  return readConfig("config.json");
}

export const version = () => "1.0.0";
