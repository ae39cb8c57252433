"""Text and JSON renderings of per-file results."""
from __future__ import annotations

from pathlib import Path
from typing import TextIO

from telemetry_inject.engine.run import Coverage, runtime_paths
from telemetry_inject.results import Changed, Failed, FileResult, Skipped, Unchanged


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _kind(result: FileResult) -> str:
    return {Changed: "changed", Unchanged: "unchanged", Skipped: "skipped", Failed: "failed"}[type(result)]


def result_json(result: FileResult) -> dict:
    record: dict = {"path": result.path.as_posix(), "status": _kind(result)}
    if isinstance(result, (Skipped, Failed)):
        record["reason"] = result.reason
    if isinstance(result, (Changed, Unchanged)):
        record["functions"] = [
            {
                "function": f.qualname,
                "line": f.line,
                "status": f.status,
                **({"source": f.source} if f.source else {}),
                **(
                    {"llm": f.llm, "input_tokens": f.input_tokens, "output_tokens": f.output_tokens, "cost_usd": round(f.cost_usd, 6)}
                    if f.llm
                    else {}
                ),
                **({"reason": f.reason} if f.reason else {}),
            }
            for f in result.functions
        ]
    if isinstance(result, Unchanged) and result.cached:
        record["cached"] = True
    if isinstance(result, Changed) and result.runtime_created:
        record["runtime_created"] = result.runtime_created.as_posix()
        record["runtime_files"] = [p.as_posix() for p in runtime_paths(result)]
    return record


def created_line(result: Changed) -> str:
    """The announcement of a new runtime, with the `git add` for all of its files."""
    files = " ".join(shown(p) for p in runtime_paths(result))
    return f"created {shown(result.runtime_created)}: run `git add {files}`\n"


def problem_line(result: Skipped | Failed) -> str:
    return f"{result.path.as_posix()}: {result.reason}"


def write_run(results: list[FileResult], out: TextIO, err: TextIO, fmt: str, verb: str, would: bool) -> None:
    changed = [r for r in results if isinstance(r, Changed)]
    functions = sum(len(r.functions) for r in changed)
    if fmt == "json":
        import json

        summary = {"files_changed": len(changed), "functions": functions, "files_seen": len(results)}
        json.dump({"files": [result_json(r) for r in results], "summary": summary}, out, indent=2)
        out.write("\n")
        return
    for line in _skipped_lines([r for r in results if isinstance(r, Skipped)]):
        err.write(line)
    for result in results:
        if isinstance(result, Failed):
            err.write(f"error: {problem_line(result)}\n")
        elif isinstance(result, Changed):
            if result.diff:
                out.write(result.diff)
            names = ", ".join(f.qualname for f in result.functions)
            out.write(f"{'would change' if would else verb} {result.path.as_posix()}{': ' + names if names else ''}\n")
    for result in changed:
        if result.runtime_created:
            out.write(created_line(result))
    prefix = "would have " if would else ""
    noun = "functions" if verb == "instrumented" else "files"
    count = functions if verb == "instrumented" else len(changed)
    out.write(f"{prefix}{verb} {count} {noun} in {len(changed)} files\n" if verb == "instrumented" else f"{prefix}{verb} {count} {noun}\n")


_SAME_REASON = 5  # more files than this skipped for one reason are summed up in one line


def _skipped_lines(skipped: list[Skipped]) -> list[str]:
    """One line per skipped file; a reason shared by many files (a Rails app's .rb files without
    `--llm fallback`) is one line with a count and a few examples."""
    by_reason: dict[str, list[Skipped]] = {}
    for result in skipped:
        by_reason.setdefault(result.reason, []).append(result)
    lines = []
    for reason, group in by_reason.items():
        if len(group) > _SAME_REASON:
            examples = ", ".join(r.path.as_posix() for r in group[:3])
            lines.append(f"skipped {len(group)} files ({examples}, …): {reason}\n")
        else:
            lines += [f"skipped: {problem_line(r)}\n" for r in group]
    return lines


def write_status(rows: list[Coverage | FileResult], out: TextIO, err: TextIO, fmt: str) -> None:
    coverage = [r for r in rows if isinstance(r, Coverage)]
    total_in = sum(r.instrumented for r in coverage)
    total_missing = sum(r.missing for r in coverage)
    if fmt == "json":
        import json

        files = [
            {"path": r.path.as_posix(), "instrumented": r.instrumented, "missing": r.missing, "skipped": r.skipped}
            if isinstance(r, Coverage)
            else result_json(r)
            for r in rows
        ]
        json.dump({"files": files, "total": {"instrumented": total_in, "missing": total_missing}}, out, indent=2)
        out.write("\n")
        return
    for row in rows:
        if isinstance(row, Coverage):
            total = row.instrumented + row.missing
            out.write(f"{row.path.as_posix()}: {row.instrumented}/{total} instrumented{_pct(row.instrumented, total)}\n")
        elif isinstance(row, (Skipped, Failed)):
            err.write(f"skipped: {problem_line(row)}\n")
    total = total_in + total_missing
    out.write(f"total: {total_in}/{total} functions instrumented{_pct(total_in, total)} in {len(coverage)} files\n")


def _pct(part: int, whole: int) -> str:
    return f" ({100 * part / whole:.0f}%)" if whole else ""

