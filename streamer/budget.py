"""A spend budget for shadow generation: token and dollar limits per arm per hour.

Within budget every record's shadow reply is generated. Once the hour's tokens or
dollars are spent, the worker samples less: only `exhausted_share` of the records get
a shadow reply for the rest of the hour; the others are published as outcome
`skipped`, reason `budget`, and their live arm is still graded. The limit is soft:
spending goes on at the reduced share, which bounds the overshoot to that share of
the hour's remaining traffic.

The budget is each worker's own: with N workers the stream may spend N times the
limit, so set the limit per worker (the whole budget divided by the replicas).

Which records are sampled is decided by a hash of the record id, not a random draw,
so a redelivered record is decided the same way and the sample is reproducible.

Agent trajectories are budgeted like chats: one decision per record (every cut's
shadow replay is generated or none is), and every token of a replay is charged,
the candidate's at the candidate's prices and the model tool simulator's at its own
(`TokenPrices`), so the same hourly limit bounds both kinds of traffic.

Sampling weight: a shadow reply sampled at share s stands for 1/s records like it, so
its weight is the record's weight (1 / sampling probability) divided by s. Weighted
rates stay unbiased as long as the share does not move with the behaviour measured;
unweighted counts over an hour that changed share over-represent its early records.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """What one model's tokens cost, in US dollars per 1,000 tokens."""

    prompt: float = 0.0
    completion: float = 0.0

    def dollars(self, prompt_tokens: int, completion_tokens: int) -> float:
        """The price of a call that used these tokens."""
        return (
            prompt_tokens * self.prompt + completion_tokens * self.completion
        ) / 1000


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    """Limits per hour (0 = unlimited) and the prices that turn tokens into dollars."""

    tokens_per_hour: int = 0
    dollars_per_hour: float = 0.0
    dollars_per_1k_prompt_tokens: float = 0.0
    dollars_per_1k_completion_tokens: float = 0.0
    exhausted_share: float = 0.1

    @property
    def unlimited(self) -> bool:
        """Whether no limit is set at all."""
        return not self.tokens_per_hour and not self.dollars_per_hour

    @property
    def candidate_prices(self) -> TokenPrices:
        """The candidate's prices, which `Budget.charge` applies by default."""
        return TokenPrices(
            self.dollars_per_1k_prompt_tokens, self.dollars_per_1k_completion_tokens
        )


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a record's shadow reply is generated, and at what sampled share."""

    sampled: bool
    share: float


class Budget:
    """Tracks one arm's spend in the current hour and decides what to sample."""

    def __init__(
        self, limits: BudgetLimits, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._hour = self._current_hour()
        self.tokens = 0
        self.dollars = 0.0

    @property
    def exhausted(self) -> bool:
        """Whether the current hour's token or dollar limit is reached."""
        self._roll()
        tokens, dollars = self.limits.tokens_per_hour, self.limits.dollars_per_hour
        return bool(
            (tokens and self.tokens >= tokens) or (dollars and self.dollars >= dollars)
        )

    @property
    def share(self) -> float:
        """The share of records sampled now."""
        return self.limits.exhausted_share if self.exhausted else 1.0

    def admit(self, record_id: str) -> Admission:
        """Decide, the same way on every delivery, whether to generate this record."""
        share = self.share
        return Admission(sampled=unit_hash(record_id) < share, share=share)

    def charge(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        *,
        prices: TokenPrices | None = None,
    ) -> float:
        """Add one call's tokens to the hour's spend; return its price in dollars.

        `prices` are the called model's; the candidate's when not given.
        """
        self._roll()
        prices = prices or self.limits.candidate_prices
        dollars = prices.dollars(prompt_tokens, completion_tokens)
        self.tokens += prompt_tokens + completion_tokens
        self.dollars += dollars
        return dollars

    def _current_hour(self) -> int:
        return int(self._clock() // HOUR_S)

    def _roll(self) -> None:
        hour = self._current_hour()
        if hour != self._hour:
            self._hour, self.tokens, self.dollars = hour, 0, 0.0


def unit_hash(key: str) -> float:
    """A key (a record id, salted for other samples) mapped uniformly onto [0, 1)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "big") / 2**64
