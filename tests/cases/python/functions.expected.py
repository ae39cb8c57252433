"""Module docstring."""
from __future__ import annotations

import _telemetry_utils as _tel
import os


@_tel.span
def plain(a, b=1, *args, **kwargs):
    return a + b


@_tel.span
async def coroutine(x):
    return await x


@_tel.span
def generator(n):
    for i in range(n):
        yield i


@_tel.span
async def agen():
    yield 1


class Shape:
    @_tel.span
    def area(self):
        @_tel.span
        def helper():
            return 1

        return helper()

    class Inner:
        @_tel.span
        def method(self):
            return lambda: (yield)
