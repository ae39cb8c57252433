"""``--llm enrich`` for TypeScript: JavaScript's ``_tel.attr`` lines, only where they type-check.

Issue 4: instrumented output type-checks with ``tsc`` wherever the input did, and
the verifier never runs tsc (I9: a static check, no node). So on top of the
JavaScript checks (llm/javascript.py ``verify_attributes``: reads only, statements
of the function's own body inside its span, the exact form strip removes) each
value must be well-typed under ``strict`` from the file's text alone:

- its root is a parameter, or a ``const``/``let`` declared by a top-level statement of
  the body above the attribute, or ``this`` in a class's own method (not static, not
  the constructor, no ``this`` parameter: noImplicitThis);
- a root whose declared type is not known here (optional parameters, unions,
  inferred or imported types, type parameters) is used alone;
- ``.length`` only where the declared type is an array, a tuple or ``string``;
- ``x.a.b`` only where x's declared type is an interface, an object type alias or
  a class declared once at the top of the same file that declares ``a`` (not
  optional; public for a class), and so on down the chain; ``this.a`` and
  ``this.#a`` where the enclosing class declares that field;
- a property of a root no statement above names (``if (!(o instanceof Object)) …`` can
  narrow it to ``never``, and since TS 5.4 the narrowing reaches the arrow);
- an attribute with a statement below it (after the last one it may be unreachable:
  ``--allowUnreachableCode false``);
- literals (plain decimal numbers); no indexes (``noUncheckedIndexedAccess`` adds ``undefined``), no ``!``,
  ``as``, ``?.``, calls, assignments, templates; no name that looks secret.
"""
from __future__ import annotations

from collections.abc import Mapping

from telemetry_inject.llm.javascript import SENSITIVE, own_body, span_lines, verify_attributes
from telemetry_inject.llm.ts_types import TypeFacts, _object, _parser, _prompt_types, _type_of, type_facts
from telemetry_inject.llm.verify import Verdict

PROMPT_VERSION = "typescript-enrich-2"  # in the cache key: change it with the prompt or the verifier
RULES = """You add span attributes to one TypeScript function for telemetry.
Return the function exactly as given, every line byte for byte, with one to five
lines added as statements of its own body (not inside nested functions), of the form
    _tel.attr("lowercase.dotted.name", () => <expression>);
The file must still pass `tsc --strict`, so the expression is one of:
- a parameter, or a const/let declared above it at the top level of the body: order, count
- `.length` of one declared as an array or string: items.length
- a property chain on one declared with a type listed below, using only the properties
  listed for it: order.id, order.customer.id
- in a class method: this, or a field listed for `this`: this.name
- a literal (plain decimal numbers).
A property is read only above every statement that names its root (a check there may narrow the
type), and an attribute is never after the body's last statement.
No calls, no indexes, no `!`, no `as`, no `?.`, no assignments, no `new`, no templates.
Pick meaningful values: ids, sizes, counts, statuses. Never secrets.
Answer with the function only."""
_READS = frozenset({"identifier", "member_expression", "property_identifier", "private_property_identifier", "number", "string",
                    "string_fragment", "true", "false", "null", "undefined", "this", "parenthesized_expression", '"', "'", ".", "(", ")"})
_LITERALS = ("number", "string", "true", "false", "null", "undefined")
# Statements tsc reports as unreachable code: one of them after an attribute is reached only if the attribute is.
_REACHED_ALIKE = ("expression_statement", "return_statement", "throw_statement", "lexical_declaration", "if_statement", "switch_statement",
                  "for_statement", "for_in_statement", "while_statement", "do_statement", "try_statement")


def enrich_task(session, text: bytes, unit, raw: bytes):
    """Span attributes for a TypeScript function with a block body, not a generator (``engine.run.ENRICHERS``)."""
    if unit.decorators[1] not in ("sync", "async"):
        return None
    facts = type_facts(raw, unit.start_byte, unit.end_byte, span_lines(unit, text))
    rules = RULES + _prompt_types(facts, text)
    return session.task("typescript", rules, text, lambda answer: verify_ts_enrichment(text, answer, facts))


def verify_ts_enrichment(original: bytes, answer: str, facts: TypeFacts) -> Verdict:
    """Accept ``answer`` for ``original`` (one function's source) only under I9 and only if it type-checks."""
    verdict = verify_attributes(original, answer, _parser(facts.grammar), _READS, facts.span)
    if not verdict.accepted:
        return verdict
    # The answer's line numbers of the added lines: each insertion sits after `before` original lines.
    added = {before + index + 1 for index, (before, _) in enumerate(verdict.insertions)}
    problem = _type_problem(verdict.function, added, facts)
    return Verdict(False, problem, original) if problem else verdict


# --- the check --------------------------------------------------------------------------------


def _type_problem(enriched: bytes, added: set[int], facts: TypeFacts) -> str | None:
    """The first attribute whose value may not type-check, said so a retry can fix it; None if none."""
    function, shift = own_body(_parser(facts.grammar), enriched)  # it parses: verify_attributes placed every line
    scope = _parameters(function, facts)
    statements = function.child_by_field_name("body").named_children
    lines = [statement.start_point.row + 1 - shift for statement in statements]
    named: set[str] = set()  # roots a statement above names: `if (!o) return;` may have narrowed `o` to never
    exited = False
    for index, statement in enumerate(statements):
        line = lines[index]
        if line in added:
            if exited:
                return f"answer line {line}: an attribute after a top-level `return` or `throw` is never reached"
            if not any(lines[later] not in added and statements[later].type in _REACHED_ALIKE for later in range(index + 1, len(statements))):
                return f"answer line {line}: an attribute after the body's last statement may be unreachable (tsc --allowUnreachableCode false): put it above"
            value = _attribute_value(statement)
            problem = _value_problem(value, scope, facts, named) if value is not None else "not a single `_tel.attr(...)` statement"
            if problem:
                return f"answer line {line}: {problem}"
            continue
        named |= _names_read(statement)
        if statement.type == "lexical_declaration":
            for declarator in statement.named_children:
                if declarator.type == "variable_declarator":
                    scope.update(_bound(declarator.child_by_field_name("name"), _type_of(declarator.child_by_field_name("type"), facts.names.get)))
        elif statement.type in ("return_statement", "throw_statement"):
            exited = True
    return None


def _names_read(statement) -> set[str]:
    """Every name ``statement`` mentions (and "this"), but the names its own declarators bind."""
    names: set[str] = set()
    stack = [statement]
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "shorthand_property_identifier", "this"):
            binding = node.parent is not None and node.parent.type == "variable_declarator" and node.parent.child_by_field_name("name") == node
            names.update([] if binding else [node.text.decode()])
        stack.extend(node.children)
    return names


def _attribute_value(statement):
    """The expression of ``_tel.attr("name", () => EXPR);``, or None for any other statement."""
    call = statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
    arguments = call.child_by_field_name("arguments") if call is not None and call.type == "call_expression" else None
    if arguments is None or len(arguments.named_children) != 2 or arguments.named_children[1].type != "arrow_function":
        return None
    return arguments.named_children[1].child_by_field_name("body")


def _parameters(function, facts: TypeFacts) -> dict[str, str | None]:
    single = function.child_by_field_name("parameter")  # `x => { … }`
    if single is not None:
        return _bound(single, None)
    scope: dict[str, str | None] = {}
    parameters = function.child_by_field_name("parameters")
    for parameter in parameters.named_children if parameters is not None else ():
        pattern = parameter.child_by_field_name("pattern")
        if parameter.type == "required_parameter" and pattern is not None:
            scope.update(_bound(pattern, _type_of(parameter.child_by_field_name("type"), facts.names.get)))
        elif parameter.type == "optional_parameter" and pattern is not None:
            scope.update(_bound(pattern, None))  # `p?: T` is `T | undefined`
    return scope


def _bound(pattern, declared: str | None) -> dict[str, str | None]:
    """The names a binding pattern binds: an identifier (or `...rest`) has the declared type, names
    inside a destructuring pattern are not known here (the root alone)."""
    if pattern is None:
        return {}
    if pattern.type == "identifier":
        return {pattern.text.decode(): declared}
    if pattern.type == "rest_pattern" and pattern.named_children and pattern.named_children[0].type == "identifier":
        return {pattern.named_children[0].text.decode(): declared}
    names: dict[str, str | None] = {}
    stack = [pattern]
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "shorthand_property_identifier_pattern"):
            names[node.text.decode()] = None
        elif node.type in ("object_assignment_pattern", "assignment_pattern"):
            stack.append(node.child_by_field_name("left"))
        elif node.type == "pair_pattern":
            stack.append(node.child_by_field_name("value"))
        elif node.type in ("object_pattern", "array_pattern", "rest_pattern"):
            stack.extend(node.named_children)
    return names


def _value_problem(value, scope: Mapping[str, str | None], facts: TypeFacts, named: set[str] = frozenset()) -> str | None:
    value = _unparenthesized(value)
    if value.type in _LITERALS:
        return None
    chain: list[str] = []
    root = value
    while root.type == "member_expression":
        chain.append(root.child_by_field_name("property").text.decode())
        root = _unparenthesized(root.child_by_field_name("object"))
    chain.reverse()
    path = root.text.decode()
    secret = next((word for word in [path, *chain] if any(s in word.lower() for s in SENSITIVE)), None)
    if secret is not None:
        return f"`{secret}` looks like a secret"
    if chain and path in named and root.type in ("this", "identifier"):  # narrowing holds in the arrow (TS 5.4): a `never` has no properties
        return f"`{path}.{chain[0]}` cannot be checked: a statement above names `{path}` and may narrow its type; put the attribute above it, or use `{path}` alone"
    if root.type == "this":
        if facts.this_fields is None:
            return "no `this` outside a class's own method (a plain function, an arrow, a static method, the constructor: noImplicitThis)"
        current, fields, owner = None, facts.this_fields, "the enclosing class"
    elif root.type == "identifier" and root.text.decode() in scope:
        if not chain:
            return None
        current = scope[path]
        fields, owner = _fields(current, facts), _shown(current)
    elif root.type == "identifier":
        return f"`{path}` is not a parameter or a const/let declared above the attribute at the top level of the function's body"
    else:
        return f"a property is not allowed on {root.type} in an attribute value"
    for prop in chain:
        if fields is None and prop == "length" and current in ("array", "string"):
            current, fields, path = None, None, path + ".length"
            continue
        if fields is None:
            return f"`{path}` is not typed with an array, a string or an object type declared in this file (optional, a union, inferred or imported): use `{path}` alone"
        if prop not in fields:
            listed = ", ".join(sorted(fields)) or "none"
            return f"`{path}.{prop}`: {owner} declares no non-optional property `{prop}` (it declares: {listed})"
        current = fields[prop]
        fields, owner, path = _fields(current, facts), _shown(current), path + "." + prop
    return None


def _fields(current: str | None, facts: TypeFacts) -> Mapping[str, str | None] | None:
    return facts.members.get(_object(current) or "")


def _shown(current: str | None) -> str:
    return f"`{_object(current)}`" if _object(current) else "its type"


def _unparenthesized(node):
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node
