import functools
from typing import overload


class Account:
    @staticmethod
    def make():
        return Account()

    @classmethod
    def create(cls):
        return cls()

    @property
    def balance(self):
        return self._balance

    @balance.setter
    def balance(self, value):
        self._balance = value

    @functools.cached_property
    def history(self):
        return []


def wrapper(fn):
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)

    return inner


@overload
def parse(x: int) -> int: ...
@overload
def parse(x: str) -> str: ...
def parse(x):
    return x


@wrapper
@functools.lru_cache(maxsize=None)
def cached(n):
    return n
