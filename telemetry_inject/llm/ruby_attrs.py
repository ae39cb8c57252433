"""Ruby span attributes (``--llm enrich``): a block that only reads.

    {I}::TelemetryInject.attr("cart.size") { @items.size }

The runtime evaluates the block only when the span is recorded and swallows
what it raises (StandardError), so a value that names a missing method costs
nothing. But in Ruby every attribute read is a method call, as a property read
can be in Python: ``order.total`` may compute, query a database or change
state. So the value is a root, then a chain of argument-less, block-less calls
whose names are not known to have side effects, and constant element reads:

- root: a parameter, a local assigned by a top-level statement above the line,
  an ``@ivar``, or ``self``; a bare name that is neither a parameter nor a local
  is a method call (``exit``) and refused;
- then ``.name``, ``&.name``, ``.name?`` (``[a-z_][a-z0-9_]*``, no ``!``, no ``=``,
  not in ``_SIDE_EFFECTS``; a ``?`` name ends the chain) and ``[0]``, ``[:id]``, ``["id"]``
  (not right after the block parameter or a local holding a lambda, a method object or what a
  call with a block returned: their ``[]`` runs code, ``Proc#[]`` is ``call``).

The line is a statement of the method's own body at its top level, before its
rescue/else/ensure clauses, after no ``return`` (ruby -w: statement not reached),
and never the last statement: the method returns its last statement's value.
"""
from __future__ import annotations

import re

from telemetry_inject.llm.wrapped_attrs import Method, attribute_name, secret_in, straddling

RULES = """You add telemetry to one Ruby method.
Return it exactly as given, every line byte for byte, with these lines added:
directly after the `def` line:
{open}
then one to five span attribute lines at the same indentation, statements of the method's own body
(never inside an if, a loop or a block), of the form
    ::TelemetryInject.attr("lowercase.dotted.name") {{ <value> }}
and directly before the method's closing `end` line:
{close}
The value only reads: a parameter, a local assigned by a statement above the attribute line, an
@instance_variable or self, then optionally argument-less reads: .name, .name?, [0], [:key], ["key"].
A bare name that is not a parameter or local is a method call: not allowed. No arguments, no
blocks, no `!` or `=` methods, nothing that changes state (save, pop, shift, delete...), no index
on the &block parameter or on a local holding a lambda or a block's result (`[]` calls it).
An attribute line is never the method's last statement (the method returns its last value),
never after a `return` line, never inside rescue/else/ensure. Pick meaningful values: ids, sizes,
counts, statuses. Never secrets. If nothing qualifies, add no attribute line.
Use the span name, file and line given. Answer with the method only."""
ATTR_START = re.compile(r"[ \t]*(?:::)?TelemetryInject\.attr\b")
METHOD_TYPES = ("method", "singleton_method")
_FORM = re.compile(r'(?P<indent>[ \t]*)::TelemetryInject\.attr\((?P<key>"[^"]*")\) \{ (?P<value>.+?) \}')
_ROOT = re.compile(r"self|@[A-Za-z_][A-Za-z0-9_]*|[a-z_][A-Za-z0-9_]*")
_STEP = re.compile(r'(?:\.|&\.)(?P<name>[a-z_][a-z0-9_]*\??)|\[(?P<index>-?\d+|:[a-z_][a-z0-9_]*\??|"[A-Za-z0-9_.-]*"|\'[A-Za-z0-9_.-]*\')\]')
_SHAPES = "a parameter, a local assigned above, @ivar or self, then .name, .name?, [0], [:key] or [\"key\"]"
# Methods known to change state, do I/O or run code, in core Ruby and common libraries (Rails):
# refused even without arguments. Everything with `!` or `=` is refused by its name's form.
_SIDE_EFFECTS = frozenset("""
save update destroy delete create insert upsert touch reload reset increment decrement toggle lock unlock
pop shift unshift push append prepend clear replace fill store concat rehash compact_blank freeze
next peek rewind read readline readlines readchar readbyte gets getc getbyte each_line sysread readpartial
write puts print p pp display flush fsync sync close close_read close_write seek truncate unlink open
exit exit! abort raise fail fork sleep spawn system exec kill trap at_exit throw catch loop
send __send__ public_send instance_variable_get instance_variable_set remove_instance_variable
eval instance_eval instance_exec class_eval module_eval class_exec module_exec binding
call yield tap then yield_self to_proc curry method_missing define_method define_singleton_method
extend include prepend_features load require require_relative autoload
join wait signal broadcast resume terminate run start stop pause cancel finish shutdown
perform execute invoke commit rollback transaction deliver deliver_now deliver_later enqueue dequeue
publish notify emit trigger fire submit validate valid? invalid?
rand srand shuffle sample
deq try_lock next_values accept compare_by_identity binmode wakeup transfer fdatasync wait_readable wait_writable
rmtree mkpath mkdir rmdir destroy_all delete_all first_or_create perform_now perform_later mark_for_destruction
""".split())  # noqa: SIM905 (a word list reads better as words)
_METHOD_OBJECTS = ("method", "public_method", "singleton_method", "instance_method", "to_proc", "curry")  # their [] is call
_CLAUSES = ("rescue", "else", "ensure")
_JUMPS = ("return", "break", "next", "redo", "retry")


def check(line: str, pos: int, method: Method) -> tuple[str, str]:
    """(problem, attribute name) for one attribute line to be inserted at byte ``pos`` of the file."""
    form = _FORM.fullmatch(line)
    if form is None:
        return 'not the form ::TelemetryInject.attr("name") { value }', ""
    if form["indent"] != method.indent:
        return f"an attribute line goes at the body's indentation ({method.indent!r})", ""
    problem, name = attribute_name(form["key"])
    return (problem, "") if problem else ((_placement(method, pos) or _value(form["value"], pos, method)), name)


def _placement(method: Method, pos: int) -> str:
    body = method.node.child_by_field_name("body")
    if body is None:
        return "the method has no body to hold attributes"
    statements = [c for c in body.named_children if c.type not in ("comment", "heredoc_body")]
    clause = next((c for c in statements if c.type in _CLAUSES), None)
    if clause is not None and clause.start_byte < pos:
        return f"attributes go in the method's own body, before its {clause.type} clause"
    inside = straddling(body, pos)
    if inside is not None:
        return f"an attribute must be a statement of the function's own body at its top level (here it would be inside a {inside.type})"
    jump = next((c for c in statements if c.end_byte <= pos and c.type in _JUMPS), None)
    if jump is not None:
        return f"an attribute after a `{jump.type}` line is never reached (ruby -w: statement not reached): put it above"
    if not any(c.start_byte >= pos and c.type not in _CLAUSES for c in statements):
        return "an attribute must not be the method's last statement: the method returns its last statement's value"
    return ""


def _value(value: str, pos: int, method: Method) -> str:
    if re.search(r"\bdo\b|[{}]", value):
        return "blocks are not allowed in an attribute value"
    if re.search(r"(?<![=!<>])=(?![=~])", value):
        return "assignments (and `=` methods) are not allowed in an attribute value"
    if "!" in value:
        return "`!` methods (and negation) are not allowed in an attribute value"
    if "(" in value:
        return "calls with arguments (or parentheses) are not allowed in an attribute value"
    if "_tel" in value:
        return "the runtime's own names (_tel…) are not attribute values"
    secret = secret_in(value)
    if secret:
        return f"`{secret}` looks like a secret"
    root = _ROOT.match(value)
    if root is None:
        return f"`{value}` is not allowed in an attribute value: it must be {_SHAPES}"
    name, offset = root.group(), root.end()
    if name != "self" and not name.startswith("@") and name not in _parameters(method.node) and name not in _locals_above(method, pos):
        return f"`{name}` is not a parameter or a local assigned above: a bare name is a method call in Ruby, not allowed in an attribute value"
    if value[offset:offset + 1] == "[" and name in _callables(method, pos):
        return f"`{name}[…]` may have side effects: `[]` calls a block, a lambda or a method object (or a Hash's default block): use `{name}` alone"
    ended = False
    while offset < len(value):
        step = _STEP.match(value, offset)
        if step is None or ended:
            return f"`{value}` is not allowed in an attribute value: it must be {_SHAPES}"
        called = step["name"]
        if called is not None and (called in _SIDE_EFFECTS or called.rstrip("?") in _SIDE_EFFECTS):
            return f"`{called}` may have side effects: not allowed in an attribute value"
        ended = bool(called and called.endswith("?"))
        offset = step.end()
    return ""


def _parameters(node) -> set[str]:
    names = set()
    stack = _parameter_nodes(node)
    while stack:
        parameter = stack.pop()
        if parameter.type == "identifier":
            names.add(_text(parameter))
        elif parameter.type == "destructured_parameter":
            stack.extend(parameter.named_children)
        else:
            name = parameter.child_by_field_name("name")
            if name is not None:
                names.add(_text(name))
    return names


def _locals_above(method: Method, pos: int) -> set[str]:
    """Locals assigned by top-level statements of the body that end above ``pos``."""
    names = set()
    for statement in method.node.child_by_field_name("body").named_children:
        if statement.end_byte > pos or statement.type not in ("assignment", "operator_assignment"):
            continue
        left = statement.child_by_field_name("left")
        targets = left.named_children if left is not None and left.type == "left_assignment_list" else [left]
        names.update(_text(t) for t in targets if t is not None and t.type == "identifier")
    return names


def _callables(method: Method, pos: int) -> set[str]:
    """Names whose ``[]`` runs code: the block parameter, and locals assigned above a lambda, a method
    object or what a call with a block returns (``proc { }``, ``Proc.new { }``, ``Hash.new { |h, k| h[k] = [] }``)."""
    names = {_text(p.child_by_field_name("name")) for p in _parameter_nodes(method.node) if p.type == "block_parameter" and p.child_by_field_name("name")}
    for statement in method.node.child_by_field_name("body").named_children:
        left, right = statement.child_by_field_name("left"), statement.child_by_field_name("right")
        if statement.end_byte > pos or statement.type != "assignment" or left is None or left.type != "identifier" or right is None:
            continue
        called = right.child_by_field_name("method") if right.type == "call" else None
        blocks = right.type == "call" and any(c.type in ("block", "do_block") for c in right.children)
        if right.type == "lambda" or blocks or (called is not None and _text(called) in _METHOD_OBJECTS):
            names.add(_text(left))
    return names


def _parameter_nodes(node) -> list:
    parameters = node.child_by_field_name("parameters")
    return list(parameters.named_children) if parameters is not None else []


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")
