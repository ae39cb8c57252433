"""``telemetry-inject configure``: write the LLM settings to ``.env`` (mode 0600), asking for what flags don't give."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from telemetry_inject.engine.files import write_atomic
from telemetry_inject.errors import UserError

_KEY_NAMES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}


def configure(path: Path, provider: str | None, model: str | None, base_url: str | None, api_key: str | None, ask: bool, out: TextIO) -> int:
    if ask:
        provider = provider or _ask("provider (anthropic, openai, ollama)", "openai")
        model = model or _ask("model (a comma-separated list rotates)", "")
        if provider == "ollama":
            base_url = base_url or _ask("base URL", "http://localhost:11434/v1")
        elif not api_key:
            import getpass

            api_key = getpass.getpass(f"{_KEY_NAMES.get(provider, 'API')} (not echoed): ") or None
    if provider not in ("anthropic", "openai", "ollama"):
        raise UserError(f"provider must be anthropic, openai or ollama, got {provider!r}")
    if not model:
        raise UserError("a model is needed (--model)")
    values = {"LLM_PROVIDER": provider, "LLM_MODEL": model}
    if base_url:
        values["LLM_BASE_URL"] = base_url
    if api_key and provider in _KEY_NAMES:
        values[_KEY_NAMES[provider]] = api_key
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept = [line for line in lines if line.split("=", 1)[0].strip() not in values]
    text = "\n".join(kept + [f"{k}={_quote(v)}" for k, v in values.items()]) + "\n"
    write_atomic(path, text.encode("utf-8"))
    path.chmod(0o600)  # it may hold a key
    out.write(f"wrote {', '.join(k for k in values)} to {path}" + (" (key not shown)" if api_key else "") + "\n")
    if not _git_ignored(path):
        out.write(f"warning: {path.name} is not git-ignored: add it to .gitignore so the key is never committed\n")
    return 0


def _ask(question: str, default: str) -> str:
    sys.stdout.write(f"{question}{f' [{default}]' if default else ''}: ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip()
    return answer or default


def _quote(value: str) -> str:
    return value if value.replace("-", "").replace("_", "").replace(".", "").replace(",", "").replace(":", "").replace("/", "").isalnum() else '"' + value.replace('"', '\\"') + '"'


def _git_ignored(path: Path) -> bool:
    import subprocess

    try:
        return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=path.parent, capture_output=True).returncode == 0
    except OSError:
        return False
