"""The text telemetry-inject writes into JavaScript and TypeScript, and how it is recognised again.

Exactly the shapes documented at the top of ``runtimes/js/_telemetry_utils.cjs``:
two whole lines around a function body (sync, async, detached), or two in-line
insertions around an arrow function's body (``_tel.call`` / ``_tel.callAsync``),
and one import line per file. ``strip`` finds them by their text alone.
"""
from __future__ import annotations

import json
import re

# The shape of a unit: the three line shapes, then the two in-line ones.
SYNC, ASYNC, DETACHED = "sync", "async", "detached"
CALL, CALL_ASYNC = "call", "call-async"
LINE_SHAPES = (SYNC, ASYNC, DETACHED)

_START = {SYNC: b"start", ASYNC: b"startAsync", DETACHED: b"startDetached"}
_CLOSE = b"} catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }"

_STRING = rb'"(?:[^"\\\n]|\\.)*"'
_ARGS = _STRING + rb", " + _STRING + rb", \d+"
_EOL = rb"[ \t]*(?:\r?\n)?"
OPEN_RE = {
    SYNC: re.compile(rb"[ \t]*const _tel\$ = _tel\.start\(" + _ARGS + rb"\); try \{" + _EOL),
    ASYNC: re.compile(rb"[ \t]*const _tel\$ = _tel\.startAsync\(" + _ARGS + rb"\); return await _tel\$\.run\(async \(\) => \{ try \{" + _EOL),
    DETACHED: re.compile(rb"[ \t]*const _tel\$ = _tel\.startDetached\(" + _ARGS + rb"\); try \{" + _EOL),
}
_CLOSE_RE = re.escape(_CLOSE)
CLOSE_RE = {
    SYNC: re.compile(rb"[ \t]*" + _CLOSE_RE + _EOL),
    ASYNC: re.compile(rb"[ \t]*" + _CLOSE_RE + rb" \}\);" + _EOL),
    DETACHED: re.compile(rb"[ \t]*" + _CLOSE_RE + _EOL),
}
PREFIX_RE = {
    CALL: re.compile(rb"_tel\.call\(" + _ARGS + rb", \(\) => "),
    CALL_ASYNC: re.compile(rb"await _tel\.callAsync\(" + _ARGS + rb", async \(\) => "),
}
SUFFIX = b")"

# The runtime import, one of the four documented forms, with a relative specifier.
_SPECIFIER = rb'"\.\.?/(?:[^"\n]*/)?_telemetry_utils\.'
IMPORT_RE = re.compile(
    rb"[ \t]*(?:const _tel = require\(" + _SPECIFIER + rb'cjs"\);'
    rb"|import \* as _tel from " + _SPECIFIER + rb'(?:mjs|cjs)";'
    rb"|import _tel = require\(" + _SPECIFIER + rb'cjs"\);)' + _EOL
)
REQUIRE = "require"  # const _tel = require("….cjs");   CommonJS .js / .cjs
ESM = "esm"  # import * as _tel from "….mjs";              ES modules
ESM_FROM_CJS = "esm-cjs"  # import * as _tel from "….cjs";  TypeScript (or ESM syntax) compiled to CommonJS
IMPORT_REQUIRE = "import-require"  # import _tel = require("….cjs");  .cts


def literal(text: str) -> bytes:
    """A JSON string literal (ASCII, so the file's encoding never matters): valid JavaScript too."""
    return json.dumps(text).encode("ascii")


def open_line(shape: str, name: str, filepath: str, line: int) -> bytes:
    prefix = b"const _tel$ = _tel." + _START[shape] + b"(" + literal(name) + b", " + literal(filepath) + b", " + str(line).encode() + b");"
    return prefix + (b" return await _tel$.run(async () => { try {" if shape == ASYNC else b" try {")


def close_line(shape: str) -> bytes:
    return _CLOSE + (b" });" if shape == ASYNC else b"")


def call_prefix(shape: str, name: str, filepath: str, line: int) -> bytes:
    args = literal(name) + b", " + literal(filepath) + b", " + str(line).encode()
    if shape == CALL_ASYNC:
        return b"await _tel.callAsync(" + args + b", async () => "
    return b"_tel.call(" + args + b", () => "


def import_line(form: str, directory: str) -> bytes:
    """``directory``: where the runtime is, relative to the importing file (``./``, ``../lib/``)."""
    cjs = literal(directory + "_telemetry_utils.cjs")
    if form == ESM:
        return b"import * as _tel from " + literal(directory + "_telemetry_utils.mjs") + b";"
    if form == ESM_FROM_CJS:
        return b"import * as _tel from " + cjs + b";"
    if form == IMPORT_REQUIRE:
        return b"import _tel = require(" + cjs + b");"
    return b"const _tel = require(" + cjs + b");"


def adapted_import(line: bytes, root) -> bytes:
    """The import line in the form the file's own imports show it is compiled in.

    ``const _tel = require(X)`` in a file written with ``import``/``export`` (bundled or
    compiled; outside a "module" package) becomes ``import * as _tel from X``; TypeScript's
    ``import * as _tel from X`` (CommonJS output) becomes ``import _tel = require(X)`` in a
    file that imports that way itself (its settings may forbid the other: verbatimModuleSyntax).
    """
    statements = [c for c in root.children if c.type in ("import_statement", "export_statement")]
    if line.startswith(b"const _tel = require(") and statements:
        return b"import * as _tel from " + line[len(b"const _tel = require(") : -2] + b";"
    requires = any(c.type == "import_require_clause" for s in statements for c in s.children)
    if line.startswith(b"import * as _tel from ") and line.endswith(b'.cjs";') and requires:
        return b"import _tel = require(" + line[len(b"import * as _tel from ") : -1] + b");"
    return line
