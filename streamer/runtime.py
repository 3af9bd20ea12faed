"""One worker's state: the pipeline, its tally and its metrics, wired once.

Shared by the faust worker and the batch path, so both count and export the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from graders import RuleGrader, Taxonomy, load_taxonomy
from streamer.candidate import Candidate
from streamer.metrics import Metrics
from streamer.panel import GraderPanel
from streamer.pipeline import Pipeline, Processed
from streamer.settings import Settings
from streamer.tally import Tally


@dataclass
class Runtime:
    """A pipeline with the tally and metrics its results feed."""

    settings: Settings
    pipeline: Pipeline
    tally: Tally
    metrics: Metrics
    taxonomy: Taxonomy

    @classmethod
    def from_settings(
        cls, settings: Settings, registry: CollectorRegistry | None = None
    ) -> Runtime:
        """Build the candidate client, grader panel, tally and metrics."""
        taxonomy = load_taxonomy(settings.taxonomy_path)
        panel = GraderPanel([RuleGrader()], taxonomy)
        candidate = Candidate(
            base_url=settings.candidate_base_url,
            model=settings.candidate_model,
            api_key=settings.candidate_api_key.get_secret_value(),
            timeout_s=settings.candidate_timeout_s,
            max_retries=settings.candidate_max_retries,
            max_tokens=settings.candidate_max_tokens,
            pool_size=settings.concurrency,
        )
        pipeline = Pipeline(
            candidate,
            panel,
            shadow_arm=settings.shadow_arm,
            standin=settings.is_standin,
            max_bytes=settings.record_max_bytes,
        )
        metrics = Metrics(registry or CollectorRegistry())
        categories = sorted(set().union(*(g.categories for g in panel.graders)))
        metrics.initialise(
            [(settings.shadow_arm, settings.candidate_model)], categories
        )
        return cls(settings, pipeline, Tally(), metrics, taxonomy)

    async def handle(self, raw: bytes) -> Processed:
        """Process one raw record and account for its outcome."""
        self.metrics.consumed.inc()
        self.metrics.in_flight.inc()
        try:
            processed = await self.pipeline.process(raw)
        finally:
            self.metrics.in_flight.dec()

        if processed.dead_letter is not None:
            self.metrics.observe_dead_letter(processed.dead_letter)
        for graded in processed.graded:
            counted = self.tally.add(graded)
            self.metrics.observe_graded(graded, counted)
            for category in graded.flags:
                key = (graded.arm, graded.model, category)
                self.metrics.publish_rate(self.tally.row(key))
        self.metrics.finished.inc()
        return processed

    async def close(self) -> None:
        """Release the candidate's connections."""
        await self.pipeline.candidate.close()
