"""The cost report (`--report` Markdown, `--report-json`): what each function cost and where it came from."""
from __future__ import annotations

from telemetry_inject.languages import language_for
from telemetry_inject.report import shown
from telemetry_inject.results import Changed, Unchanged


def cost_report(results: list, session) -> dict:
    functions = []
    for result in results:
        if not isinstance(result, (Changed, Unchanged)):
            continue
        language = language_for(result.path)
        for f in result.functions:
            if f.status != "instrumented" and not (f.status == "needs-llm" and f.llm):
                continue  # only what was instrumented or asked for
            failed = f.llm in ("refused", "over-budget", "error")
            functions.append(
                {
                    "file": shown(result.path),
                    "function": f.qualname,
                    "language": language.name if language else "",
                    "status": f.llm if failed else "instrumented",
                    "source": f.llm if f.llm in ("llm", "cache") else f.source or "template",
                    "input_tokens": f.input_tokens,
                    "output_tokens": f.output_tokens,
                    "cost_usd": round(f.cost_usd, 6),
                    "reason": f.reason or "",
                }
            )
    budget = session.budget.limit if session is not None else None
    return {
        "total_cost_usd": round(sum(f["cost_usd"] for f in functions), 6),
        "input_tokens": sum(f["input_tokens"] for f in functions),
        "output_tokens": sum(f["output_tokens"] for f in functions),
        "calls": session.calls if session is not None else 0,
        "budget_usd": budget,
        "budget_exceeded": any(f["status"] == "over-budget" for f in functions),
        "unpriced": bool(session is not None and session.unpriced),
        "functions": functions,
    }


def write_markdown(data: dict) -> str:
    budget = f" of ${data['budget_usd']:.4f}" if data["budget_usd"] is not None else ""
    lines = [
        "## telemetry-inject cost report",
        "",
        f"**${data['total_cost_usd']:.4f}**{budget} · {data['calls']} LLM calls · "
        f"{data['input_tokens']} input + {data['output_tokens']} output tokens"
        + (" · budget reached: some functions were not enriched" if data["budget_exceeded"] else ""),
        "",
        "| file | function | source | status | tokens in/out | cost |",
        "|---|---|---|---|---:|---:|",
    ]
    for f in data["functions"]:
        status = f["status"] + (f" ({f['reason']})" if f["reason"] else "")
        lines.append(f"| `{f['file']}` | `{f['function']}` | {f['source']} | {status} | {f['input_tokens']}/{f['output_tokens']} | ${f['cost_usd']:.4f} |")
    return "\n".join(lines) + "\n"
