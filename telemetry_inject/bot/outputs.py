"""Step outputs (``$GITHUB_OUTPUT``) and the job summary (``$GITHUB_STEP_SUMMARY``)."""
from __future__ import annotations

import secrets
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024  # GitHub refuses a step summary over 1 MiB
_TRUNCATED = "\n\n*(truncated: the full report is in the sticky comment and the job log)*\n"


def write_outputs(path: Path | None, values: dict[str, str]) -> None:
    """``name<<DELIM`` blocks with a random delimiter no value can contain (GitHub's multi-line syntax)."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as out:
        for name, value in values.items():
            delimiter = "ghadelimiter_" + secrets.token_hex(16)
            while delimiter in value:
                delimiter = "ghadelimiter_" + secrets.token_hex(16)
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def write_summary(path: Path | None, markdown: str) -> None:
    if path is None:
        return
    existing = path.stat().st_size if path.exists() else 0
    room = SUMMARY_LIMIT - existing - 1
    data = markdown.encode("utf-8")
    if len(data) > room:
        keep = max(0, room - len(_TRUNCATED.encode()))
        data = data[:keep].decode("utf-8", "ignore").encode("utf-8") + _TRUNCATED.encode()
    with path.open("ab") as out:
        out.write(data)
