"""The one user-facing error type; ``cli.main`` turns it into exit code 2."""


class UserError(Exception):
    """Bad usage, config or input: the message says what is wrong, where, and what to do."""
