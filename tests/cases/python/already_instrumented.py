"""Already done: a second run changes nothing."""
from pkg import _telemetry_utils as _tel


@_tel.span
def f():
    return 1


class A:
    @property
    @_tel.span
    def value(self):
        return 2
