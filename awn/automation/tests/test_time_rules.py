"""Time-based rules: "pending 3 days → reminder, 7 days → close", each fired once per ticket and status episode,
whatever the number of scheduler runs (the ledger's unique row)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from awn.automation import services, tasks
from awn.automation.enums import Trigger
from awn.automation.models import RuleFiring
from awn.core.errors import ValidationError
from awn.tickets.enums import MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_update

pytestmark = pytest.mark.django_db
REMINDER = "نذكّركم بأننا ننتظر ردكم"


@pytest.fixture
def pending_rules(world: Any) -> None:
    pending = {"field": "status", "op": "is", "value": "pending"}
    services.rule_create(
        name="تذكير بعد 3 أيام",
        trigger=Trigger.SCHEDULED,
        spec={
            "conditions": [pending, {"field": "hours_in_status", "op": "gte", "value": 72}],
            "actions": [{"type": "add_note", "value": REMINDER}],
        },
        actor=world.admin,
    )
    services.rule_create(
        name="إغلاق بعد 7 أيام",
        trigger=Trigger.SCHEDULED,
        spec={
            "conditions": [pending, {"field": "hours_in_status", "op": "gte", "value": 168}],
            "actions": [{"type": "set_status", "value": "closed"}],
        },
        actor=world.admin,
    )


def reminders(ticket: Ticket) -> int:
    return Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE, body__startswith=REMINDER).count()


def later(hours: float) -> Any:
    return timezone.now() + timedelta(hours=hours)


def test_pending_three_days_reminds_once_and_seven_days_closes(world: Any, pending_rules: None) -> None:
    ticket = world.ticket()
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    assert services.time_rules_run(later(1)) == 0
    assert services.time_rules_run(later(73)) == 1
    assert services.time_rules_run(later(74)) == 0  # the same episode: fired already
    assert reminders(ticket) == 1
    assert services.time_rules_run(later(169)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert services.time_rules_run(later(500)) == 0  # closed: neither rule concerns it any more
    assert reminders(ticket) == 1
    assert RuleFiring.objects.filter(ticket=ticket).count() == 2


def test_running_the_scheduled_job_twice_fires_nothing_twice(
    world: Any, pending_rules: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = world.ticket()
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    when = later(80)
    monkeypatch.setattr(services.timezone, "now", lambda: when)
    tasks.time_rules()
    tasks.time_rules()  # a restart, or a second scheduler
    assert reminders(ticket) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        firing = RuleFiring.objects.get(ticket=ticket)
        RuleFiring.objects.create(rule=firing.rule, ticket=ticket, key=firing.key)


def test_a_customer_reply_nullifies_and_a_new_pending_episode_fires_again(
    world: Any, pending_rules: None
) -> None:
    ticket = world.ticket()
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    other = world.ticket()
    ticket_update(ticket=other, actor=world.agent, changes={"status": Status.PENDING})
    ticket_add_message(ticket=other, body="هذا ردي", actor=None, author_contact=world.parent)  # back to open
    assert services.time_rules_run(later(73)) == 1  # only the ticket still pending
    assert (reminders(ticket), reminders(other)) == (1, 0)
    ticket_add_message(ticket=ticket, body="ما زالت المشكلة", actor=None, author_contact=world.parent)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    assert services.time_rules_run(later(150)) == 1  # a new episode of pending: reminded again
    assert reminders(ticket) == 2


def test_a_time_based_rule_needs_an_hours_condition(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.rule_create(
            name="x",
            trigger=Trigger.SCHEDULED,
            spec={
                "conditions": [{"field": "status", "op": "is", "value": "pending"}],
                "actions": [{"type": "set_status", "value": "closed"}],
            },
            actor=world.admin,
        )
