"""Prompt size per function and what enriching a whole code base would cost (issue 5), calling no model.

    .venv/bin/python bench/llm_cost.py

Every function of the Django sdist that `run` would instrument gets the prompt
`--llm enrich` sends (rules + lessons + the one function). Tokens are counted
as characters / 4 (no tokenizer is installed; for English and code that is
within ~15% of the real count); output is taken as the function plus two attribute lines.
Prices come from genai-prices' offline snapshot.
"""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_tree, machine  # noqa: E402

from telemetry_inject.engine.inject import candidates  # noqa: E402
from telemetry_inject.engine.source import SourceError  # noqa: E402
from telemetry_inject.languages import LANGUAGES  # noqa: E402
from telemetry_inject.llm.cost import price  # noqa: E402
from telemetry_inject.llm.enrich import LLMSession  # noqa: E402
from telemetry_inject.llm.providers import ProviderSettings  # noqa: E402

MODELS = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-5"), ("openai", "gpt-4o-mini")]


def main() -> None:
    session = LLMSession(ProviderSettings("openai", ("gpt-4o",), None, None, 60.0), None)
    system_tokens = len(session.system) // 4
    inputs, outputs = [], []
    for path in sorted(django_tree().rglob("*.py")):
        try:
            found = candidates(path.read_bytes(), LANGUAGES["python"])
        except SourceError:
            continue
        for _, text in found:
            inputs.append(system_tokens + (len(text) + 16) // 4)
            outputs.append(len(text) // 4 + 30)
    inputs.sort()
    print(f"Django sdist: {len(inputs)} functions; {machine()}\n")
    print("| prompt input tokens per function | value |\n|---|---:|")
    print(f"| median | {statistics.median(inputs):.0f} |\n| p95 | {inputs[int(len(inputs) * 0.95)]} |\n| of which rules + lessons | {system_tokens} |")
    total_in, total_out = sum(inputs), sum(outputs)
    print(f"\n| model | enrich all {len(inputs)} functions (one attempt each) | per function |\n|---|---:|---:|")
    for provider, model in MODELS:
        cost = price(provider, model, total_in, total_out)
        print(f"| {provider} {model} | ${cost.usd:,.2f} | ${cost.usd / len(inputs):.5f} |")


if __name__ == "__main__":
    main()
