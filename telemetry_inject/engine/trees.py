"""Parse trees kept between calls by a long-lived process (the hook server); off in every other process.

A file the server has parsed before is parsed again incrementally: tree-sitter
is told where the new bytes differ from the remembered ones (one edit per
changed run of lines) and reuses the rest of the old tree. The
result is the tree a fresh parse gives; only the time differs. Trees go in and
out as copies, so callers may ``edit`` what they get.
"""
from __future__ import annotations

import bisect
from collections import OrderedDict

import tree_sitter

Key = tuple[str, str]  # (language, file path)
_BLOCK = 4096
_VERSIONS = 2  # a file's last input and last output: the next call usually starts from one of them


class TreeMemo:
    def __init__(self, files: int = 64, units: int = 20_000, max_bytes: int = 8_000_000) -> None:
        self.files = files
        self.max_bytes = max_bytes  # of source; a tree takes about 30 times its source's size
        self._trees: OrderedDict[Key, list[tuple[bytes, tree_sitter.Tree]]] = OrderedDict()
        # A language may keep what it derives from a top-level statement, keyed by everything it reads
        # (the statement's text and context); Python's function units are (languages/python.py).
        self.units: dict = {}
        self.max_units = units

    def bound_units(self) -> None:
        if len(self.units) > self.max_units:
            self.units.clear()  # crude but bounded: the next calls refill what they use

    def parse(self, parser: tree_sitter.Parser, data: bytes, key: Key) -> tree_sitter.Tree:
        known = self._trees.get(key, [])
        for old, tree in known:
            if old == data:
                return tree.copy()
        if known:
            spans = [(_span(old, data), old, tree) for old, tree in known]
            (prefix, suffix), old, tree = max(spans, key=lambda entry: sum(entry[0]))  # the version closest to ``data``
            tree = tree.copy()
            _tell(tree, old, data, prefix, suffix)
            tree = parser.parse(data, tree)
            if tree.root_node.has_error:  # error recovery may differ from a fresh parse's: the error line must not
                tree = parser.parse(data)
        else:
            tree = parser.parse(data)
        self.remember(key, data, tree)
        return tree

    def remember(self, key: Key, data: bytes, tree: tree_sitter.Tree) -> None:
        """Keep ``tree`` as the newest version of ``key`` (trees with errors are not kept)."""
        versions = [entry for entry in self._trees.pop(key, []) if entry[0] != data]
        if not tree.root_node.has_error:
            versions = [(data, tree.copy()), *versions]
        if versions:
            self._trees[key] = versions[:_VERSIONS]
        while len(self._trees) > self.files or (len(self._trees) > 1 and self._bytes() > self.max_bytes):
            self._trees.popitem(last=False)

    def _bytes(self) -> int:
        return sum(len(data) for versions in self._trees.values() for data, _ in versions)


_memo: TreeMemo | None = None


def keep(files: int | None = 64) -> None:
    """Remember trees from now on in this process (the hook server calls this once); ``None`` stops and forgets."""
    global _memo  # one switch, flipped once by the one process that wants it
    _memo = None if files is None else TreeMemo(files)


def memo() -> TreeMemo | None:
    return _memo


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the longest common prefix: 4 KiB blocks first, then bisection inside the first differing one."""
    limit = min(len(a), len(b))
    block = 0
    while block < limit and a[block : block + _BLOCK] == b[block : block + _BLOCK]:
        block += _BLOCK
    if block >= limit:
        return limit
    low, high = block, min(limit, block + _BLOCK)
    while low < high:
        mid = (low + high + 1) // 2
        if a[block:mid] == b[block:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: bytes, b: bytes, prefix: int) -> int:
    """Length of the longest common suffix that does not overlap ``prefix``."""
    return _common_prefix(a[prefix:][::-1], b[prefix:][::-1])


def _span(old: bytes, new: bytes) -> tuple[int, int]:
    """(common prefix, common suffix) of ``old`` and ``new``."""
    prefix = _common_prefix(old, new)
    return prefix, _common_suffix(old, new, prefix)


def _point(data: bytes, offset: int) -> tuple[int, int]:
    return data.count(b"\n", 0, offset), offset - (data.rfind(b"\n", 0, offset) + 1)


def _tell(tree: tree_sitter.Tree, old: bytes, new: bytes, prefix: int, suffix: int) -> None:
    """Describe the change from ``old`` to ``new`` to ``tree``: one edit per changed run of lines.

    (One edit from the first to the last changed byte would be correct too, but
    tree-sitter then reparses everything the range touches: for two edits a
    hundred lines apart in one class, as much as a fresh parse.)
    """
    head = old.rfind(b"\n", 0, prefix) + 1  # the changed lines, whole: ``old[head:old_tail]`` became ``new[head:new_tail]``
    old_tail = len(old) - suffix
    if old_tail > 0 and old[old_tail - 1 : old_tail] != b"\n":
        old_tail = old.find(b"\n", old_tail) + 1 or len(old)
    new_tail = len(new) - (len(old) - old_tail)
    if new_tail < head:  # the common suffix reaches back into the common prefix's last line
        old_tail, new_tail = len(old), len(new)
    old_lines = old[head:old_tail].splitlines(keepends=True)
    new_lines = new[head:new_tail].splitlines(keepends=True)
    old_starts, new_starts = _offsets(old_lines, head), _offsets(new_lines, head)
    for i1, i2, j1, j2 in reversed(line_changes(old_lines, new_lines)):  # back to front: old positions before each edit hold
        start, old_end = old_starts[i1], old_starts[i2]
        inserted = new[new_starts[j1] : new_starts[j2]]
        row, column = _point(old, start)
        rows = inserted.count(b"\n")
        end_column = len(inserted) - (inserted.rfind(b"\n") + 1) if rows else column + len(inserted)
        tree.edit(start, old_end, start + len(inserted), (row, column), _point(old, old_end), (row + rows, end_column))


def line_changes(a: list[bytes], b: list[bytes]) -> list[tuple[int, int, int, int]]:
    """The changed runs ``(i1, i2, j1, j2)``, in order: ``a[i1:i2]`` became ``b[j1:j2]``, everything between is equal.

    Patience style, in about linear time: lines found once on each side anchor
    the alignment (their longest increasing run), equal lines next to an anchor
    join it, and a stretch without anchors is one change. Any answer is correct
    for tree-sitter (each edit is exact); a finer one only reparses less.
    (difflib's SequenceMatcher gives finer answers, but takes seconds where
    many lines repeat, as blank lines do.)
    """
    changes = []
    gaps = [(0, len(a), 0, len(b))]
    while gaps:
        i1, i2, j1, j2 = gaps.pop()
        while i1 < i2 and j1 < j2 and a[i1] == b[j1]:
            i1, j1 = i1 + 1, j1 + 1
        while i1 < i2 and j1 < j2 and a[i2 - 1] == b[j2 - 1]:
            i2, j2 = i2 - 1, j2 - 1
        if i1 == i2 and j1 == j2:
            continue
        anchors = _anchors(a, i1, i2, b, j1, j2) if i1 < i2 and j1 < j2 else []
        if not anchors:
            changes.append((i1, i2, j1, j2))
            continue
        for i, j in anchors:  # the stretches between anchors, each looked at again
            gaps.append((i1, i, j1, j))
            i1, j1 = i + 1, j + 1
        gaps.append((i1, i2, j1, j2))
    return sorted(changes)


def _anchors(a: list[bytes], i1: int, i2: int, b: list[bytes], j1: int, j2: int) -> list[tuple[int, int]]:
    """Lines found exactly once in ``a[i1:i2]`` and once in ``b[j1:j2]``: the longest run of them in the same order."""
    seen_a: dict[bytes, int] = {}
    for i in range(i1, i2):
        seen_a[a[i]] = -1 if a[i] in seen_a else i
    seen_b: dict[bytes, int] = {}
    for j in range(j1, j2):
        line = b[j]
        if seen_a.get(line, -1) >= 0:
            seen_b[line] = -1 if line in seen_b else j
    pairs = [(seen_a[line], j) for line, j in seen_b.items() if j >= 0]
    pairs.sort()
    # patience sorting: the longest subsequence increasing in j, with links back to rebuild it
    tops: list[int] = []  # j of the last pair of each pile
    ends: list[int] = []  # index into ``pairs`` of that pair
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        pile = bisect.bisect_left(tops, j)
        back[index] = ends[pile - 1] if pile else -1
        if pile == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[pile], ends[pile] = j, index
    run = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]


def _offsets(lines: list[bytes], start: int) -> list[int]:
    offsets = [start]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets
