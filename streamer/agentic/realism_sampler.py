"""The realism checks in the worker: a sample of agent records, judged as they pass.

`python -m streamer.agentic realism|awareness` measure a corpus offline; this module
puts the same two questions to the judge about a share of the live agent records,
so that their rates are exported while the worker runs (`streamer.metrics`:
`depsim_realism_*`, `depsim_eval_awareness_*`). For a sampled record:

1. one cut is chosen among the assistant turns that call tools, by a hash of the
   record id (a redelivered record gets the same one);
2. the recorded continuation from it, up to `max_tool_results` tool results, is
   paired with the same turns with every tool result re-simulated while the
   trajectory's own recordings are held out (`realism.pair_at`): the tool
   simulator is what is being checked, not the candidate. The discriminator is
   asked which continuation is the recording, the recording shown first or second
   by a hash of the id;
3. the awareness probe is asked about three contexts: the recorded trajectory up to
   the end of that window (`recorded_trajectory`), the same with the re-simulated
   tool results (`simulated_trajectory`), and one XSTest prompt picked by a hash of
   the id (`xstest`, the reference an evaluation looks like).

Records are sampled by a salted hash of their id against `share`, independently of
the budget's own sample. A judge failure, a timeout or an unreadable answer is a
counted non-result (verdict `none`), never an error of the record; a record with no
pair to judge is counted by reason. Only record ids and failure kinds reach the log,
never content.

Counts accumulate per worker: the counters let Prometheus sum them across replicas;
the per-pod rate gauges carry a Wilson 95% interval. A redelivered record is checked
and counted again, which at the default share is rare and unbiased.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from streamer.agentic.accounts import ReplayAccounts
from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.realism import (
    EVAL_LIKE,
    RECORDED,
    ContinuationPair,
    JudgeAnswer,
    Rate,
    judge_context,
    judge_pair,
    pair_at,
    recorded_window,
    xstest_contexts,
)
from streamer.agentic.simulator import SimulationError, ToolSimulator
from streamer.budget import unit_hash
from streamer.conversation import Cut
from streamer.cutpoints import CutPoint, replayable_turns
from streamer.records import Message, TrafficRecord

log = logging.getLogger(__name__)

RECORDED_SET = "recorded_trajectory"
SIMULATED_SET = "simulated_trajectory"
REFERENCE_SET = "xstest"
NO_ANSWER = "none"
NO_TOOL_RESULTS = "no_tool_results"
TIMED_OUT = "timeout"

Context = tuple[Message, ...]


@dataclass
class RealismTally:
    """This worker's answered questions so far.

    The discriminator's as answered and correct; the awareness probe's per set as
    (answered, eval_like).
    """

    answered: int = 0
    correct: int = 0
    awareness: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add_pair(self, choice: str) -> None:
        """Count one answered pair: `recorded` is right, `simulated` wrong."""
        self.answered += 1
        self.correct += choice == RECORDED

    def add_probe(self, set_name: str, choice: str) -> None:
        """Count one answered context of a set."""
        answered, eval_like = self.awareness.get(set_name, (0, 0))
        self.awareness[set_name] = (answered + 1, eval_like + (choice == EVAL_LIKE))


class RealismSampler:
    """Runs the discriminator and the awareness probe on sampled agent records."""

    def __init__(
        self,
        judge: ChatEndpoint,
        simulator: ToolSimulator,
        accounts: ReplayAccounts,
        *,
        share: float,
        max_tool_results: int = 4,
        time_limit_s: float = 60.0,
        reference: Sequence[Context] | None = None,
    ) -> None:
        """Checks with `judge`, re-simulating with `simulator`.

        `simulator` must hold each trajectory's own recordings out; `accounts`
        carries the metrics (once bound) and is charged the simulator's tokens.
        """
        if not 0.0 <= share <= 1.0:
            raise ValueError("the realism share must be within [0, 1]")
        if not simulator.exclude_trajectory:
            raise ValueError("the realism simulator must hold trajectories out")
        self.judge = judge
        self.simulator = simulator
        self.accounts = accounts
        self.share = share
        self.max_tool_results = max_tool_results
        self.time_limit_s = time_limit_s
        self.tally = RealismTally()
        self._reference = tuple(reference or xstest_contexts())

    def sampled(self, record_id: str) -> bool:
        """Whether this record is checked: the same answer on every delivery."""
        return in_sample(record_id, self.share)

    def initialise_metrics(self) -> None:
        """Create the checks' series at 0 in the bound metrics."""
        if self.accounts.metrics is not None:
            self.accounts.metrics.initialise_realism(self.judge.model)

    async def check(self, record: TrafficRecord) -> None:
        """Judge one agent record and count every outcome.

        Never raises for the judge's or the simulator's failures.
        """
        deadline = asyncio.get_running_loop().time() + self.time_limit_s
        point = realism_cut(record)
        pair, unpaired = await self._pair(record, point, deadline)

        contexts = self._contexts(record, point, pair)
        questions = [
            judge_context(self.judge, context, deadline=deadline)
            for context in contexts.values()
        ]
        if pair is not None:
            first = unit_hash(f"realism-order:{record.id}") < 0.5
            questions.append(
                judge_pair(self.judge, pair, recorded_first=first, deadline=deadline)
            )
        answers = await asyncio.gather(*questions)

        probes = dict(zip(contexts, answers, strict=False))
        verdict = answers[-1] if pair is not None else None
        self._count(record, unpaired, verdict, probes)

    async def _pair(
        self, record: TrafficRecord, point: CutPoint | None, deadline: float
    ) -> tuple[ContinuationPair | None, str | None]:
        """The pair to judge, or None and why there is none."""
        if point is None:
            return None, NO_TOOL_RESULTS
        try:
            async with asyncio.timeout_at(deadline):
                pair = await pair_at(
                    record,
                    point,
                    self.simulator,
                    max_tool_results=self.max_tool_results,
                )
        except TimeoutError:
            return None, TIMED_OUT
        except SimulationError as failure:
            return None, str(failure.reason)

        if pair is None:
            return None, NO_TOOL_RESULTS
        self.accounts.charge_simulation(pair.tool_results)
        return pair, None

    def _contexts(
        self,
        record: TrafficRecord,
        point: CutPoint | None,
        pair: ContinuationPair | None,
    ) -> dict[str, Context]:
        """The contexts put to the awareness probe, by set.

        The recorded trajectory up to the end of the judged window (the whole record
        when no turn calls a tool), the same re-simulated when there is a pair, and
        an XSTest prompt.
        """
        recorded = tuple(record.messages)
        if point is not None:
            after = record.messages[point.index :]
            recorded = point.cut.prefix + recorded_window(after, self.max_tool_results)
        reference = self._reference[_pick(f"xstest:{record.id}", len(self._reference))]

        contexts = {RECORDED_SET: recorded, REFERENCE_SET: reference}
        if pair is not None:
            contexts[SIMULATED_SET] = pair.context + pair.simulated
        return contexts

    def _count(
        self,
        record: TrafficRecord,
        unpaired: str | None,
        verdict: JudgeAnswer | None,
        probes: dict[str, JudgeAnswer],
    ) -> None:
        metrics, judge = self.accounts.metrics, self.judge.model
        answers = [*probes.values(), *([verdict] if verdict else [])]
        failures = sorted({a.failure for a in answers if a.failure is not None})
        if failures:
            log.warning(
                "realism check of %s: %d of %d judge calls gave no answer (%s)",
                record.id,
                sum(a.choice is None for a in answers),
                len(answers),
                ", ".join(failures),
            )

        if verdict is not None and verdict.choice is not None:
            self.tally.add_pair(verdict.choice)
        for set_name, answer in probes.items():
            if answer.choice is not None:
                self.tally.add_probe(set_name, answer.choice)
        if metrics is None:
            return

        for answer in answers:
            metrics.observe_model_call(
                "judge",
                judge,
                seconds=answer.seconds,
                prompt_tokens=answer.prompt_tokens,
                completion_tokens=answer.completion_tokens,
                error=answer.failure,
            )
        if unpaired is not None:
            metrics.observe_realism_unpaired(unpaired)
        if verdict is not None:
            metrics.observe_realism_pair(judge, verdict.choice or NO_ANSWER)
        for set_name, answer in probes.items():
            metrics.observe_awareness(set_name, judge, answer.choice or NO_ANSWER)
        self._publish()

    def _publish(self) -> None:
        """Export this worker's rates so far, with their intervals."""
        metrics, judge, tally = self.accounts.metrics, self.judge.model, self.tally
        if metrics is None:
            return
        if tally.answered:
            accuracy = Rate(tally.correct, tally.answered)
            won = Rate(tally.answered - tally.correct, tally.answered)
            metrics.publish_realism(judge, _bounds(accuracy), _bounds(won))
        for set_name, (answered, eval_like) in tally.awareness.items():
            metrics.publish_awareness(
                set_name, judge, _bounds(Rate(eval_like, answered))
            )


def in_sample(record_id: str, share: float) -> bool:
    """Whether a record is in the realism checks' sample of `share`.

    A hash of its id, salted so that the sample is independent of the budget's.
    """
    return unit_hash(f"realism:{record_id}") < share


def realism_cut(record: TrafficRecord) -> CutPoint | None:
    """One assistant turn that calls tools, picked by a hash of the record id.

    None when no turn calls a tool.
    """
    messages = record.messages
    turns = [i for i in replayable_turns(messages) if messages[i].tool_calls]
    if not turns:
        return None
    index = turns[_pick(f"cut:{record.id}", len(turns))]
    cut = Cut(
        prefix=tuple(messages[:index]),
        reply=messages[index],
        dropped_turns=len(messages) - index - 1,
    )
    return CutPoint(index, cut)


def _pick(key: str, size: int) -> int:
    """An index in [0, size) from a hash of `key`."""
    return min(int(unit_hash(f"realism-pick:{key}") * size), size - 1)


def _bounds(rate: Rate) -> tuple[float, float, float]:
    value, interval = rate.value, rate.interval
    if value is None or interval is None:
        raise ValueError("a rate with no answers has no bounds")
    return value, interval[0], interval[1]
