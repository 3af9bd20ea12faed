"""A circuit breaker per endpoint: stop calling an endpoint that keeps failing.

A small state machine rather than a library: `purgatory` (the maintained asyncio
breaker on PyPI) keeps its state behind an async unit of work and reports changes on
a message bus, and `aiobreaker` has had no release since 2021. depsim needs three
things only, a synchronous "may I call?", failures counted by depsim's own policy
(only what retries could not fix) and every change of state exported as a metric, so
the twenty lines below are simpler than adapting either.

    closed ──(threshold consecutive failures)──► open ──(cool-down)──► half-open
       ▲                                                                   │
       └──────────────(the probe call succeeds)─────────────────────────────┤
                      (the probe call fails: open again) ◄──────────────────┘
"""

from __future__ import annotations

import time
from collections.abc import Callable

from streamer.errors import CircuitOpen

OnChange = Callable[[bool], None]


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; lets one probe through later."""

    def __init__(
        self,
        *,
        threshold: int,
        cooldown_s: float,
        on_change: OnChange | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._on_change = on_change
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        """Whether calls are being skipped (half-open counts as open)."""
        return self._opened_at is not None

    def before_call(self) -> None:
        """Raise `CircuitOpen` unless a call may go out now."""
        if self._opened_at is None:
            return
        cooled = self._clock() - self._opened_at >= self.cooldown_s
        if cooled and not self._probing:
            self._probing = True  # half-open: this one call probes the endpoint
            return
        raise CircuitOpen("the endpoint's circuit breaker is open")

    def record_success(self) -> None:
        """A call succeeded: close the breaker."""
        self._failures = 0
        self._probing = False
        if self._opened_at is not None:
            self._opened_at = None
            self._notify(False)

    def record_failure(self) -> None:
        """A call failed in a way retries could not fix."""
        self._failures += 1
        if self._probing or (
            self._opened_at is None and self._failures >= self.threshold
        ):
            was_open = self._opened_at is not None
            self._opened_at = self._clock()
            self._probing = False
            if not was_open:
                self._notify(True)

    def record_neutral(self) -> None:
        """A call ended without saying anything about the endpoint's health."""
        self._probing = False

    def _notify(self, is_open: bool) -> None:
        if self._on_change is not None:
            self._on_change(is_open)
