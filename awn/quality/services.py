"""Writes: scorecards and their criteria, the weekly sample of an agent's tickets, a review's scores and note."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.errors import ValidationError
from awn.tickets.enums import Status
from awn.tickets.models import Ticket

from .models import MAX_SCORE, Criterion, CriterionScore, Review, Scorecard
from .scoring import weighted_percentage

MAX_SAMPLE = 20


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def scorecard_create(*, name_ar: str, name_en: str = "") -> Scorecard:
    if not name_ar.strip():
        raise ValidationError(_("This value is not valid."), field="name_ar")
    return Scorecard.objects.create(name_ar=name_ar.strip(), name_en=name_en.strip())


def criterion_add(*, scorecard: Scorecard, label_ar: str, label_en: str = "", weight: int = 1) -> Criterion:
    if not label_ar.strip():
        raise ValidationError(_("This value is not valid."), field="label_ar")
    if not 1 <= weight <= 100:
        raise ValidationError(_("This value is not valid."), field="weight")
    position = scorecard.criteria.count()
    return Criterion.objects.create(
        scorecard=scorecard,
        label_ar=label_ar.strip(),
        label_en=label_en.strip(),
        weight=weight,
        position=position,
    )


def scorecard_set_active(*, scorecard: Scorecard, active: bool) -> None:
    Scorecard.objects.filter(pk=scorecard.pk).update(is_active=active)


def _week_bounds(week: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(week, time.min))
    return start, timezone.make_aware(datetime.combine(week + timedelta(days=7), time.min))


def sample_ticket_ids(*, agent: User, week: date, size: int) -> list[int]:
    """A random sample of `size` of the tickets `agent` resolved in the week starting on Monday `week`: the same
    agent, week and size always give the same tickets (the seed is the agent and the week, the candidates are taken
    in id order), so a sample can be drawn again and checked."""
    start, end = _week_bounds(week)
    candidates = list(
        Ticket.objects.filter(
            assignee_id=agent.pk,
            status__in=(Status.RESOLVED, Status.CLOSED),
            resolved_at__gte=start,
            resolved_at__lt=end,
            merged_into__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(f"awn-quality:{agent.pk}:{week.isoformat()}")
    return sorted(rng.sample(candidates, min(size, len(candidates))))


@transaction.atomic
def sample_draw(*, agent: User, week: date, size: int, scorecard: Scorecard, reviewer: User) -> list[Review]:
    """Pending reviews for the agent's sample of that week (those already drawn are kept, not duplicated)."""
    if week != week_start(week):
        raise ValidationError(_("This value is not valid."), field="week")
    if not 1 <= size <= MAX_SAMPLE:
        raise ValidationError(_("This value is not valid."), field="size")
    reviews = []
    for ticket_id in sample_ticket_ids(agent=agent, week=week, size=size):
        review, _created = Review.objects.get_or_create(
            ticket_id=ticket_id,
            scorecard=scorecard,
            defaults={"agent": agent, "team_id": agent.team_id, "week": week, "reviewer": reviewer},
        )
        reviews.append(review)
    return reviews


@transaction.atomic
def review_submit(*, review: Review, reviewer: User, scores: Mapping[int, int | None], note: str) -> Review:
    """Scores by criterion id (None: not applicable) for every criterion of the review's scorecard."""
    criteria = list(review.scorecard.criteria.all())
    missing = [c.pk for c in criteria if c.pk not in scores]
    if missing:
        raise ValidationError(_("This value is not valid."), field="scores")
    for criterion in criteria:
        value = scores[criterion.pk]
        if value is not None and not 0 <= value <= MAX_SCORE:
            raise ValidationError(_("This value is not valid."), field="scores")
        CriterionScore.objects.update_or_create(review=review, criterion=criterion, defaults={"score": value})
    review.total = weighted_percentage((c.weight, scores[c.pk]) for c in criteria)
    review.coaching_note = note.strip()
    review.reviewer = reviewer
    review.reviewed_at = timezone.now()
    review.save(update_fields=["total", "coaching_note", "reviewer", "reviewed_at"])
    return review
