"""Pricing real token usage (genai-prices, offline) and the hard budget checked before each call.

Local servers (ollama) cost 0. A model genai-prices doesn't know is priced
from the config's table when it has one, else reported as unpriced at 0.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import NamedTuple

# genai-prices names providers by their API; ours map onto them.
_PRICE_PROVIDER = {"anthropic": "anthropic", "openai": "openai"}


class Cost(NamedTuple):
    usd: float
    priced: bool  # False: unknown model, counted as 0 and reported as unpriced


class PriceOverride(NamedTuple):
    input_per_mtok: float
    output_per_mtok: float


def price(provider: str, model: str, input_tokens: int, output_tokens: int, table: Mapping[str, PriceOverride] | None = None) -> Cost:
    if table and model in table:
        row = table[model]
        return Cost((input_tokens * row.input_per_mtok + output_tokens * row.output_per_mtok) / 1e6, True)
    if provider == "ollama":
        return Cost(0.0, True)
    from genai_prices import Usage, calc_price  # in the llm extra; a data snapshot, no network

    try:
        result = calc_price(Usage(input_tokens=input_tokens, output_tokens=output_tokens), model, provider_id=_PRICE_PROVIDER.get(provider, provider))
    except LookupError:
        return Cost(0.0, False)
    return Cost(float(result.total_price), True)


class BudgetExceeded(Exception):
    """The next call could push spending past ``--budget``; it is not made."""


class Budget:
    """A hard cap: a call starts only if its pessimistic estimate fits beside what was
    spent and what calls in flight may still cost (thread-safe)."""

    def __init__(self, limit_usd: float | None) -> None:
        self.limit = limit_usd
        self.spent = 0.0
        self.reserved = 0.0
        self._lock = threading.Lock()

    def check(self, estimate_usd: float) -> None:
        """Reserve ``estimate_usd`` for a call about to start, or raise BudgetExceeded."""
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + estimate_usd > self.limit:
                raise BudgetExceeded(
                    f"budget ${self.limit:.4f}: spent ${self.spent:.4f}"
                    + (f" + ${self.reserved:.4f} in flight" if self.reserved else "")
                    + f", the next call may cost up to ${estimate_usd:.4f}"
                )
            self.reserved += estimate_usd

    def record(self, cost: Cost, reserved_usd: float = 0.0) -> None:
        """A finished call: its real cost replaces its reservation."""
        with self._lock:
            self.reserved = max(0.0, self.reserved - reserved_usd)
            self.spent += cost.usd


def pessimistic_estimate(provider: str, model: str, prompt_tokens: int, max_output_tokens: int, table: Mapping[str, PriceOverride] | None = None) -> float:
    """What a call may cost at most: the whole prompt plus every output token allowed."""
    return price(provider, model, prompt_tokens, max_output_tokens, table).usd
