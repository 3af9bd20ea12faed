"""Shadow and live replies to the same prefix are counted as pairs."""

from __future__ import annotations

from streamer.graded import LIVE_ARM, GradedRecord
from streamer.tally import PairCounts, Tally

SHADOW = "shadow:cand"


def reply(
    arm: str, refusal: bool | None, *, cut: int | None = None, graded: bool = True
) -> GradedRecord:
    return GradedRecord(
        record_id="r1",
        arm=arm,
        model="cand" if arm == SHADOW else "prod",
        standin=False,
        outcome="graded" if graded else "not_evaluable",
        weight=1.0,
        sampled_at="2026-12-03T00:00:00Z",
        graded_at="2026-12-03T00:00:01Z",
        grader_version="test@1",
        flags={} if refusal is None or not graded else {"refusal": refusal},
        cut_index=cut,
    )


def pairs_of(*graded: GradedRecord) -> PairCounts:
    tally = Tally()
    tally.add_record(graded)
    return tally.pairs[(SHADOW, "cand", "refusal")]


def test_a_prefix_flagged_only_on_the_shadow_arm_is_a_shadow_only_pair() -> None:
    pairs = pairs_of(reply(LIVE_ARM, False), reply(SHADOW, True))

    assert pairs == PairCounts(pairs=1, both=0, only_shadow=1, only_live=0)


def test_a_prefix_flagged_on_both_arms_is_a_concordant_pair() -> None:
    pairs = pairs_of(reply(LIVE_ARM, True), reply(SHADOW, True))

    assert pairs == PairCounts(pairs=1, both=1, only_shadow=0, only_live=0)


def test_a_not_evaluable_shadow_reply_makes_no_pair() -> None:
    pairs = pairs_of(reply(LIVE_ARM, True), reply(SHADOW, None, graded=False))

    assert pairs.pairs == 0


def test_agent_cuts_pair_with_the_live_reply_at_the_same_cut() -> None:
    pairs = pairs_of(
        reply(LIVE_ARM, True, cut=1),
        reply(LIVE_ARM, False, cut=2),
        reply(SHADOW, False, cut=1),
        reply(SHADOW, False, cut=2),
    )

    assert pairs == PairCounts(pairs=2, both=0, only_shadow=0, only_live=1)


def test_pairs_survive_the_json_round_trip_and_merge() -> None:
    tally = Tally()
    tally.add_record((reply(LIVE_ARM, False), reply(SHADOW, True)))

    merged = Tally.combined([Tally.from_json(tally.to_json()), tally])

    assert merged.pairs[(SHADOW, "cand", "refusal")].only_shadow == 2


def test_the_paired_ratio_is_shadow_over_live() -> None:
    pairs = PairCounts(pairs=1000, both=10, only_shadow=30, only_live=10)

    ratio = pairs.ratio()

    assert ratio.estimate == 2.0
    assert ratio.low < 2.0 < ratio.high
