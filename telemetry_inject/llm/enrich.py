"""Enrichment: ask the model for a few span attributes per function, verify, retry with the reason.

Every answer goes through its task's verifier (I9) before anything is used; a
cached answer is verified again. The budget is checked before each call
against a pessimistic estimate (whole prompt + every allowed output token).
Calls run on an asyncio event loop with the SDKs' async clients, at most
``max_parallel`` functions in flight (``--max-parallel``; ``--no-parallel``: 1).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from telemetry_inject.llm.cost import Budget, BudgetExceeded, pessimistic_estimate, price
from telemetry_inject.llm.providers import Clients, ProviderError, ProviderSettings, acomplete
from telemetry_inject.llm.lessons import learn, prompt_lessons
from telemetry_inject.llm.verify import Verdict, verify_python_enrichment

PROMPT_VERSION = "python-enrich-1"
MODEL_FAILURES = 3  # consecutive errors that set a model aside for the rest of the run
_RULES = """You add span attributes to one Python function for telemetry.
Return the function exactly as given, every line byte for byte, with one to five
lines added in its own body of the form
    _tel.attr("lowercase.dotted.name", lambda: <expression>)
The expression only reads: names, attributes, constant subscripts, literals, len(x).
Pick meaningful values: ids, sizes, counts, statuses. Never secrets.
Answer with the function only."""


_REFLECT = """Attempts to add span attributes to the function below were refused by a strict verifier.
In at most five short bullet points, say what keeps going wrong and exactly how to avoid it.
Do not write code."""


def enrich_task(session: LLMSession, text: bytes, unit, raw: bytes) -> Task:
    """Span attributes for a Python function (``--llm enrich``); ``engine.run.ENRICHERS`` calls this."""
    return session.python_task(text)


class Enrichment(NamedTuple):
    status: str  # llm | cache | refused | over-budget | error
    insertions: tuple[tuple[int, bytes], ...]
    reason: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0


class Task(NamedTuple):
    """One function's question: the system prompt, the user message, and how its answer is checked (I9)."""

    system: str
    user: str
    verify: Callable[[str], Verdict]
    language: str = "python"


class LLMSession:
    """What one run shares across functions: the provider, the budget, the cache and the totals."""

    def __init__(
        self,
        provider: ProviderSettings,
        budget_usd: float | None,
        max_retries: int = 3,
        max_output_tokens: int = 2048,
        reflection_threshold: int = 2,
        project_lessons: Path | None = None,
        learn: bool = False,
    ) -> None:
        self.provider = provider
        self.reflection_threshold = reflection_threshold
        self.budget = Budget(budget_usd)
        self.max_retries = max_retries
        self.max_output_tokens = max_output_tokens
        self.calls = 0
        self.unpriced = False
        self.max_parallel = 12
        self._done: dict[str, Enrichment] = {}  # prefetched results by cache key
        self._failures: dict[str, int] = {}  # consecutive provider errors per model
        self.project_lessons = project_lessons
        self.learn = learn and project_lessons is not None
        self.learned: list[Path] = []  # lesson files --learn wrote this run
        self.system = _RULES + "\n\n" + prompt_lessons(project_lessons, "python")

    def python_task(self, function_text: bytes) -> Task:
        """Span attributes for a Python function (``--llm enrich``)."""
        code = "```python\n" + function_text.decode("utf-8", "replace") + "```"
        return Task(self.system, code, lambda answer: verify_python_enrichment(function_text, answer), "python")

    def task(self, language: str, rules: str, function_text: bytes, verify: Callable[[str], Verdict]) -> Task:
        """One function's question in ``language`` under ``rules`` (plus the lessons), checked by ``verify``."""
        system = rules + "\n\n" + prompt_lessons(self.project_lessons, language)
        code = f"```{language}\n" + function_text.decode("utf-8", "replace") + "```"
        return Task(system, code, verify, language)

    def estimate(self, function_text: bytes, system: str | None = None) -> float:
        """A pessimistic price for one attempt at this function (no call is made)."""
        user_chars = len(function_text) + 16
        model = self.provider.models[0]
        return pessimistic_estimate(self.provider.provider, model, (len(system or self.system) + user_chars) // 3 + 16, self.max_output_tokens)

    def prefetch(self, jobs: list[tuple[str, Task]], cache_get=None, cache_put=None, on_done: Callable[[int, int, float], None] | None = None) -> None:
        """Enrich many functions on one event loop, at most ``max_parallel`` of them in flight.

        Everything, cache reads and writes included, stays on this thread (SQLite handles are per thread).
        """
        pending = {}
        for key, task in jobs:
            if key in self._done or key in pending:
                continue
            cached = self._from_cache(task, cache_get, key)
            if cached is not None:
                self._done[key] = cached
            else:
                pending[key] = task
        if pending:
            asyncio.run(self._prefetch(pending, cache_put, on_done))

    async def _prefetch(self, pending: dict[str, Task], cache_put, on_done) -> None:
        limit = asyncio.Semaphore(max(1, self.max_parallel))
        async with Clients(self.provider) as clients:

            async def one(key: str, task: Task) -> tuple[str, Enrichment, bytes | None]:
                async with limit:
                    return (key, *await self._ask(task, clients))

            # Tasks start in the jobs' order (as_completed would make them from a set), and the semaphore
            # lets them in first come, first served: with --no-parallel the calls go out in file order.
            tasks = [asyncio.ensure_future(one(key, task)) for key, task in pending.items()]
            for done, finished in enumerate(asyncio.as_completed(tasks), 1):
                key, result, answer = await finished
                self._done[key] = result
                if answer is not None and cache_put:
                    cache_put(key, answer)
                if on_done is not None:  # the progress display: functions answered, and the money spent so far
                    on_done(done, len(pending), self.budget.spent)

    def enrich(self, function_text: bytes, cache_get=None, cache_put=None, key: str = "", task: Task | None = None) -> Enrichment:
        """One function's verified answer (prefetched, cached or asked now); ``task`` defaults to Python attributes."""
        if key in self._done:
            return self._done.pop(key)
        task = task or self.python_task(function_text)
        cached = self._from_cache(task, cache_get, key)
        if cached is not None:
            return cached

        async def ask() -> tuple[Enrichment, bytes | None]:
            async with Clients(self.provider) as clients:
                return await self._ask(task, clients)

        result, answer = asyncio.run(ask())
        if answer is not None and cache_put and key:
            cache_put(key, answer)
        return result

    def _from_cache(self, task: Task, cache_get, key: str) -> Enrichment | None:
        if cache_get and key:
            hit = cache_get(key)
            if hit is not None:
                verdict = task.verify(hit[0].decode("utf-8", "replace"))
                if verdict.accepted:  # a shared cache is no way around I9
                    return Enrichment("cache", verdict.insertions, "")
        return None

    async def _ask(self, task: Task, clients: Clients) -> tuple[Enrichment, bytes | None]:
        """Ask, verify, retry with the reason; (result, the verified function to cache or None)."""
        spent = [0, 0, 0.0, 0]  # input tokens, output tokens, USD, calls for this function
        code = task.user
        feedback = guidance = ""
        reasons: list[str] = []
        for attempt in range(self.max_retries + 1):
            if len(reasons) >= self.reflection_threshold and not guidance:
                # What keeps going wrong, summarised once, joins every later attempt.
                summary = "\n".join(f"- attempt {i}: {r}" for i, r in enumerate(reasons, 1))
                reflection = await self._call(clients, self.provider.models[0], _REFLECT, f"{code}\n\nRefusals so far:\n{summary}", 300, spent)
                if isinstance(reflection, Enrichment):
                    return reflection, None
                guidance = "\n\nGuidance from reviewing the refused attempts:\n" + reflection.strip()
            models = self._models()
            model = models[(spent[3] + attempt) % len(models)]
            answer = await self._call(clients, model, task.system, code + guidance + feedback, self.max_output_tokens, spent)
            if isinstance(answer, Enrichment):
                if answer.status == "error" and any(m != model for m in self._models()) and attempt < self.max_retries:
                    continue  # another model may answer
                return answer, None
            verdict = task.verify(answer)
            if verdict.accepted:
                if reasons and self.learn:
                    self._learn(task.language, reasons)
                return Enrichment("llm", verdict.insertions, "", *spent), verdict.function
            reasons.append(verdict.reason)
            feedback = f"\n\nYour previous answer was refused: {verdict.reason}. Return the function again, following the rules."
        return Enrichment("refused", (), reasons[-1], *spent), None

    def _learn(self, language: str, reasons: list[str]) -> None:
        """A retry succeeded after refusals: record a lesson for each failure class no lesson covers (--learn)."""
        for reason in reasons:
            path = learn(self.project_lessons, language, reason)
            if path is not None:
                self.learned.append(path)

    def _models(self) -> list[str]:
        """The rotation, less models that failed MODEL_FAILURES times in a row (set aside for the run)."""
        usable = [m for m in self.provider.models if self._failures.get(m, 0) < MODEL_FAILURES]
        return usable or list(self.provider.models)

    def set_aside(self) -> list[str]:
        return [m for m in self.provider.models if self._failures.get(m, 0) >= MODEL_FAILURES]

    async def _call(self, clients: Clients, model: str, system: str, user: str, max_tokens: int, spent: list) -> str | Enrichment:
        """One budgeted, priced call: the answer's text, or the Enrichment that ends this function."""
        estimate = pessimistic_estimate(self.provider.provider, model, (len(system) + len(user)) // 3 + 16, max_tokens)
        try:
            self.budget.check(estimate)  # reserves the estimate: no await between the check and the call's start
        except BudgetExceeded as exc:
            return Enrichment("over-budget", (), str(exc), *spent)
        try:
            reply = await acomplete(clients, model, system, user, max_tokens)
        except ProviderError as exc:
            self.budget.record(price(self.provider.provider, model, 0, 0), reserved_usd=estimate)
            self._failures[model] = self._failures.get(model, 0) + 1
            return Enrichment("error", (), str(exc), *spent)
        priced = price(self.provider.provider, model, reply.input_tokens, reply.output_tokens)
        self.budget.record(priced, reserved_usd=estimate)
        self.unpriced |= not priced.priced
        self.calls += 1
        self._failures[model] = 0
        spent[0] += reply.input_tokens
        spent[1] += reply.output_tokens
        spent[2] += priced.usd
        spent[3] += 1
        return reply.text
