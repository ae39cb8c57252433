// Bodies whose `{` line goes on, or whose last line also holds `}`, cannot take whole lines.
function brace_line_goes_on(a) { const b = a;
  return b;
}

function brace_line_comment(a) { // a complete comment after `{` is fine
  return a;
}

function brace_line_block_comment(a) { /* complete */
  return a;
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
}

function
allman(a)
{
  return a;
}

const obj = { method() { return 1; } };

function directiveLineGoesOn() {
  "use strict"; let x = 1;
  return x;
}
