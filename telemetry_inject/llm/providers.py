"""LLM providers: Anthropic, OpenAI, and OpenAI-compatible local servers (Ollama, vLLM, LM Studio).

SDKs are imported only when a call is about to be made (extra
``telemetry-inject[llm]``). An API key never appears in a message, a report or
an exception: errors are rebuilt from the status and type, and scrubbed.
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse

from telemetry_inject.errors import UserError

PROVIDERS = ("anthropic", "openai", "ollama")
OLLAMA_URL = "http://localhost:11434/v1"
DEFAULT_TIMEOUT = 60.0


class ProviderError(Exception):
    """A call failed; the message names provider, model and cause, never the key."""


class Completion(NamedTuple):
    text: str
    input_tokens: int
    output_tokens: int
    model: str
    seconds: float


class ProviderSettings(NamedTuple):
    provider: str
    models: tuple[str, ...]
    base_url: str | None
    api_key: str | None
    timeout: float

    def __repr__(self) -> str:  # settings get logged; the key must not be
        return f"ProviderSettings(provider={self.provider!r}, models={self.models!r}, base_url={self.base_url!r}, timeout={self.timeout})"


def resolve(
    provider: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
    require_key: bool = True,  # `budget` prices a diff without calling anyone
) -> ProviderSettings:
    """Flags, then the environment (and a ``.env`` file, which never overrides it), then auto-detection."""
    values = dict(_dotenv(dotenv)) if dotenv is not None and dotenv.is_file() else {}
    values.update(os.environ if env is None else env)
    base_url = base_url or values.get("LLM_BASE_URL")
    provider = provider or values.get("LLM_PROVIDER") or _detect(base_url, values)
    if provider not in PROVIDERS:
        raise UserError(f"unknown LLM provider {provider!r} (choose from {', '.join(PROVIDERS)})")
    models = tuple(m.strip() for m in (model or values.get("LLM_MODEL") or "").split(",") if m.strip())
    if not models:
        raise UserError("no model: pass --model or set LLM_MODEL (a comma-separated list rotates across models)")
    if provider == "ollama":
        base_url = base_url or OLLAMA_URL
        api_key = api_key or values.get("OPENAI_API_KEY") or "ollama"  # local servers ignore it; the SDK wants one
    else:
        api_key = api_key or values.get("ANTHROPIC_API_KEY" if provider == "anthropic" else "OPENAI_API_KEY")
        if not api_key and require_key:
            name = "ANTHROPIC_API_KEY" if provider == "anthropic" else "OPENAI_API_KEY"
            raise UserError(f"no API key for {provider}: set {name} (or pass --api-key)")
    try:
        timeout = float(values.get("LLM_TIMEOUT") or DEFAULT_TIMEOUT)
    except ValueError:
        raise UserError(f"LLM_TIMEOUT must be a number of seconds, got {values.get('LLM_TIMEOUT')!r}") from None
    return ProviderSettings(provider, models, base_url, api_key, timeout)


def _detect(base_url: str | None, values: Mapping[str, str]) -> str:
    if base_url and urlparse(base_url).hostname in ("localhost", "127.0.0.1", "::1"):
        return "ollama"
    if values.get("ANTHROPIC_API_KEY") and not values.get("OPENAI_API_KEY"):
        return "anthropic"
    return "openai"


def _dotenv(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values  # python-dotenv, in the llm extra

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class Clients:
    """The provider's async SDK client for one event loop, made on first use and reused by every call
    (one connection pool per run); ``async with Clients(settings) as clients`` closes it."""

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        self._client = None

    def get(self):
        if self._client is None:
            self._client = _client(self.settings, asynchronous=True)
        return self._client

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def complete(settings: ProviderSettings, model: str, system: str, user: str, max_tokens: int = 1024) -> Completion:
    """One call from synchronous code (``check-api``): its own event loop and client."""
    import asyncio

    async def once() -> Completion:
        async with Clients(settings) as clients:
            return await acomplete(clients, model, system, user, max_tokens)

    return asyncio.run(once())


async def acomplete(clients: Clients, model: str, system: str, user: str, max_tokens: int = 1024) -> Completion:
    """One chat call; the SDK's own retries handle 429s and 5xx (with their Retry-After)."""
    settings = clients.settings
    started = time.perf_counter()
    try:
        client = clients.get()
        if settings.provider == "anthropic":
            text, usage_in, usage_out = await _anthropic(client, model, system, user, max_tokens)
        else:
            text, usage_in, usage_out = await _openai(client, settings, model, system, user, max_tokens)
    except (ProviderError, UserError):
        raise
    except Exception as exc:  # noqa: BLE001 - SDK errors are rebuilt without the key, whatever their type
        raise ProviderError(_scrub(f"{settings.provider} {model}: {_describe(exc)}", settings.api_key)) from None
    return Completion(text, usage_in, usage_out, model, time.perf_counter() - started)


def _client(settings: ProviderSettings, asynchronous: bool):
    """The SDK's client for ``settings``: AsyncAnthropic / AsyncOpenAI, or the synchronous ones."""
    try:
        if settings.provider == "anthropic":
            import anthropic

            cls = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
        else:
            import openai

            cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    except ImportError:
        raise UserError("the LLM path needs the llm extra: pip install 'telemetry-inject[llm]'") from None
    return cls(api_key=settings.api_key, base_url=settings.base_url, timeout=settings.timeout, max_retries=2)


async def _openai(client, settings: ProviderSettings, model: str, system: str, user: str, max_tokens: int) -> tuple[str, int, int]:
    response = await client.chat.completions.create(
        model=model, max_tokens=max_tokens, messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
    )
    if not response.choices or response.choices[0].message.content is None:
        raise ProviderError(f"{settings.provider} {model}: empty answer")
    usage = response.usage
    return response.choices[0].message.content, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0


async def _anthropic(client, model: str, system: str, user: str, max_tokens: int) -> tuple[str, int, int]:
    response = await client.messages.create(model=model, max_tokens=max_tokens, system=system, messages=[{"role": "user", "content": user}])
    text = "".join(block.text for block in response.content if getattr(block, "type", "") == "text")
    if not text:
        raise ProviderError(f"anthropic {model}: empty answer (stop reason {response.stop_reason})")
    return text, response.usage.input_tokens, response.usage.output_tokens


def list_models(settings: ProviderSettings) -> list[str]:
    """The models the provider offers (its own models endpoint)."""
    client = _client(settings, asynchronous=False)
    try:
        return sorted(model.id for model in client.models.list())
    except Exception as exc:  # noqa: BLE001 - rebuilt without the key
        raise ProviderError(_scrub(f"{settings.provider}: listing models: {_describe(exc)}", settings.api_key)) from None


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    if status:
        return f"HTTP {status} ({kind})"
    if "Timeout" in kind:
        return "timed out (LLM_TIMEOUT)"
    if "Connection" in kind:
        return "cannot connect (check LLM_BASE_URL / the network)"
    return kind


def _scrub(text: str, key: str | None) -> str:
    return text.replace(key, "[key]") if key and len(key) >= 4 else text
