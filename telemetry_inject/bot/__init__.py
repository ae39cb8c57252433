"""The GitHub adapter: `telemetry-inject bot` (the Action's engine), `bot apply`, `bot sweep`.

Needs the ``github`` extra (PyGithub, GitPython); nothing here is imported by
the CLI's other commands or by the hook.
"""
