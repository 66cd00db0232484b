"""Reads: the weekly averages per agent and per team (vendor), built from finished reviews only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from awn.tickets.models import Message

from .models import Review
from .scoring import mean


@dataclass(frozen=True)
class WeeklyRow:
    label: str
    cells: list[tuple[Decimal | None, int]]  # (average, reviews) per week, in the table's week order
    overall: Decimal | None
    count: int


def weeks_ending(last: date, count: int) -> list[date]:
    """`count` Mondays, oldest first, ending with the week of Monday `last`."""
    return [last - timedelta(weeks=count - 1 - i) for i in range(count)]


def weekly_table(reviews: QuerySet[Review], weeks: list[date], *, by: str) -> list[WeeklyRow]:
    """One row per agent (`by="agent"`) or per team (`by="team"`): the mean total of the reviews finished for
    each week. A row appears only if it has at least one finished review in these weeks."""
    finished = reviews.filter(reviewed_at__isnull=False, total__isnull=False, week__in=weeks).select_related(
        "agent", "team"
    )
    totals: dict[object, dict[date, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[object, str] = {}
    for review in finished:
        if by == "agent":
            key: object = review.agent_id
            labels[key] = review.agent.get_full_name() or review.agent.username
        else:
            key = review.team_id
            labels[key] = f"{review.team.name} ({review.team.get_kind_display()})" if review.team else "—"
        assert review.total is not None
        totals[key][review.week].append(review.total)
    rows = []
    for key, by_week in totals.items():
        every = [t for values in by_week.values() for t in values]
        rows.append(
            WeeklyRow(
                label=labels[key],
                cells=[(mean(by_week.get(w, [])), len(by_week.get(w, []))) for w in weeks],
                overall=mean(every),
                count=len(every),
            )
        )
    return sorted(rows, key=lambda r: r.label)


CONVERSATION_LIMIT = 200


def conversation(ticket_id: int) -> QuerySet[Message]:
    """The messages the reviewer reads before scoring: replies both ways and internal notes, oldest first."""
    return (
        Message.objects.filter(ticket_id=ticket_id)
        .select_related("author_user", "author_contact")
        .order_by("created_at", "pk")[:CONVERSATION_LIMIT]
    )


def pending_reviews(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return (
        reviews.filter(reviewed_at__isnull=True)
        .select_related("agent", "ticket", "scorecard")
        .order_by("-week", "agent__username", "ticket_id")
    )
