"""A scorecard of three weighted Arabic criteria, resolved tickets at chosen times, a vendor team's supervisor."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.accounts.services import user_create
from awn.quality.models import Scorecard
from awn.quality.services import criterion_add, scorecard_create
from awn.tickets.enums import Status
from awn.tickets.models import Ticket

# The Monday two weeks ago: a finished week, inside the 8 weeks the pages show whatever day the tests run.
WEEK = date.today() - timedelta(days=date.today().weekday(), weeks=2)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def resolved(world: Any, agent: User, when: datetime, status: str = Status.RESOLVED) -> Ticket:
    ticket = world.ticket()
    Ticket.objects.filter(pk=ticket.pk).update(
        assignee=agent, team_id=agent.team_id, status=status, resolved_at=when
    )
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def card(db: None) -> Scorecard:
    scorecard = scorecard_create(name_ar="جودة المحادثة", name_en="Conversation quality")
    criterion_add(scorecard=scorecard, label_ar="الترحيب والتعريف بالنفس", label_en="Greeting", weight=1)
    criterion_add(scorecard=scorecard, label_ar="دقة الحل", label_en="Accurate resolution", weight=3)
    criterion_add(
        scorecard=scorecard, label_ar="لغة مهذبة وواضحة", label_en="Clear, polite language", weight=2
    )
    return scorecard


@pytest.fixture
def vendor_supervisor(world: Any) -> User:
    return user_create(username="vsup", password="x-Pass-9081-long", role=Role.SUPERVISOR, team=world.vendor)
