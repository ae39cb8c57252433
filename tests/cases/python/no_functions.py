"""Only data."""
VALUE = 1


class Empty:
    pass
