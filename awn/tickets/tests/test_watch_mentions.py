"""Watchers (watch, unwatch, only tickets one may see) and @mentions in internal notes (who is named)."""

from __future__ import annotations

from typing import Any

import pytest

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.core.errors import NotFound
from awn.core.events import capture_events
from awn.tickets.enums import Category, MessageKind
from awn.tickets.events import NoteAdded
from awn.tickets.models import TicketWatcher
from awn.tickets.selectors import is_watching
from awn.tickets.services import mentioned_user_ids, ticket_add_message, ticket_unwatch, ticket_watch
from conftest import PASSWORD


def test_watch_and_unwatch(world: Any) -> None:
    ticket = world.ticket()
    assert not is_watching(world.agent, ticket.pk)
    ticket_watch(ticket=ticket, user=world.agent)
    ticket_watch(ticket=ticket, user=world.agent)
    assert TicketWatcher.objects.filter(ticket=ticket).count() == 1
    assert is_watching(world.agent, ticket.pk)
    ticket_unwatch(ticket=ticket, user=world.agent)
    ticket_unwatch(ticket=ticket, user=world.agent)  # not watching any more: nothing to do
    assert not is_watching(world.agent, ticket.pk)


def test_only_staff_who_may_see_a_ticket_can_watch_it(world: Any) -> None:
    ticket = world.ticket(category=Category.REGISTRATION)  # not the vendor team's
    for user in (world.vendor_agent, world.parent_user):
        with pytest.raises(NotFound):
            ticket_watch(ticket=ticket, user=user)
    assert not TicketWatcher.objects.exists()


def test_mentions_name_active_staff_by_username(world: Any) -> None:
    gone = user_create(username="gone", password=PASSWORD, role=Role.AGENT)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    user_create(username="هند.م", password=PASSWORD, role=Role.AGENT)
    arabic = user_create(username="سارة", password=PASSWORD, role=Role.AGENT)
    text = (
        "@agent، راجع هذا مع @supervisor. "
        "@parent لا (عميل)، @gone لا (معطّل)، @nobody لا (غير موجود)، "
        "mail@agent.sa لا (عنوان بريد)، @سارة نعم، @agent مرة ثانية."
    )
    expected = sorted([world.agent.pk, world.supervisor.pk, arabic.pk])
    assert list(mentioned_user_ids(text)) == expected
    assert mentioned_user_ids("لا أحد هنا @ ولا هنا") == ()


def test_a_note_publishes_who_it_mentions(world: Any) -> None:
    ticket = world.ticket()
    with capture_events() as published:
        ticket_add_message(ticket=ticket, body="@vendor انظر", actor=world.agent, kind=MessageKind.NOTE)
        ticket_add_message(
            ticket=ticket, body="@vendor شكرًا لك", actor=world.agent
        )  # a reply mentions no one
    notes = [e for e in published if isinstance(e, NoteAdded)]
    assert [n.mentioned_user_ids for n in notes] == [(world.vendor_agent.pk,)]
