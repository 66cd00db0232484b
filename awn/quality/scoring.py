"""The arithmetic of a review, in one place.

Each criterion i has a weight w_i ≥ 1 and a score s_i in 0..MAX_SCORE, or no score ("not applicable"). The total is
the weighted percentage over the criteria that apply:

    total = 100 × Σ w_i·s_i / (MAX_SCORE × Σ w_i)

rounded half up to two decimals; None when no criterion applies. Weekly averages are the plain mean of the totals
of the reviews finished that week (each review counts once, whatever its scorecard)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from .models import MAX_SCORE


def weighted_percentage(scored: Iterable[tuple[int, int | None]]) -> Decimal | None:
    """`scored`: (weight, score or None) per criterion."""
    points = 0
    possible = 0
    for weight, score in scored:
        if score is None:
            continue
        if weight < 1 or not 0 <= score <= MAX_SCORE:
            raise ValueError(f"weight {weight} / score {score} out of range")
        points += weight * score
        possible += weight * MAX_SCORE
    if possible == 0:
        return None
    return (Decimal(100 * points) / Decimal(possible)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def mean(values: Iterable[Decimal]) -> Decimal | None:
    items = list(values)
    if not items:
        return None
    return (sum(items, Decimal(0)) / len(items)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
