// Bodies whose `{` line goes on, or whose last line also holds `}`, cannot take whole lines.
const _tel = require("./_telemetry_utils.cjs");
function brace_line_goes_on(a) { const b = a;
  return b;
}

function brace_line_comment(a) { // a complete comment after `{` is fine
  const _tel$ = _tel.start("brace_line_comment", "", 7); try {
  return a;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function brace_line_block_comment(a) { /* complete */
  const _tel$ = _tel.start("brace_line_block_comment", "", 13); try {
  return a;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function brace_line_open_comment(a) { /* a comment that
  goes on */
  return a;
}

function last_line_holds_brace(a) {
  const b = a;
  return b; }

function oneLine(a) { return a; }

function empty() {}

function emptyLines() {
  const _tel$ = _tel.start("emptyLines", "", 32); try {
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

function
allman(a)
{
  const _tel$ = _tel.start("allman", "", 37); try {
  return a;
  } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
}

const obj = { method() { return 1; } };

function directiveLineGoesOn() {
  "use strict"; let x = 1;
  return x;
}
