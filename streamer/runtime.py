"""One worker's parts, wired once: pipeline, metrics and estimates.

Shared by the faust worker and the batch path, so both count and export the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from graders import (
    GraderError,
    JudgeEndpoint,
    Taxonomy,
    build_panel_graders,
    close_graders,
    load_taxonomy,
)
from streamer.agentic import AgenticConfig, build_agentic_arms
from streamer.budget import Budget, BudgetLimits
from streamer.candidate import CallPolicy, Candidate
from streamer.errors import ConfigurationError
from streamer.estimates import Estimates, LoadLedger, SaveLedger
from streamer.forecast import read_forecast
from streamer.gradedset import GradedSourceError
from streamer.metrics import Metrics
from streamer.panel import GraderPanel
from streamer.pipeline import Pipeline, Processed
from streamer.settings import Settings
from streamer.validate import Intake
from streamer.watch import Watch, WatchGauges, WatchPlan
from streamer.windows import BucketPlan, WindowStore


@dataclass
class Runtime:
    """A pipeline with the metrics and estimates its results feed."""

    settings: Settings
    pipeline: Pipeline
    metrics: Metrics
    taxonomy: Taxonomy
    categories: tuple[str, ...] = ()

    @classmethod
    def from_settings(
        cls, settings: Settings, registry: CollectorRegistry | None = None
    ) -> Runtime:
        """Build the candidate client, grader panel and metrics from settings."""
        try:
            taxonomy = load_taxonomy(settings.taxonomy_path)
            graders = build_panel_graders(
                taxonomy,
                judge=judge_endpoint(settings),
                candidate_models=[settings.candidate_model],
                panel=settings.graders,
            )
        except GraderError as exc:
            raise ConfigurationError(str(exc)) from exc
        panel = GraderPanel(graders, taxonomy)
        metrics = Metrics(registry or CollectorRegistry())
        candidate = Candidate(
            base_url=settings.candidate_base_url,
            model=settings.candidate_model,
            api_key=settings.candidate_api_key.get_secret_value(),
            timeout_s=settings.candidate_timeout_s,
            max_retries=settings.candidate_max_retries,
            max_tokens=settings.candidate_max_tokens,
            pool_size=settings.concurrency,
            policy=call_policy(settings),
            metrics=metrics,
        )
        # Agent replays are charged to the same budget and counted in the same metrics
        # as the chats' shadow replies.
        budget = Budget(budget_limits(settings))
        agentic = None
        if settings.agentic_enabled:
            agentic = build_agentic_arms(
                AgenticConfig.from_settings(settings),
                candidate,
                panel,
                shadow_arm=settings.shadow_arm,
                standin=settings.is_standin,
                pool_size=settings.concurrency,
                budget=budget,
                metrics=metrics,
            )
        pipeline = Pipeline(
            candidate,
            panel,
            shadow_arm=settings.shadow_arm,
            standin=settings.is_standin,
            max_bytes=settings.record_max_bytes,
            intake=Intake.from_settings(settings),
            agentic=agentic,
            budget=budget,
            metrics=metrics,
        )
        categories = sorted(set().union(*(g.categories for g in panel.graders)))
        metrics.initialise(
            [(settings.shadow_arm, settings.candidate_model)],
            categories,
            graders=[grader.name for grader in panel.graders],
        )
        return cls(settings, pipeline, metrics, taxonomy, tuple(categories))

    def estimates(
        self, load: LoadLedger, save: SaveLedger, windows: WindowStore | None = None
    ) -> Estimates:
        """Estimates whose ledgers (and time buckets) persist in the given stores."""
        plan = BucketPlan(self.settings.window_seconds, self.settings.window_retention)
        return Estimates(
            self.metrics, load, save, None if windows is None else (plan, windows)
        )

    def watch(self) -> Watch:
        """Windows, drift and forecast-miss states, as the settings ask."""
        settings = self.settings
        forecast = None
        if settings.forecast_path is not None:
            try:
                forecast, _ = read_forecast(settings.forecast_path)
            except GradedSourceError as exc:
                raise ConfigurationError(str(exc)) from exc
        plan = WatchPlan(
            bucket_seconds=settings.window_seconds,
            lateness_s=settings.window_lateness_s,
            sliding=settings.window_sliding,
            baseline=settings.drift_baseline_buckets,
            hold=settings.drift_hold_buckets,
            min_baseline_events=settings.drift_min_baseline_events,
            false_alarms_per_30_days=settings.drift_false_alarms_per_30_days,
            wobble=settings.drift_wobble,
            wobble_shape=settings.drift_wobble_shape,
        )
        return Watch(
            plan,
            self.metrics,
            WatchGauges(self.metrics.registry),
            categories=self.categories,
            shadow_arm=settings.shadow_arm,
            forecast=forecast,
        )

    async def handle(self, raw: bytes) -> Processed:
        """Process one raw record, keeping the in-flight gauge."""
        self.metrics.consumed.inc()
        self.metrics.in_flight.inc()
        try:
            return await self.pipeline.process(raw)
        finally:
            self.metrics.in_flight.dec()

    def account(self, processed: Processed, counted: bool) -> None:
        """Count a published outcome in the pipeline's metrics."""
        if processed.dead_letter is not None:
            self.metrics.observe_dead_letter(processed.dead_letter)
        for graded in processed.graded:
            self.metrics.observe_graded(graded, counted)
        self.metrics.finished.inc()

    async def close(self) -> None:
        """Release the candidate's and the graders' connections."""
        await self.pipeline.candidate.close()
        if self.pipeline.agentic is not None:
            await self.pipeline.agentic.close()
        await close_graders(self.pipeline.panel.graders)


def judge_endpoint(settings: Settings) -> JudgeEndpoint | None:
    """The LLM judge's endpoint, or None when no judge is configured."""
    return JudgeEndpoint.configured(
        settings.judge_base_url,
        settings.judge_model,
        settings.judge_api_key.get_secret_value(),
        concurrency=settings.concurrency,
    )


def call_policy(settings: Settings) -> CallPolicy:
    """How the candidate is called, from settings.

    The whole call must end well before the record's deadline, so an endpoint that
    hangs yields a `generation_timeout` shadow record, not a dead-lettered record.
    """
    return CallPolicy(
        deadline_s=min(settings.candidate_deadline_s, settings.record_deadline_s / 2),
        backoff_initial_s=settings.candidate_backoff_initial_s,
        backoff_cap_s=settings.candidate_backoff_cap_s,
        breaker_threshold=settings.candidate_breaker_threshold,
        breaker_cooldown_s=settings.candidate_breaker_cooldown_s,
        quota_recheck_s=settings.candidate_quota_recheck_s,
    )


def budget_limits(settings: Settings) -> BudgetLimits:
    """The shadow arm's hourly budget, from settings."""
    return BudgetLimits(
        tokens_per_hour=settings.budget_tokens_per_hour,
        dollars_per_hour=settings.budget_dollars_per_hour,
        dollars_per_1k_prompt_tokens=settings.candidate_dollars_per_1k_prompt_tokens,
        dollars_per_1k_completion_tokens=(
            settings.candidate_dollars_per_1k_completion_tokens
        ),
        exhausted_share=settings.budget_exhausted_share,
    )
