"""Module docstring."""
from __future__ import annotations

import os


def plain(a, b=1, *args, **kwargs):
    return a + b


async def coroutine(x):
    return await x


def generator(n):
    for i in range(n):
        yield i


async def agen():
    yield 1


class Shape:
    def area(self):
        def helper():
            return 1

        return helper()

    class Inner:
        def method(self):
            return lambda: (yield)
