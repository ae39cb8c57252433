"""``--llm enrich`` for Go: span attributes as ``_tel.Attr("name", func() interface{} { return EXPR })`` lines.

Go has no in-process compiler here, and a field the type lacks would break the
user's build, so the verifier proves each value compiles from the source alone
(``go_scope``, ``go_types``): EXPR is a name the function declares above the line (a parameter,
the receiver, a named result, a local of a top-level statement), optionally its
fields through structs declared in the same file, or ``len`` of a slice, array,
map, string or channel; and the value is a bool, number or string of a predeclared
type, or a time (the runtime would print anything else with fmt: every field, and
String methods run, also those of ``type Level int``).
A line is rebuilt in gofmt's form from its parse, so an answer that only spaces
it differently (or says ``any``) is accepted and written canonically.

Each line goes where the attribute surely runs inside the span: after the
template's defer line (an insertion at the same offset comes after it, being
the later edit) and after only statements that cannot leave the function; never
between two lines whose trailing comments gofmt aligns.
"""
from __future__ import annotations

import re

from telemetry_inject.llm import go_scope
from telemetry_inject.llm.go_scope import FunctionFacts, check_value, function_facts
from telemetry_inject.llm.go_types import parse
from telemetry_inject.llm.verify import _SENSITIVE, Verdict, attribute_lines

PROMPT_VERSION = "go-enrich-2"  # in the cache key: change it with the prompt or the verifier
RULES = """You add span attributes to one Go function for telemetry.
Return the function exactly as given, every line byte for byte, with one to five
lines added as top-level statements of its own body, each on one line:
    _tel.Attr("lowercase.dotted.name", func() interface{} { return <value> })
<value> is a parameter, the receiver, a named result or a variable declared above the
line at the top level of the body; its fields (order.ID) when its type is a struct
declared in the same file; or len(x) of a slice, map, string or channel.
The value is a bool, number, string or time of a predeclared type (int, string…), never a type the
package declares (type Level int), a pointer, struct, slice or map.
No other calls, no method values, no indexes, no operators.
Put the lines near the top of the body, before any return, if, for, switch or select.
Pick meaningful values: ids, sizes, counts, statuses. Never secrets.
Answer with the function only."""
_ATTR_LINE = re.compile(r"^[ \t]*_tel\.Attr\b")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def enrich_task(session, text: bytes, unit, raw: bytes):
    """Span attributes for a Go function with a multi-line body and something to read (``engine.run.ENRICHERS``)."""
    if b"_tel." in text or b"\r" in text.replace(b"\r\n", b""):  # already has telemetry; a lone CR would shift lines
        return None
    facts = function_facts(text, raw)
    if facts is None:
        return None
    return session.task("go", RULES, text, lambda answer: verify_go_enrichment(text, answer, facts))


def verify_go_enrichment(original: bytes, answer: str, facts: FunctionFacts) -> Verdict:
    """Accept ``answer`` for ``original`` (one function's source) only under I9, with every value
    proven to compile; accepted lines come back in gofmt's form."""
    checked = attribute_lines(original, answer, _ATTR_LINE)
    if isinstance(checked, Verdict):
        return checked
    (_, got, newline, trailing), _ = checked
    names, insertions, output, before = [], [], [], 0
    for number, line in enumerate(got, 1):
        if not _ATTR_LINE.match(line):
            output.append(line)
            before += 1
            continue
        problem = _placement_problem(facts, before)
        name, value = ("", problem) if problem else _parse_attr(line.strip())
        if name:
            value, problem = check_value(facts, before, value, _SENSITIVE)
        if not name or problem:
            return Verdict(False, f"answer line {number}: {problem or value}", original)
        canonical = f'{facts.indent}_tel.Attr("{name}", func() interface{{}} {{ return {value} }})'
        output.append(canonical)
        names.append(name)
        insertions.append((before, (canonical + newline).encode()))
    enriched = newline.join(output) + (newline if trailing else "")
    return Verdict(True, "", enriched.encode(), tuple(names), tuple(insertions))


def _placement_problem(facts: FunctionFacts, before: int) -> str | None:
    """Why an attribute cannot go before the function's line ``before`` (0-based), or None."""
    if before in facts.slots and not (before > facts.first and {before - 1, before} <= facts.commented):
        return None
    if before < facts.first:
        return "attributes go in the function's body, after its opening `{` line"
    if before > facts.last:
        return "attributes go before the function's closing `}`"
    if facts.within(before):
        return "an attribute must be a statement of the function's own body, between its top-level statements"
    if {before - 1, before} <= facts.commented:
        return (f"attributes go before or after lines {before} and {before + 1} of the function, not between them: "
                "gofmt aligns their trailing comments, and a line between would realign them")
    leaving = facts.leaving_before(before)
    return (f"the attribute follows line {leaving + 1} of the function, a statement that can leave it or skip "
            "the line (return, if, for, switch, select, goto, panic…), so it may be unreachable: put attributes before it")


def _parse_attr(text: str) -> tuple[str, object]:
    """(attribute name, value node) of one ``_tel.Attr`` line, or ("", the reason it is refused)."""
    tree = parse(b"package p\n\nfunc _() {\n" + text.encode() + b"\n}\n")
    top = tree.root_node.named_children
    body = top[1].child_by_field_name("body") if not tree.root_node.has_error and len(top) == 2 else None
    statements = go_scope.statements(body) if body is not None else []
    shape = "not a single `_tel.Attr(...)` call on one line"
    if len(statements) != 1 or statements[0].type != "expression_statement" or body.named_child_count != 1:
        return "", shape
    call = statements[0].named_children[0]
    function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if call.type != "call_expression" or function is None or arguments is None or function.type != "selector_expression":
        return "", shape
    if function.child_by_field_name("operand").text != b"_tel" or function.child_by_field_name("field").text != b"Attr":
        return "", shape
    args = arguments.named_children
    if len(args) != 2 or any(c.type == "..." for c in arguments.children):
        return "", "not the form `_tel.Attr(\"name\", func() interface{} { return <value> })`: two arguments"
    name = _string(args[0])
    if name is None or not _NAME.match(name):
        return "", "the attribute name must be a lowercase dotted string literal"
    if any(word in name for word in _SENSITIVE):
        return "", f"attribute {name!r} looks like a secret"
    value = _returned(args[1])
    if value is None:
        return "", "the value must be a func literal `func() interface{} { return <value> }`"
    return name, value


def _string(node) -> str | None:
    if node.type not in ("interpreted_string_literal", "raw_string_literal"):
        return None
    if any(c.type == "escape_sequence" for c in node.named_children):
        return None
    return node.text.decode()[1:-1]


def _returned(literal):
    """The one expression ``func() interface{} { return X }`` (or ``any``) returns, or None."""
    if literal.type != "func_literal":
        return None
    params, result, body = (literal.child_by_field_name(f) for f in ("parameters", "result", "body"))
    if params is None or params.named_child_count or result is None or body is None:
        return None
    if not ((result.type == "interface_type" and not result.named_child_count) or (result.type == "type_identifier" and result.text == b"any")):
        return None
    statements = go_scope.statements(body)
    if len(statements) != 1 or statements[0].type != "return_statement" or body.named_child_count != 1:
        return None
    values = statements[0].named_children
    if len(values) != 1 or values[0].type != "expression_list" or values[0].named_child_count != 1:
        return None
    return values[0].named_children[0]

