import { createRequire } from "node:module";
import { slugify, Counter } from "./util.mjs";

const require = createRequire(import.meta.url);
const legacy = require("./legacy.cjs");

export function run(titles) {
  const counter = new Counter();
  const slugs = titles.map((title) => {
    counter.bump();
    return slugify(title);
  });
  return { slugs, count: counter.value, shout: legacy.shout(slugs[0]) };
}

console.log(JSON.stringify(run(["Hello World", "Telemetry Inject"])));
