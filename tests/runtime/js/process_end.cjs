// How the process ends (argv[2]): "exit" calls process.exit(3) inside a span, "throw" lets
// an exception escape, "reject" leaves a rejected promise unhandled.  Spans that finished
// before must reach the sink; output and exit code must be those of an untraced run.
const _tel = require("./_telemetry_utils.cjs");

function finished(tag) {
  const _tel$ = _tel.start("finished", "process_end.cjs", 6); try {
  return tag;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function crash(how) {
  const _tel$ = _tel.start("crash", "process_end.cjs", 12); try {
  console.log(finished(how));
  if (how === "exit") process.exit(3);
  throw new Error(`fatal: ${how}`);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

async function crashLater(how) {
  const _tel$ = _tel.startAsync("crashLater", "process_end.cjs", 20); return await _tel$.run(async () => { try {
  await null;
  console.log(finished(how));
  throw new Error(`fatal: ${how}`);
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
}

const how = process.argv[2];
if (how === "reject") crashLater(how);
else crash(how);
