"""I9: an LLM answer is accepted only if it is the original function plus telemetry.

For Python enrichment the only statement an answer may add is

    _tel.attr("order.id", lambda: order.id)

on a line of its own: a lowercase dotted name that doesn't look secret, and a
lambda without parameters whose body is side-effect free (names, attributes,
constant subscripts, literals, `len()`). Removing those lines must give back
the original function byte for byte. The answer is parsed (``ast``), never
compiled to run, imported or evaluated.
"""
from __future__ import annotations

import ast
import re
from typing import NamedTuple

_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n(.*?)\n?```[ \t]*$", re.S | re.M)
_ATTR_LINE = re.compile(r"^[ \t]*_tel\.attr\(.*\)[ \t]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_SENSITIVE = ("password", "passwd", "secret", "token", "key", "auth", "cookie", "session", "credential", "private")
_SAFE_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Load, ast.Tuple, ast.UnaryOp, ast.USub, ast.Call)
MAX_ATTRIBUTES = 5


class Verdict(NamedTuple):
    accepted: bool
    reason: str  # why it was refused, with the answer's line ("" when accepted)
    function: bytes  # the enriched function (the original when refused)
    attributes: tuple[str, ...] = ()
    insertions: tuple[tuple[int, bytes], ...] = ()  # (original lines before it, added line with newline)


def unfence(answer: str) -> str:
    """The code inside the first markdown fence, or the answer itself."""
    match = _FENCE.search(answer)
    return match.group(1) + "\n" if match else answer


def verify_python_enrichment(original: bytes, answer: str) -> Verdict:
    """Accept ``answer`` for ``original`` (one function's source) only under I9."""
    newline = "\r\n" if b"\r\n" in original else "\n"
    try:
        original_text = original.decode("utf-8")
    except UnicodeDecodeError:
        return Verdict(False, "the original function is not UTF-8", original)
    code = unfence(answer).replace("\r\n", "\n")
    lines = code.split("\n")
    if original_text.endswith(newline) and lines and lines[-1] == "":
        lines.pop()
    kept, added = [], []
    for number, line in enumerate(lines, 1):
        (added if _ATTR_LINE.match(line) else kept).append((number, line))
    body = newline.join(line for _, line in kept) + (newline if original_text.endswith(newline) else "")
    if body != original_text:
        return Verdict(False, _first_difference(original_text, body, newline), original)
    if not added:
        return Verdict(False, "no telemetry statement was added", original)
    if len(added) > MAX_ATTRIBUTES:
        return Verdict(False, f"{len(added)} attributes; at most {MAX_ATTRIBUTES}", original)
    names = []
    for number, line in added:
        problem, name = _check_statement(line.strip())
        if problem:
            return Verdict(False, f"answer line {number}: {problem}", original)
        names.append(name)
    ordered = sorted(kept + added)
    enriched = newline.join(line for _, line in ordered) + (newline if original_text.endswith(newline) else "")
    source, shift = _parsable(enriched)
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        return Verdict(False, f"answer line {(exc.lineno or 0) - shift}: the enriched function does not parse ({exc.msg})", original)
    functions = [n for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    in_body = {line - shift for line in _body_telemetry_lines(functions[0])} if functions else set()
    enriched_line = {number: index for index, (number, _) in enumerate(ordered, 1)}
    for number, _ in added:
        if enriched_line[number] not in in_body:
            return Verdict(False, f"answer line {number}: telemetry must be a statement of the function's own body", original)
    insertions = []
    kept_before = 0
    for number, line in ordered:
        if enriched_line[number] in in_body and (number, line) in added:
            insertions.append((kept_before, (line + newline).encode("utf-8")))
        else:
            kept_before += 1
    return Verdict(True, "", enriched.encode("utf-8"), tuple(names), tuple(insertions))


def _first_difference(original: str, body: str, newline: str) -> str:
    want = original.split(newline)
    got = body.split(newline)
    for index, (a, b) in enumerate(zip(want, got), 1):
        if a != b:
            return f"line {index} of the function was changed: expected {a.strip()[:60]!r}, got {b.strip()[:60]!r}"
    return f"the function has {len(want)} lines, the answer without telemetry {len(got)}"


def _check_statement(text: str) -> tuple[str, str]:
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        return f"not a statement ({exc.msg})", ""
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr) or not isinstance(tree.body[0].value, ast.Call):
        return "not a single `_tel.attr(...)` call", ""
    call = tree.body[0].value
    if call.keywords or len(call.args) != 2:
        return "`_tel.attr` takes exactly a name and a lambda", ""
    name_node, value = call.args
    if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str) and _NAME.match(name_node.value)):
        return "the attribute name must be a lowercase dotted string literal", ""
    name = name_node.value
    if any(word in name for word in _SENSITIVE):
        return f"attribute {name!r} looks like a secret", ""
    if not isinstance(value, ast.Lambda) or value.args.args or value.args.vararg or value.args.kwarg or value.args.kwonlyargs or value.args.posonlyargs:
        return "the value must be a lambda without parameters", ""
    for node in ast.walk(value.body):
        if not isinstance(node, _SAFE_NODES):
            return f"{type(node).__name__} is not allowed in an attribute value", ""
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return f"private attribute `{node.attr}` in an attribute value", ""
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            return f"dunder name `{node.id}` in an attribute value", ""
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            return "only constant subscripts are allowed in an attribute value", ""
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1 and not node.keywords):
            return "the only call allowed in an attribute value is len(x)", ""
    return "", name


def _parsable(text: str) -> tuple[str, int]:
    """A method's source parses on its own inside a block at its indentation; (text, lines added before)."""
    first = text.lstrip("\r\n")
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    return (f"if 1:\n{text}", 1) if indent else (text, 0)


def _body_telemetry_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[int]:
    """Lines of `_tel.attr(...)` statements in the function's own body (nested defs excluded)."""
    found = []
    pending = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and ast.unparse(node.value.func) == "_tel.attr":
            found.append(node.lineno)
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            pending.extend(getattr(node, field, []) or [])
    return found


class AnswerLines(NamedTuple):
    want: list[str]  # the original function's lines, without line endings
    got: list[str]  # the answer's lines, unfenced
    newline: str  # the original's line ending
    trailing: bool  # the original ends with one


def answer_lines(original: bytes, answer: str) -> AnswerLines | Verdict:
    """The original and the answer as comparable lines, or the refusal when the original is not UTF-8."""
    try:
        original_text = original.decode("utf-8")
    except UnicodeDecodeError:
        return Verdict(False, "the original function is not UTF-8", original)
    newline = "\r\n" if "\r\n" in original_text else "\n"
    want = original_text.split(newline)
    trailing = original_text.endswith(newline)
    if trailing:
        want.pop()
    got = unfence(answer).replace("\r\n", "\n").split("\n")
    if got and got[-1] == "":  # the newline after the last line (unfence adds one even when the function has none)
        got.pop()
    return AnswerLines(want, got, newline, trailing)


def attribute_lines(original: bytes, answer: str, attr_line: re.Pattern[str]) -> tuple[AnswerLines, list[tuple[int, str]]] | Verdict:
    """The answer's lines and its attribute lines (``attr_line`` matches them) with their answer line numbers,
    once the other lines are the original's, byte for byte, and one to MAX_ATTRIBUTES were added; else the refusal."""
    lines = answer_lines(original, answer)
    if isinstance(lines, Verdict):
        return lines
    want, got, newline, _ = lines
    kept = [line for line in got if not attr_line.match(line)]
    if kept != want:
        return Verdict(False, _first_difference(newline.join(want), newline.join(kept), newline), original)
    added = [(n, line) for n, line in enumerate(got, 1) if attr_line.match(line)]
    if not added:
        return Verdict(False, "no telemetry statement was added", original)
    if len(added) > MAX_ATTRIBUTES:
        return Verdict(False, f"{len(added)} attributes; at most {MAX_ATTRIBUTES}", original)
    return lines, added


def verify_wrapped(original: bytes, answer: str, opening: bytes, closing: bytes, open_at: int, close_at: int, shape) -> Verdict:
    """Accept an answer that is ``original`` plus exactly ``opening`` before its line ``open_at`` and
    ``closing`` before its line ``close_at`` (0-based line indexes), and nothing else (languages without
    a template: the two lines are fully determined, so anything else is refused with the reason)."""
    lines = answer_lines(original, answer)
    if isinstance(lines, Verdict):
        return lines
    want, got, newline, trailing = lines
    open_text, close_text = opening.decode().rstrip("\r\n"), closing.decode().rstrip("\r\n")
    expected = want[:open_at] + [open_text] + want[open_at:close_at] + [close_text] + want[close_at:]
    if got == expected:
        insertions = ((open_at, opening), (close_at, closing))
        return Verdict(True, "", (newline.join(expected) + (newline if trailing else "")).encode(), (), insertions)
    return Verdict(False, _wrapped_refusal(want, got, open_text, close_text, open_at, close_at, shape), original)


def _wrapped_refusal(want: list[str], got: list[str], open_text: str, close_text: str, open_at: int, close_at: int, shape) -> str:
    """The first thing wrong with a refused answer, said so that a retry can fix it."""
    import difflib

    if open_text not in got:
        if any(shape.open_re.fullmatch((line + "\n").encode()) for line in got):
            return f"the opening line must be exactly {open_text.strip()!r} (span name, file and line as given)"
        return f"the opening telemetry line {open_text.strip()!r} is missing"
    added = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if tag == "insert":
            added += got[j1:j2]
        elif tag != "equal":
            return f"line {i1 + 1} of the function was changed or removed: expected {want[i1].strip()[:60]!r}"
    extra = [line for line in added if line not in (open_text, close_text)]
    if extra:
        return f"only the two telemetry lines may be added; the answer also adds {extra[0].strip()[:60]!r}"
    if added.count(open_text) != 1 or added.count(close_text) != 1:
        return "add the opening and the closing telemetry line exactly once each"
    return f"the opening line goes directly after line {open_at} of the function and the closing line directly before line {close_at + 1}"
