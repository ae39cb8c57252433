"""The hook server's tree memo: an incremental reparse gives exactly the tree a fresh parse gives."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import REPO

from telemetry_inject.engine import trees
from telemetry_inject.engine.trees import TreeMemo, _span
from telemetry_inject.languages import language_for

SOURCES = [
    REPO / "telemetry_inject/engine/inject.py",
    REPO / "telemetry_inject/languages/python.py",
    *sorted((REPO / "tests/cases/javascript").glob("*.js"))[:3],
    *sorted((REPO / "tests/cases/go").glob("*.go"))[:3],
]
SNIPPETS = [b"", b"\n", b"    # note\n", b"x = 1\n", b"    return None\n", b'"""', b"}\n", b"(", b"def g():\n    pass\n", b"\t", b"\xc3\xa9"]


def shape(tree) -> list[tuple]:
    """Every node's type, byte range and point range, in document order."""
    nodes, cursor, seen = [], tree.walk(), True
    while True:
        if seen:
            node = cursor.node
            nodes.append((node.type, node.start_byte, node.end_byte, node.start_point, node.end_point, node.is_missing))
        if seen and cursor.goto_first_child():
            continue
        if cursor.goto_next_sibling():
            seen = True
            continue
        if not cursor.goto_parent():
            return nodes
        seen = False


def edited(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one to four lines replaced, inserted or deleted, or bytes changed inside a line."""
    lines = data.splitlines(keepends=True) or [b""]
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines))
        action = rng.choice(("replace", "insert", "delete", "inline"))
        if action == "replace":
            lines[at] = rng.choice(SNIPPETS)
        elif action == "insert":
            lines.insert(at, rng.choice(SNIPPETS))
        elif action == "delete" and len(lines) > 1:
            del lines[at]
        else:
            cut = rng.randint(0, len(lines[at]))
            lines[at] = lines[at][:cut] + rng.choice(SNIPPETS) + lines[at][cut:]
    return b"".join(lines)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_incremental_reparse_equals_a_fresh_parse(path: Path) -> None:
    language = language_for(path)
    parser = language.parser()
    rng = random.Random(path.name)
    memo = TreeMemo()
    data = path.read_bytes()
    memo.parse(parser, data, (language.name, path.name))
    for _ in range(25):  # a chain of edits: each reparse starts from the trees of the versions before it
        data = edited(data, rng)
        tree = memo.parse(parser, data, (language.name, path.name))
        assert shape(tree) == shape(parser.parse(data))


def test_trees_go_out_as_copies() -> None:
    path = REPO / "telemetry_inject/engine/inject.py"
    language = language_for(path)
    parser = language.parser()
    memo = TreeMemo()
    data = path.read_bytes()
    first = memo.parse(parser, data, ("python", "x"))
    first.edit(0, 0, 10, (0, 0), (0, 0), (0, 10))  # callers edit what they get (engine/inject.py does)
    again = memo.parse(parser, data, ("python", "x"))
    assert shape(again) == shape(parser.parse(data))


def test_memo_is_bounded() -> None:
    language = language_for(Path("a.py"))
    memo = TreeMemo(files=3)
    for i in range(10):
        memo.parse(language.parser(), b"x = %d\n" % i, ("python", f"f{i}.py"))
    assert len(memo._trees) == 3


def test_common_prefix_and_suffix() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        old = bytes(rng.choice(b"ab\n") for _ in range(rng.randint(0, 9000)))
        new = bytearray(old)
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(new))
            new[at : at + rng.randint(0, 3)] = bytes(rng.choice(b"ab\n") for _ in range(rng.randint(0, 3)))
        new = bytes(new)
        prefix = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        limit = min(len(old), len(new)) - prefix
        suffix = next((i for i in range(limit) if old[-1 - i] != new[-1 - i]), limit)
        assert _span(old, new) == (prefix, suffix)


def test_units_from_the_memo_equal_units_from_a_full_query() -> None:
    """With a memo (the hook server), Python's units of unchanged top-level statements come from earlier versions, moved."""
    language = language_for(Path("a.py"))
    parser = language.parser()
    classes = [REPO / "telemetry_inject/languages/python.py", REPO / "telemetry_inject/engine/trees.py", REPO / "tests/test_cli.py"]
    sources = [REPO / "telemetry_inject/engine/inject.py", *classes, *sorted((REPO / "tests/cases/python").glob("*.py"))]
    rng = random.Random(3)
    for path in sources:
        versions = [path.read_bytes()]
        for _ in range(10):  # comment and blank lines anywhere: still valid Python, everything below them moves
            lines = versions[-1].splitlines(keepends=True)
            lines.insert(rng.randint(0, len(lines)), rng.choice((b"\n", b"# note\n", b"    # indented note\n")))
            versions.append(b"".join(lines))
        versions = [v for v in versions if not parser.parse(v).root_node.has_error]
        expected = [language.function_units(parser.parse(v), v) for v in versions]
        trees.keep()
        try:
            got = [language.function_units(parser.parse(v), v) for v in versions]
            hits = trees.memo().units
        finally:
            trees.keep(None)
        assert got == expected
        assert len(hits) < sum(len(parser.parse(v).root_node.children) for v in versions)  # statements were shared


def test_line_changes_describe_the_new_lines_exactly() -> None:
    """Every answer rebuilds ``b`` from ``a``: equal stretches kept, changed runs replaced (random lists of repeated lines)."""
    from telemetry_inject.engine.trees import line_changes

    rnd = random.Random(7)
    alphabet = [b"\n", b"\n", b"x\n", b"    pass\n", *(b"line %d\n" % k for k in range(20))]
    for _ in range(5000):
        a = [rnd.choice(alphabet) for _ in range(rnd.randrange(0, 40))]
        b = list(a)
        for _ in range(rnd.randrange(0, 6)):
            at = rnd.randrange(0, len(b) + 1)
            if rnd.random() < 0.4:
                b.insert(at, rnd.choice(alphabet))
            elif b:
                b[min(at, len(b) - 1) :][:1] = [] if rnd.random() < 0.5 else [rnd.choice(alphabet)]
        rebuilt, i, j = [], 0, 0
        for i1, i2, j1, j2 in line_changes(a, b):
            assert i1 - i == j1 - j >= 0 and a[i:i1] == b[j:j1], "an equal stretch between changes"
            assert (i1, j1) != (i2, j2), "no empty change"
            rebuilt += a[i:i1] + b[j1:j2]
            i, j = i2, j2
        assert a[i:] == b[j:] and rebuilt + a[i:] == b


def test_line_changes_are_fine_where_many_lines_repeat() -> None:
    """Sparse insertions in a file of short functions (a blank line every other line) come back as separate changes."""
    from telemetry_inject.engine.trees import line_changes

    old = b"".join(b"def f%d(x):\n    return x\n\n\n" % i for i in range(1000)).splitlines(keepends=True)
    new = b"".join((b"@_tel.span\n" if i % 100 == 5 else b"") + b"def f%d(x):\n    return x\n\n\n" % i for i in range(1000)).splitlines(keepends=True)
    assert line_changes(old, new) == [(4 * i, 4 * i, 4 * i + i // 100, 4 * i + i // 100 + 1) for i in range(5, 1000, 100)]
