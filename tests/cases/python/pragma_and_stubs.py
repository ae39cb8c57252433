def skipped():  # telemetry: skip
    return 1


# telemetry: skip
def also_skipped():
    return 2


@numba.njit
def compiled(x):
    return x
