"""The review arithmetic against totals worked out by hand (100 × Σ w·s / (5 × Σ w), N/A left out, half up)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from awn.quality.scoring import mean, weighted_percentage


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        # 3·5 + 2·4 + 1·0 = 23 of 6·5 = 30 → 76.666… → 76.67
        ([(3, 5), (2, 4), (1, 0)], Decimal("76.67")),
        # the weight-2 criterion does not apply: 3·5 + 1·0 = 15 of 4·5 = 20 → 75
        ([(3, 5), (2, None), (1, 0)], Decimal("75.00")),
        ([(1, 5), (4, 5)], Decimal("100.00")),
        ([(1, 0), (4, 0)], Decimal("0.00")),
        # 1·1 + 31·0 = 1 of 32·5 = 160 → 0.625: half up gives 0.63 (banker's rounding would give 0.62)
        ([(1, 1), (31, 0)], Decimal("0.63")),
        # weight matters: the same scores swapped between weights. 1·5 + 4·1 = 9 of 25 → 36; 1·1 + 4·5 = 21 → 84
        ([(1, 5), (4, 1)], Decimal("36.00")),
        ([(1, 1), (4, 5)], Decimal("84.00")),
    ],
)
def test_weighted_percentage_by_hand(scored: list[tuple[int, int | None]], expected: Decimal) -> None:
    assert weighted_percentage(scored) == expected


def test_nothing_applies_gives_no_total() -> None:
    assert weighted_percentage([(2, None), (1, None)]) is None
    assert weighted_percentage([]) is None


@pytest.mark.parametrize("bad", [[(1, 6)], [(1, -1)], [(0, 3)]])
def test_out_of_range_is_refused(bad: list[tuple[int, int | None]]) -> None:
    with pytest.raises(ValueError, match="out of range"):
        weighted_percentage(bad)


def test_weekly_mean_by_hand() -> None:
    # (76.67 + 75.00) / 2 = 75.835 → 75.84
    assert mean([Decimal("76.67"), Decimal("75.00")]) == Decimal("75.84")
    assert mean([Decimal("50"), Decimal("60"), Decimal("100")]) == Decimal("70.00")
    assert mean([]) is None
