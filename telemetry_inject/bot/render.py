"""The Markdown the bot posts: the sticky comment, the bot pull request's body, the job summary.

Deterministic (no timestamps, no run ids), so a rerun on the same commit
renders the same bytes and the sticky comment is left alone.
"""
from __future__ import annotations

from typing import NamedTuple

MARKER = "<!-- telemetry-inject:report -->"
TABLE_ROWS = 200  # beyond this the table is summarised: a comment is capped at 65536 characters
MAX_BODY = 60000
FORK_NOTE = "This pull request comes from a fork, so the bot cannot push to it. Apply the patch below (`git apply`), or run `telemetry-inject run` locally."


class Outcome(NamedTuple):
    """What one bot run did, in the terms every rendering uses."""

    mode: str
    head_sha: str
    functions: list[dict]  # cost_report()["functions"]: file, function, source, status, cost_usd, …
    cost: dict  # cost_report() without functions
    runtime_files: list[str]
    missing: list[tuple[str, str]]  # check mode: (file, function) touched but without telemetry
    note: str = ""  # one line on what happened: the PR link, "nothing to do", the budget refusal…
    patch: str = ""  # shown folded where the bot cannot write (forks)


# Links, images, autolinks, HTML, mentions, code spans, table cells and line breaks: what could carry
# an attacker's markup. (Emphasis characters stay readable: at worst they italicise a name.)
_INERT = str.maketrans({ch: f"&#{ord(ch)};" for ch in "&<>\"'|[]()`!@\\:"} | {"\r": " ", "\n": " "})


def code(text: str) -> str:
    """Inline code safe for any file or function name, also inside a table cell: no markdown (links,
    emphasis, mentions), no HTML and no line break survives (names from a fork's artifact are untrusted)."""
    return "<code>" + text.translate(_INERT).replace("www.", "www&#46;") + "</code>"  # no autolinks either


def functions_table(functions: list[dict]) -> list[str]:
    if not functions:
        return []
    lines = ["| file | function | source |", "|---|---|---|"]
    for f in functions[:TABLE_ROWS]:
        status = "" if f.get("status", "instrumented") == "instrumented" else f" ({code(f['status'])})"
        lines.append(f"| {code(f['file'])} | {code(f['function'])} | {code(f['source'])}{status} |")
    if len(functions) > TABLE_ROWS:
        lines.append(f"| … | {len(functions) - TABLE_ROWS} more | |")
    return lines


def cost_lines(cost: dict) -> list[str]:
    budget = f" of ${cost['budget_usd']:.4f} budget" if cost.get("budget_usd") is not None else ""
    line = f"Cost: **${cost['total_cost_usd']:.4f}**{budget} · {cost['calls']} LLM calls · {cost['input_tokens']} input + {cost['output_tokens']} output tokens"
    if cost.get("budget_exceeded"):
        line += " · **budget reached**"
    if cost.get("estimate_usd") is not None:
        line += f" · estimate before any call: ${cost['estimate_usd']:.4f}"
    return [line]


def headline(outcome: Outcome) -> str:
    n = len(outcome.functions)
    files = len({f["file"] for f in outcome.functions})
    if outcome.mode == "check":
        if outcome.missing:
            return f"**{len(outcome.missing)} touched function{'s' * (len(outcome.missing) != 1)} without telemetry**"
        return "Every touched function has telemetry."
    if not n:
        return "No touched function needs telemetry."
    return f"**{n} function{'s' * (n != 1)}** in {files} file{'s' * (files != 1)} got telemetry"


def comment(outcome: Outcome) -> str:
    lines = [MARKER, "### telemetry-inject", "", f"{headline(outcome)} · `{outcome.mode}` mode · commit {outcome.head_sha[:7]}"]
    if outcome.note:
        lines += ["", outcome.note]
    if outcome.missing:
        lines += ["", "| file | function |", "|---|---|"]
        lines += [f"| {code(file)} | {code(function)} |" for file, function in outcome.missing[:TABLE_ROWS]]
    table = functions_table(outcome.functions)
    if table:
        lines += ["", *table]
    if outcome.runtime_files:
        lines += ["", "Runtime module added: " + ", ".join(code(p) for p in outcome.runtime_files)]
    lines += ["", *cost_lines(outcome.cost)]
    if outcome.patch:
        fence = fence_for(outcome.patch)
        lines += ["", "<details><summary>The patch</summary>", "", f"{fence}diff", outcome.patch.rstrip("\n"), fence, "", "</details>"]
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_BODY:  # GitHub refuses bodies over 65536 characters: drop the patch first
        if outcome.patch:
            return comment(outcome._replace(patch="", note="This pull request comes from a fork, so the bot cannot push to it, "
                                                             "and the patch is too long for a comment: run `telemetry-inject run` locally."))
        return text[:MAX_BODY] + "\n…\n"
    return text


def pull_request_body(outcome: Outcome, pr_number: int) -> str:
    lines = [
        f"Adds telemetry spans to the functions that #{pr_number} touched. Merge this into the branch of #{pr_number} to keep them.",
        "",
        *functions_table(outcome.functions),
    ]
    if outcome.runtime_files:
        lines += ["", "Runtime module added: " + ", ".join(code(p) for p in outcome.runtime_files)]
    lines += ["", *cost_lines(outcome.cost), "", "*Opened by telemetry-inject; updated on every push to the pull request, closed when nothing is left to do.*"]
    return "\n".join(lines)[:MAX_BODY] + "\n"


def sweep_body(outcome: Outcome, shard: tuple[int, int]) -> str:
    index, count = shard
    where = f" (shard {index} of {count}; each shard adds its share to this branch)" if count > 1 else ""
    lines = [
        f"Adds telemetry spans to functions that had none{where}. Each scheduled run adds up to its `max-functions` more.",
        "",
        f"This run: {headline(outcome)}.",
        "",
        *functions_table(outcome.functions),
    ]
    if outcome.runtime_files:
        lines += ["", "Runtime module added: " + ", ".join(code(p) for p in outcome.runtime_files)]
    lines += ["", *cost_lines(outcome.cost)]
    return "\n".join(lines)[:MAX_BODY] + "\n"


def fence_for(text: str) -> str:
    """A code fence longer than any run of backticks inside ``text``."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)
