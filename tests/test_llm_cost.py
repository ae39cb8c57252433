"""Pricing from genai-prices' offline snapshot, overrides, local models, and the hard budget."""
from __future__ import annotations

import pytest

from telemetry_inject.llm.cost import Budget, BudgetExceeded, Cost, PriceOverride, pessimistic_estimate, price


def test_known_models_are_priced_from_the_snapshot() -> None:
    gpt = price("openai", "gpt-4o", 1_000_000, 0)
    claude = price("anthropic", "claude-sonnet-4-5", 0, 1_000_000)
    assert gpt.priced and claude.priced
    assert gpt.usd > 0 and claude.usd > 0
    assert price("openai", "gpt-4o", 2_000_000, 0).usd == pytest.approx(2 * gpt.usd), "linear in tokens"


def test_local_models_cost_nothing_and_unknown_models_are_unpriced() -> None:
    assert price("ollama", "llama3", 10_000, 10_000) == Cost(0.0, True)
    assert price("openai", "no-such-model-xyz", 10_000, 10_000) == Cost(0.0, False)


def test_config_table_overrides_the_snapshot() -> None:
    table = {"gpt-4o": PriceOverride(input_per_mtok=1.0, output_per_mtok=10.0)}
    assert price("openai", "gpt-4o", 500_000, 100_000, table) == Cost(0.5 + 1.0, True)


def test_budget_is_checked_before_the_call() -> None:
    budget = Budget(0.01)
    budget.check(0.004)
    budget.record(Cost(0.004, True), reserved_usd=0.004)
    budget.check(0.006)
    budget.record(Cost(0.006, True), reserved_usd=0.006)
    with pytest.raises(BudgetExceeded, match=r"budget \$0.0100: spent \$0.0100"):
        budget.check(0.0001)
    Budget(None).check(1e9)  # no --budget: no cap


def test_calls_in_flight_hold_their_reservation() -> None:
    budget = Budget(0.01)
    budget.check(0.006)  # a call starts
    with pytest.raises(BudgetExceeded, match=r"\+ \$0.0060 in flight"):
        budget.check(0.006)  # a second one could overspend if both used their estimate
    budget.record(Cost(0.001, True), reserved_usd=0.006)  # the first one finished cheaper
    budget.check(0.006)


def test_pessimistic_estimate_counts_every_allowed_output_token() -> None:
    assert pessimistic_estimate("openai", "gpt-4o", 1000, 4000) > price("openai", "gpt-4o", 1000, 10).usd
