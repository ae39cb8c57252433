import _telemetry_utils as _tel


@_tel.span
def done():
    return 1


def new():
    return 2
