def skipped():  # telemetry: skip
    return 1


# telemetry: skip
def also_skipped():
    return 2


@numba.njit
def compiled(x):
    return x


def introspects():
    return inspect.currentframe().f_back.f_locals["path"]


def uses_getframe():
    return sys._getframe(1).f_code.co_name
