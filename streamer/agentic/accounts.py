"""What agent replays spend: charged to the worker's budget, counted in its metrics.

The pipeline admits and charges chat shadow replies (`streamer.pipeline`); agent
records are admitted and charged here, by the same `streamer.budget.Budget`:

- one decision per record, by the hash of its id: past the hour's limit only the
  budget's share of agent records is replayed; the others' shadow arms are
  published as `skipped` (reason `budget`), their live arms are still graded, and
  `depsim_budget_skipped_total` counts them as it counts chats;
- every token of a replay is charged: the candidate's at the candidate's prices,
  the model tool simulator's at its own (`TokenPrices`), and so are the tool
  simulator's tokens spent re-simulating for the realism checks;
- each simulator call that a model answered is counted under role `simulator`
  (requests, tokens, dollars); the candidate's calls are counted when their graded
  records are published (`Metrics.observe_graded`), as for chats.

The worker's runtime passes the pipeline's own budget and metrics to
`build_agentic_arms`; without them every record is replayed and nothing is counted.
"""

from __future__ import annotations

from collections.abc import Iterable

from streamer.agentic.replay import Continuation
from streamer.agentic.simulator import ToolResult
from streamer.budget import Admission, Budget, TokenPrices
from streamer.metrics import Metrics
from streamer.reasons import Reason

EVERY_RECORD = Admission(sampled=True, share=1.0)


class ReplayAccounts:
    """The budget and metrics that agent replays are charged to and counted in."""

    def __init__(
        self,
        *,
        simulator_model: str = "",
        simulator_prices: TokenPrices | None = None,
        budget: Budget | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.simulator_model = simulator_model
        self.simulator_prices = simulator_prices or TokenPrices()
        self.budget = budget
        self.metrics = metrics

    def admit(self, record_id: str) -> Admission:
        """Whether this record's shadow replays run, and at what sampled share.

        Exports the budget's state as the pipeline does for chats, and counts a
        record left out.
        """
        if self.budget is None:
            return EVERY_RECORD
        admission = self.budget.admit(record_id)

        if self.metrics is not None:
            self.metrics.set_budget_share(admission.share)
            self.metrics.set_budget(
                self.budget.limits.dollars_per_hour, self.budget.exhausted
            )
            if not admission.sampled:
                self.metrics.budget_skipped.inc()
        return admission

    def charge_replay(self, continuation: Continuation, candidate_model: str) -> None:
        """Charge one continuation: the candidate's tokens, then its tool calls'."""
        if self.budget is not None:
            dollars = self.budget.charge(
                continuation.prompt_tokens, continuation.completion_tokens
            )
            if self.metrics is not None and dollars:
                self.metrics.add_cost("candidate", candidate_model, dollars)
        self.charge_simulation(continuation.tool_results)
        if continuation.reason == Reason.TOOL_SIMULATOR_FAILED:
            self._count_simulator_call(0, 0, error=continuation.reason)

    def charge_simulation(self, results: Iterable[ToolResult]) -> None:
        """Charge and count the tool results a model wrote.

        Database answers and unknown-tool errors cost nothing.
        """
        for result in results:
            if result.source != "model":
                continue
            prompt, completion = result.prompt_tokens, result.completion_tokens
            dollars = 0.0
            if self.budget is not None:
                dollars = self.budget.charge(
                    prompt, completion, prices=self.simulator_prices
                )
            self._count_simulator_call(prompt, completion, dollars=dollars)

    def _count_simulator_call(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        dollars: float = 0.0,
        error: str | None = None,
    ) -> None:
        if self.metrics is None:
            return
        model = self.simulator_model or "unnamed"
        self.metrics.observe_model_call(
            "simulator",
            model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            error=error,
        )
        if dollars:
            self.metrics.add_cost("simulator", model, dollars)
