"""depsim's settings: one typed class, from the environment and mounted secret files.

Sources, first match wins: keyword arguments, `DEPSIM_*` environment variables, files
in the secrets directory (Kubernetes mounts one file per key), then the defaults here.
Defaults run the demo on this machine; production values are set per deployment.
Settings are never logged or printed: `SecretStr` keeps keys out of reprs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from estimators import DEFAULT_WOBBLE, DEFAULT_WOBBLE_SHAPE, WobbleShape
from streamer.errors import ConfigurationError

DEFAULT_SECRETS_DIR = Path("/run/secrets/depsim")

Positive = Annotated[float, Field(gt=0)]


class Settings(BaseSettings):
    """Everything a depsim process can be told, with the demo's defaults."""

    model_config = SettingsConfigDict(
        env_prefix="DEPSIM_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    # Broker and topics.
    bootstrap_servers: str = "127.0.0.1:9092"
    traffic_topic: str = "depsim.traffic"
    graded_topic: str = "depsim.graded"
    dead_letter_topic: str = "depsim.dead-letter"
    topic_partitions: Annotated[int, Field(ge=1, le=1024)] = 4
    group_id: str = "depsim"
    max_poll_interval_s: Positive = 300.0
    session_timeout_s: Positive = 45.0
    rebalance_timeout_s: Positive = 60.0
    # How long the broker may hold a fetch that finds no new record: the longest a
    # record can wait there on a broker that does not answer as soon as one comes.
    fetch_max_wait_s: Annotated[float, Field(gt=0, le=10)] = 0.1
    # A record missing from a partition's ledger below counted ones, and not in
    # flight, for `hole_grace_s` never reached the agents: the partition is read again
    # from it. Partitions are checked every `hole_check_s`.
    hole_grace_s: Positive = 10.0
    hole_check_s: Positive = 2.0

    # The candidate model, behind any OpenAI-compatible endpoint.
    candidate_base_url: str = "http://127.0.0.1:8400/v1"
    candidate_model: str = "standin-recorded-replies"
    candidate_api_key: SecretStr = SecretStr("not-needed-for-the-stand-in")
    candidate_version: str = ""
    candidate_timeout_s: Positive = 60.0
    candidate_max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    candidate_max_tokens: Annotated[int, Field(ge=1)] = 1024
    # Calling the candidate: retries (5xx, connection errors, 429 after Retry-After)
    # back off with jitter up to a cap; the whole call, retries included, is cut at
    # `candidate_deadline_s`; the breaker opens after that many failed calls in a row.
    candidate_deadline_s: Positive = 60.0
    candidate_backoff_initial_s: Positive = 0.5
    candidate_backoff_cap_s: Positive = 10.0
    candidate_breaker_threshold: Annotated[int, Field(ge=1)] = 5
    candidate_breaker_cooldown_s: Positive = 30.0
    candidate_quota_recheck_s: Positive = 300.0

    # Budget per arm per hour (0 = unlimited); once spent, only
    # `budget_exhausted_share` of the records get a shadow reply.
    budget_tokens_per_hour: Annotated[int, Field(ge=0)] = 0
    budget_dollars_per_hour: Annotated[float, Field(ge=0)] = 0.0
    candidate_dollars_per_1k_prompt_tokens: Annotated[float, Field(ge=0)] = 0.0
    candidate_dollars_per_1k_completion_tokens: Annotated[float, Field(ge=0)] = 0.0
    budget_exhausted_share: Annotated[float, Field(gt=0, le=1)] = 0.1

    # Work per worker.
    concurrency: Annotated[int, Field(ge=1, le=4096)] = 64
    record_deadline_s: Positive = 120.0
    record_max_bytes: Annotated[int, Field(ge=1024)] = 1_048_576

    # Before any model call (streamer.privacy, streamer.context). The PII scan
    # quarantines records whose prefix still holds these kinds of personal data:
    # email, phone, card, iban, national_id, secret (comma-separated).
    privacy_scan: bool = True
    privacy_entities: str = "email,phone,card,iban,national_id,secret"
    privacy_min_score: Annotated[float, Field(ge=0, le=1)] = 0.4
    # Prefixes are counted with an offline upper bound (1 token <= 1 UTF-8 byte);
    # too long: drop the oldest turns (`trim_oldest`) or dead-letter them (`skip`).
    candidate_context_tokens: Annotated[int, Field(ge=1024)] = 128_000
    context_policy: Literal["trim_oldest", "skip"] = "trim_oldest"
    context_bytes_per_token: Annotated[float, Field(ge=1, le=8)] = 1.0

    # Grading. The LLM judge runs only when a judge endpoint is set; it may not be
    # the candidate model. `graders` picks the panel (graders.factory): `ensemble`,
    # or `rules` (the rule graders alone: fewer categories, far less CPU).
    graders: Literal["ensemble", "rules"] = "ensemble"
    taxonomy_path: Path | None = None
    judge_base_url: str = ""
    judge_model: str = ""
    judge_api_key: SecretStr = SecretStr("")

    # Agentic records (those with tools): cut points, replay limits, tool simulation.
    agentic_enabled: bool = True
    agentic_cuts: str = "last"  # last | every:K | random:N
    agentic_cut_seed: int = 0
    agentic_max_cuts: Annotated[int, Field(ge=1, le=64)] = 4
    agentic_max_steps: Annotated[int, Field(ge=1, le=1000)] = 30
    agentic_max_tokens: Annotated[int, Field(ge=1)] = 500_000
    agentic_max_seconds: Positive = 100.0
    agentic_terminal_tools: str = ""
    tool_db_path: Path | None = None
    tool_db_scope: Literal["state", "task", "global"] = "state"
    tool_db_max_rows: Annotated[int, Field(ge=1)] = 200_000
    tool_simulator_base_url: str = ""  # empty: answer from the database only
    tool_simulator_model: str = ""
    tool_simulator_api_key: SecretStr = SecretStr("")
    tool_simulator_timeout_s: Positive = 60.0
    # The model simulator's tokens count against the budget at these prices.
    tool_simulator_dollars_per_1k_prompt_tokens: Annotated[float, Field(ge=0)] = 0.0
    tool_simulator_dollars_per_1k_completion_tokens: Annotated[float, Field(ge=0)] = 0.0
    # Realism checks (streamer.agentic.realism_sampler), only with a judge endpoint:
    # this share of the agent records the budget admits is re-simulated at one cut
    # (at most `agentic_realism_max_tool_results` tool results) and put to the
    # judge's discriminator and evaluation-awareness probe; 0 turns them off.
    agentic_realism_share: Annotated[float, Field(ge=0, le=1)] = 0.05
    agentic_realism_max_tool_results: Annotated[int, Field(ge=1, le=64)] = 4

    # Windows and alerts (streamer.watch): counts per bucket of `window_seconds` by
    # the traffic record's Kafka timestamp, kept for `window_retention` buckets; a
    # bucket closes `window_lateness_s` after its end. Live drift: closed buckets
    # against the first `drift_baseline_buckets` retained ones (a category drifts
    # while its detector alarmed within `drift_hold_buckets`), within a budget of
    # `drift_false_alarms_per_30_days` for all categories together, calibrated for a
    # day-to-day wobble of the true rate of size `drift_wobble`: its sd when
    # `drift_wobble_shape` is normal, its half-width when uniform (0 for a steady
    # rate: faster alarms, more of them if the rate does wobble). With
    # `forecast_path` (a frozen forecast), its band is pinned and misses raised.
    window_seconds: Annotated[int, Field(ge=1, le=86_400)] = 3600
    window_lateness_s: Annotated[float, Field(ge=0)] = 300.0
    window_retention: Annotated[int, Field(ge=2, le=10_000)] = 336
    window_sliding: Annotated[int, Field(ge=1)] = 24
    drift_baseline_buckets: Annotated[int, Field(ge=1)] = 72
    drift_hold_buckets: Annotated[int, Field(ge=1)] = 24
    drift_min_baseline_events: Annotated[int, Field(ge=1)] = 5
    drift_false_alarms_per_30_days: Positive = 1.0
    drift_wobble: Annotated[float, Field(ge=0.0, le=0.5)] = DEFAULT_WOBBLE
    drift_wobble_shape: WobbleShape = DEFAULT_WOBBLE_SHAPE
    forecast_path: Path | None = None

    # The worker's web server: /metrics, /health, /ready.
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=1, le=65535)] = 6066

    # On SIGTERM, in-flight records are finished and committed within this time.
    shutdown_grace_s: Positive = 30.0

    log_level: str = "WARNING"

    @model_validator(mode="after")
    def _deadline_below_poll_interval(self) -> Settings:
        if self.record_deadline_s >= self.max_poll_interval_s:
            raise ValueError(
                "record_deadline_s must be below max_poll_interval_s, or the group "
                "evicts a worker that is still inside its deadline"
            )
        if self.agentic_max_seconds >= self.record_deadline_s:
            raise ValueError("agentic_max_seconds must be below record_deadline_s")
        return self

    @model_validator(mode="after")
    def _baseline_within_retention(self) -> Settings:
        if self.drift_baseline_buckets >= self.window_retention:
            raise ValueError(
                "drift_baseline_buckets must be below window_retention, or no bucket "
                "is left to watch after the baseline"
            )
        return self

    @model_validator(mode="after")
    def _reply_fits_the_context(self) -> Settings:
        if self.candidate_max_tokens >= self.candidate_context_tokens:
            raise ValueError(
                "candidate_max_tokens must be below candidate_context_tokens, or no "
                "prefix fits"
            )
        return self

    @property
    def candidate_label(self) -> str:
        """The candidate's name as it appears in arms and metrics."""
        if self.candidate_version:
            return f"{self.candidate_model}@{self.candidate_version}"
        return self.candidate_model

    @property
    def shadow_arm(self) -> str:
        """The arm name of replies regenerated by the candidate."""
        return f"shadow:{self.candidate_label}"

    @property
    def is_standin(self) -> bool:
        """Whether the candidate is depsim's stand-in rather than a real model."""
        return self.candidate_model.startswith("standin")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, mounted secret files and overrides."""
    secrets_dir = Path(os.environ.get("DEPSIM_SECRETS_DIR", DEFAULT_SECRETS_DIR))
    try:
        if secrets_dir.is_dir():
            return Settings(_secrets_dir=secrets_dir, **overrides)
        return Settings(**overrides)
    except ValueError as exc:
        raise ConfigurationError(f"invalid settings: {exc}") from exc
