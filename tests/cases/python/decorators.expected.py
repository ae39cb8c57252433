import _telemetry_utils as _tel
import functools
from typing import overload


class Account:
    @staticmethod
    @_tel.span
    def make():
        return Account()

    @classmethod
    @_tel.span
    def create(cls):
        return cls()

    @property
    @_tel.span
    def balance(self):
        return self._balance

    @balance.setter
    @_tel.span
    def balance(self, value):
        self._balance = value

    @functools.cached_property
    @_tel.span
    def history(self):
        return []


@_tel.span
def wrapper(fn):
    @functools.wraps(fn)
    @_tel.span
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)

    return inner


@overload
def parse(x: int) -> int: ...
@overload
def parse(x: str) -> str: ...
@_tel.span
def parse(x):
    return x


@wrapper
@functools.lru_cache(maxsize=None)
@_tel.span
def cached(n):
    return n
