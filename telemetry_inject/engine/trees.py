"""Parse trees kept between calls by a long-lived process (the hook server); off in every other process.

A file the server has parsed before is parsed again incrementally: tree-sitter
is told where the new bytes differ from the remembered ones (one edit from the
first to the last differing byte) and reuses the rest of the old tree. The
result is the tree a fresh parse gives; only the time differs. Trees go in and
out as copies, so callers may ``edit`` what they get.
"""
from __future__ import annotations

from collections import OrderedDict

import tree_sitter

Key = tuple[str, str]  # (language, file path)
_VERSIONS = 2  # a file's last input and last output: the next call usually starts from one of them


class TreeMemo:
    def __init__(self, files: int = 64) -> None:
        self.files = files
        self._trees: OrderedDict[Key, list[tuple[bytes, tree_sitter.Tree]]] = OrderedDict()

    def parse(self, parser: tree_sitter.Parser, data: bytes, key: Key) -> tree_sitter.Tree:
        known = self._trees.get(key, [])
        for old, tree in known:
            if old == data:
                return tree.copy()
        if known:
            old, tree = min(known, key=lambda entry: _changed_span(entry[0], data))
            tree = tree.copy()
            _tell(tree, old, data)
            tree = parser.parse(data, tree)
        else:
            tree = parser.parse(data)
        self.remember(key, data, tree)
        return tree

    def remember(self, key: Key, data: bytes, tree: tree_sitter.Tree) -> None:
        versions = [entry for entry in self._trees.pop(key, []) if entry[0] != data]
        self._trees[key] = [(data, tree.copy()), *versions][:_VERSIONS]
        while len(self._trees) > self.files:
            self._trees.popitem(last=False)


_memo: TreeMemo | None = None


def keep(files: int = 64) -> None:
    """Remember trees from now on in this process (the hook server calls this once)."""
    global _memo  # noqa: PLW0603 - one switch, flipped once by the one process that wants it
    _memo = TreeMemo(files)


def memo() -> TreeMemo | None:
    return _memo


def _common_prefix(a: bytes, b: bytes) -> int:
    low, high = 0, min(len(a), len(b))
    va, vb = memoryview(a), memoryview(b)
    while low < high:  # the longest k with a[:k] == b[:k], by bisection on C-speed slice comparisons
        mid = (low + high + 1) // 2
        if va[:mid] == vb[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: bytes, b: bytes, prefix: int) -> int:
    low, high = 0, min(len(a), len(b)) - prefix
    va, vb = memoryview(a), memoryview(b)
    while low < high:
        mid = (low + high + 1) // 2
        if va[len(a) - mid :] == vb[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    return low


def _changed_span(old: bytes, new: bytes) -> int:
    prefix = _common_prefix(old, new)
    return max(len(old), len(new)) - prefix - _common_suffix(old, new, prefix)


def _point(data: bytes, offset: int) -> tuple[int, int]:
    return data.count(b"\n", 0, offset), offset - (data.rfind(b"\n", 0, offset) + 1)


def _tell(tree: tree_sitter.Tree, old: bytes, new: bytes) -> None:
    """Describe the change from ``old`` to ``new`` to ``tree`` as one replaced byte range."""
    start = _common_prefix(old, new)
    suffix = _common_suffix(old, new, start)
    old_end, new_end = len(old) - suffix, len(new) - suffix
    tree.edit(start, old_end, new_end, _point(old, start), _point(old, old_end), _point(new, new_end))
