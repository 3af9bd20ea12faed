"""corrected_interval: q x PPV / recall with the audits' uncertainty carried."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimators import EstimatorError, corrected_interval, proportion_interval


@st.composite
def audited_counts(draw: st.DrawFn) -> tuple[int, int, int, int, int, int]:
    n = draw(st.integers(min_value=1, max_value=10**7))
    k = draw(st.integers(min_value=0, max_value=min(n, 5_000)))
    audited = draw(st.integers(min_value=1, max_value=500))
    hits = draw(st.integers(min_value=0, max_value=audited))
    known = draw(st.integers(min_value=1, max_value=500))
    found = draw(st.integers(min_value=0, max_value=known))
    return k, n, hits, audited, found, known


class TestCorrection:
    def test_estimate_scales_the_flagged_share_by_ppv_over_recall(self) -> None:
        """0.002 x 0.5 x (100 + 1) / (80 + 1): recall's near-unbiased inverse."""
        result = corrected_interval(200, 100_000, 50, 100, 80, 100)

        assert result.estimate == pytest.approx(0.002 * 0.5 * 101 / 81)
        assert (result.ppv, result.recall) == (0.5, 0.8)

    def test_audit_uncertainty_widens_the_interval(self) -> None:
        small_audit = corrected_interval(200, 100_000, 20, 40, 36, 40)

        large_audit = corrected_interval(200, 100_000, 5_000, 10_000, 9_000, 10_000)

        assert small_audit.high / small_audit.low > large_audit.high / large_audit.low

    def test_a_perfect_grader_gives_about_the_raw_interval(self) -> None:
        raw = proportion_interval(50, 100_000)

        perfect = corrected_interval(50, 100_000, 10**6, 10**6, 10**6, 10**6)

        assert perfect.low == pytest.approx(raw.low, rel=0.01)
        assert perfect.high == pytest.approx(raw.high, rel=0.01)


class TestEdgeCases:
    def test_zero_flags_give_zero_estimate_and_positive_high(self) -> None:
        result = corrected_interval(0, 100_000, 40, 50, 45, 50)

        assert (result.estimate, result.low) == (0.0, 0.0)
        assert result.high > 0.0

    def test_zero_confirmed_flags_give_zero_estimate_and_positive_high(self) -> None:
        result = corrected_interval(20, 100_000, 0, 50, 45, 50)

        assert (result.estimate, result.low) == (0.0, 0.0)
        assert result.high > 0.0

    def test_zero_recall_leaves_the_rate_unbounded_above(self) -> None:
        assert corrected_interval(20, 100_000, 40, 50, 0, 50).high == 1.0

    def test_an_empty_audit_is_rejected(self) -> None:
        with pytest.raises(EstimatorError, match="audit"):
            corrected_interval(20, 100_000, 0, 0, 45, 50)


class TestProperties:
    @given(counts=audited_counts())
    def test_bounds_lie_in_0_1_around_the_estimate(
        self, counts: tuple[int, int, int, int, int, int]
    ) -> None:
        result = corrected_interval(*counts)

        assert 0.0 <= result.low <= result.estimate <= result.high <= 1.0

    @given(counts=audited_counts())
    def test_bounds_do_not_decrease_when_k_grows(
        self, counts: tuple[int, int, int, int, int, int]
    ) -> None:
        k, n, *audits = counts

        fewer = corrected_interval(k, n, *audits)
        more = corrected_interval(min(k + 1, n), n, *audits)

        assert more.low >= fewer.low
        assert more.high >= fewer.high
