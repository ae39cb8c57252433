"""``--llm enrich`` for JavaScript: span attributes as ``_tel.attr("name", () => expression);`` lines.

The runtime evaluates the arrow lazily and swallows its exceptions, so a value
that names something undefined costs nothing; the verifier still allows only
reads (names, properties, constant indexes, literals) and only statements of
the function's own body, inside its span (after the opening line the template
writes, before the closing one). ``verify_attributes`` is the part TypeScript
shares (llm/typescript.py adds its static type check on top).
"""
from __future__ import annotations

import re
from functools import lru_cache

from telemetry_inject.languages.javascript import _ATTR as STRIPPED_FORM  # the exact line `strip` removes
from telemetry_inject.llm.verify import Verdict, attribute_lines

PROMPT_VERSION = "javascript-enrich-3"  # in the cache key: change it with the prompt or the verifier
RULES = """You add span attributes to one JavaScript function for telemetry.
Return the function exactly as given, every line byte for byte, with one to five
lines added as statements of its own body (not inside nested functions), of the form
    _tel.attr("lowercase.dotted.name", () => <expression>);
The expression only reads: names, properties (order.id, items.length), constant
indexes (rows[0], opts["mode"]), literals (plain decimal numbers). No `arguments`,
no calls, no assignments, no `new`, no templates.
Pick meaningful values: ids, sizes, counts, statuses. Never secrets.
Answer with the function only."""
_ATTR_LINE = re.compile(r"^[ \t]*_tel\.attr\(.*\);?[ \t]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
SENSITIVE = ("password", "passwd", "secret", "token", "key", "auth", "cookie", "session", "credential", "private")
_READS = frozenset({"identifier", "member_expression", "subscript_expression", "property_identifier", "number", "string",
                    "string_fragment", "true", "false", "null", "undefined", "this", "parenthesized_expression", '"', "'", ".", "[", "]", "(", ")"})
# Names tree-sitter reads as identifiers that strict code (modules, classes) or an async body refuses to
# parse, and `arguments`, a SyntaxError in a class field's arrow: the whole file would fail to load.
_RESERVED = frozenset({"arguments", "await", "enum", "implements", "interface", "let", "package", "private", "protected", "public", "static", "yield"})
# Plain decimal and hex numbers: legacy octal (010, 08) is a SyntaxError in strict code and in tsc,
# a BigInt (1n) one below ES2020, a separator (1_000) one before ES2021.
_NUMBER = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|0[xX][0-9a-fA-F]+")
_FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "method_definition", "generator_function_declaration")
# How a function's text alone parses: as it is, as a method (in a class), as an object literal's method.
_WRAPPERS = ((b"", b""), (b"class _T {\n", b"\n}"), (b"({\n", b"\n})"))


def enrich_task(session, text: bytes, unit, raw: bytes):
    """Span attributes for a JavaScript function with a block body, not a generator (``engine.run.ENRICHERS``)."""
    if unit.decorators[1] not in ("sync", "async"):
        return None
    span = span_lines(unit, text)
    return session.task("javascript", RULES, text, lambda answer: verify_js_enrichment(text, answer, span))


def span_lines(unit, text: bytes) -> tuple[int, int]:
    """(lines of ``text`` before the span's opening line, lines before its closing line): the
    template's anchors, so an attribute never lands before a directive or a derived `super(...)`."""
    first, second = unit.anchors
    return text[: first - unit.def_line_start].count(b"\n"), text[: second - unit.def_line_start].count(b"\n")


@lru_cache(maxsize=1)
def _parser():
    from telemetry_inject.languages import LANGUAGES

    return LANGUAGES["javascript"].parser()


def verify_js_enrichment(original: bytes, answer: str, span: tuple[int, int] | None = None) -> Verdict:
    """Accept ``answer`` for ``original`` (one function's source) only under I9."""
    return verify_attributes(original, answer, _parser(), _READS, span)


def verify_attributes(original: bytes, answer: str, parser, reads: frozenset[str], span: tuple[int, int] | None = None) -> Verdict:
    """``original`` plus one to five ``_tel.attr`` lines in the form strip removes, each a statement of the
    function's own body inside ``span`` (see ``span_lines``; None: before the closing line) whose value
    is built from ``reads`` (node types of ``parser``'s grammar) only."""
    checked = attribute_lines(original, answer, _ATTR_LINE)
    if isinstance(checked, Verdict):
        return checked
    (want, got, newline, trailing), added = checked
    names = []
    for number, line in added:
        problem, name = check_statement(parser, line.strip(), reads)
        if not problem and not STRIPPED_FORM.fullmatch(line.encode() + b"\n"):  # else strip could not take it out again (I2)
            problem = 'not the form strip removes: write it exactly as `_tel.attr("name", () => value);` on a line of its own'
        if problem:
            return Verdict(False, f"answer line {number}: {problem}", original)
        names.append(name)
    enriched = newline.join(got) + (newline if trailing else "")
    problem = placement_problem(parser, enriched.encode(), {n for n, _ in added})
    if problem:
        return Verdict(False, problem, original)
    opening, closing = span if span is not None else (0, len(want) - 1)
    insertions, kept_before = [], 0
    for line in got:
        if _ATTR_LINE.match(line):
            if kept_before >= closing:  # after the last line of the body: the span would already have ended
                return Verdict(False, "attributes go before the function's closing line", original)
            if kept_before < opening:  # before the template's opening line: outside the span (or before super())
                return Verdict(False, f"attributes go in the span: after line {opening} of the function, where it starts", original)
            insertions.append((kept_before, (line + newline).encode()))
        else:
            kept_before += 1
    return Verdict(True, "", enriched.encode(), tuple(names), tuple(insertions))


def check_statement(parser, text: str, reads: frozenset[str]) -> tuple[str, str]:
    """(what is wrong with one ``_tel.attr(...)`` line, "" if nothing; its attribute name)."""
    tree = parser.parse(text.encode())
    root = tree.root_node
    if root.has_error or len(root.named_children) != 1 or root.named_children[0].type != "expression_statement":
        return "not a single `_tel.attr(...)` statement", ""
    call = root.named_children[0].named_children[0]
    function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if call.type != "call_expression" or function is None or function.text != b"_tel.attr" or arguments is None:
        return "not a single `_tel.attr(...)` call", ""
    args = arguments.named_children
    if len(args) != 2 or args[0].type != "string":
        return "not a single `_tel.attr(name, () => value)` call: it takes exactly a name string and an arrow function", ""
    name = args[0].text.decode()[1:-1]
    if not _NAME.match(name):
        return "the attribute name must be a lowercase dotted string literal", ""
    if any(word in name for word in SENSITIVE):
        return f"attribute {name!r} looks like a secret", ""
    arrow = args[1]
    params = arrow.child_by_field_name("parameters")
    body = arrow.child_by_field_name("body")
    if arrow.type != "arrow_function" or params is None or params.named_child_count or body is None or body.type == "statement_block":
        return "the value must be an arrow function without parameters returning an expression: () => order.id", ""
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type not in reads:
            return f"{node.type} is not allowed in an attribute value (only reads)", ""
        if node.type == "identifier" and node.text.startswith(b"_tel"):
            return "the runtime's own names are not attribute values", ""
        if node.type in ("identifier", "property_identifier", "private_property_identifier") and b"\\" in node.text:
            return "escapes in names are not allowed in an attribute value", ""
        if node.type == "identifier" and node.text.decode() in _RESERVED:
            return f"`{node.text.decode()}` is not allowed in an attribute value: strict code (modules, classes) or a class field refuses to parse it", ""
        if node.type == "number" and not _NUMBER.fullmatch(node.text.decode()):
            return f"the number {node.text.decode()} is not allowed in an attribute value: write numbers in plain decimal (12, 3.5)", ""
        if node.type == "subscript_expression":
            index = node.child_by_field_name("index")
            if index is None or index.type not in ("number", "string"):
                return "only constant indexes are allowed in an attribute value", ""
        stack.extend(node.children)
    return "", name


def own_body(parser, enriched: bytes):
    """(the outermost function of ``enriched``, parsed as it is, as a method or as an object's method;
    the lines a wrapper added above it), or None when it parses in none of these."""
    for prefix, suffix in _WRAPPERS:
        tree = parser.parse(prefix + enriched + suffix)
        if not tree.root_node.has_error:
            return _outermost_function(tree.root_node), prefix.count(b"\n")
    return None


def placement_problem(parser, enriched: bytes, added_lines: set[int]) -> str | None:
    """Each attribute a statement of the outermost function's own body."""
    parsed = own_body(parser, enriched)
    if parsed is None:
        return "the enriched function does not parse"
    function, shift = parsed
    body = function.child_by_field_name("body") if function is not None else None
    if body is None or body.type != "statement_block":
        return "the function has no block body to hold attributes"
    own = {c.start_point.row + 1 - shift for c in body.named_children if c.type == "expression_statement"}
    for line in added_lines:
        if line not in own:
            return f"answer line {line}: an attribute must be a statement of the function's own body"
    return None


def _outermost_function(root):
    stack = [root]
    while stack:
        node = stack.pop(0)
        if node.type in _FUNCTIONS:
            return node
        stack.extend(node.children)
    return None
