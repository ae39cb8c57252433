"""Doc."""; import os
import _telemetry_utils as _tel
@_tel.span
def f():
    return os
