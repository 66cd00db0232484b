"""Boundaries that plausible bugs slipped through (issue 13, defect 10), with reference values written here, not
taken from the code under test: every status transition pair on both write paths (an update and a reply that
sets the status), and an outsourced team that covers no category."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from awn.accounts.enums import Role, TeamKind
from awn.accounts.services import team_create, user_create
from awn.core.errors import ValidationError
from awn.tickets.enums import Category, MessageKind, Status
from awn.tickets.models import Ticket
from awn.tickets.policies import can_view_ticket, visible_tickets
from awn.tickets.services import ticket_add_message, ticket_update
from conftest import PASSWORD

NEW, OPEN, PENDING, HOLD, RESOLVED, CLOSED = "new", "open", "pending", "on_hold", "resolved", "closed"
# The workflow as the product defines it (DESIGN.md): closed is final; resolved only reopens or closes; the
# active statuses move freely among themselves and to resolved or closed; nothing goes back to new.
ALLOWED = {
    NEW: {OPEN, PENDING, HOLD, RESOLVED, CLOSED},
    OPEN: {PENDING, HOLD, RESOLVED, CLOSED},
    PENDING: {OPEN, HOLD, RESOLVED, CLOSED},
    HOLD: {OPEN, PENDING, RESOLVED, CLOSED},
    RESOLVED: {OPEN, CLOSED},
    CLOSED: set(),
}
PAIRS = [(old, new) for old, new in product(ALLOWED, ALLOWED) if old != new]


def test_the_reference_names_every_status() -> None:
    assert set(ALLOWED) == set(Status.values)


def _in_status(world: Any, status: str) -> Ticket:
    ticket = world.ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_every_transition_pair_through_an_update(world: Any, old: str, new: str) -> None:
    ticket = _in_status(world, old)
    if new in ALLOWED[old]:
        assert ticket_update(ticket=ticket, actor=world.agent, changes={"status": new}).status == new
    else:
        with pytest.raises(ValidationError):
            ticket_update(ticket=ticket, actor=world.agent, changes={"status": new})
        assert Ticket.objects.get(pk=ticket.pk).status == old


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), [(old, new) for old, new in PAIRS if old != CLOSED])
def test_every_transition_pair_through_a_reply_that_sets_the_status(world: Any, old: str, new: str) -> None:
    ticket = _in_status(world, old)
    before = ticket.messages.count()
    if new in ALLOWED[old]:
        ticket_add_message(ticket=ticket, body="تم", actor=world.agent, status_after=new)
        assert Ticket.objects.get(pk=ticket.pk).status == new
    else:
        with pytest.raises(ValidationError):
            ticket_add_message(ticket=ticket, body="تم", actor=world.agent, status_after=new)
        assert Ticket.objects.get(pk=ticket.pk).status == old
        assert ticket.messages.count() == before  # the reply is not kept either: one transaction


@pytest.mark.django_db
def test_a_closed_ticket_takes_no_reply_and_no_note(world: Any) -> None:
    ticket = _in_status(world, CLOSED)
    for kind in (MessageKind.REPLY, MessageKind.NOTE):
        with pytest.raises(ValidationError):
            ticket_add_message(ticket=ticket, body="تم", actor=world.agent, kind=kind)


@pytest.mark.django_db
def test_an_outsourced_team_with_no_category_sees_only_what_is_routed_to_it(world: Any) -> None:
    closed = team_create(name="مشغّل بلا تصنيفات", kind=TeamKind.OUTSOURCED)
    assert closed.categories == []
    agent = user_create(username="closed", password=PASSWORD, role=Role.AGENT, team=closed)
    others = [
        world.ticket(category=category) for category in (Category.ACCOUNT_ACCESS, Category.REGISTRATION)
    ]
    routed = world.ticket(category=Category.TRANSFER)
    ticket_update(ticket=routed, actor=world.supervisor, changes={"team": closed.pk})

    assert list(visible_tickets(agent).values_list("pk", flat=True)) == [routed.pk]
    assert not any(can_view_ticket(agent, ticket) for ticket in others)
    client = world.client_for(agent)
    assert client.get(f"/workspace/tickets/{routed.pk}/").status_code == 200
    assert client.get(f"/api/v1/tickets/{routed.pk}").status_code == 200
    for ticket in others:
        assert client.get(f"/workspace/tickets/{ticket.pk}/").status_code == 404
        assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 404
    listed = client.get("/api/v1/tickets").json()
    assert [item["id"] for item in listed["items"]] == [routed.pk]
