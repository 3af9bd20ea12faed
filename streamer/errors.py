"""depsim's exceptions: one root, translated from library errors at the boundary.

    DepsimError
    ├── ConfigurationError      settings that cannot work together
    ├── RecordRejected          a traffic record that will never reach a model
    ├── BrokerError             the Kafka-protocol broker cannot be started or reached
    └── GenerationError         the candidate endpoint gave no usable reply
        ├── EndpointUnavailable     connection refused, reset, or timed out
        ├── EndpointRejected        4xx other than rate limiting: the request is wrong
        ├── RateLimited             429: retry after the endpoint's stated delay
        ├── QuotaExhausted          429 insufficient_quota: stop calling, alert
        ├── GenerationTimeout       the whole call passed its wall-clock deadline
        ├── CircuitOpen             the endpoint's breaker is open: no call made
        └── IncompleteReply         the reply was cut off or empty

`retriable` on an error says whether trying the same call again can help; retry loops
read it instead of matching on types.
"""

from __future__ import annotations


class DepsimError(Exception):
    """Root of every error depsim raises on purpose."""

    retriable = False


class ConfigurationError(DepsimError):
    """Raised when settings are inconsistent or unusable."""


class RecordRejected(DepsimError):
    """Raised when a traffic record fails parsing, validation or the privacy gate."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class BrokerError(DepsimError):
    """Raised when the broker cannot be started, reached or set up."""


class GenerationError(DepsimError):
    """Raised when the candidate endpoint does not yield a usable reply."""

    reason = "generation_failed"


class EndpointUnavailable(GenerationError):
    """Raised on connection errors, timeouts and 5xx answers."""

    retriable = True
    reason = "endpoint_unavailable"


class EndpointRejected(GenerationError):
    """Raised on 4xx answers that retrying will not change."""

    reason = "endpoint_rejected"


class RateLimited(GenerationError):
    """Raised on 429 answers; `retry_after_s` is the delay the endpoint asked for."""

    retriable = True
    reason = "rate_limited"

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QuotaExhausted(GenerationError):
    """Raised on 429 `insufficient_quota`, and on every call until it is rechecked."""

    reason = "quota_exhausted"


class GenerationTimeout(GenerationError):
    """Raised when a call, retries included, runs past its wall-clock deadline."""

    reason = "generation_timeout"


class CircuitOpen(GenerationError):
    """Raised instead of calling an endpoint whose circuit breaker is open."""

    reason = "circuit_open"


class IncompleteReply(GenerationError):
    """Raised when a reply was truncated or empty: never graded as a short reply."""

    reason = "incomplete_reply"
