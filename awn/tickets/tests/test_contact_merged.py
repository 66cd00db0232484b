"""Tickets follow a contact merge by reacting to crm's ContactMerged inside the merge's transaction."""

from __future__ import annotations

import pytest

from awn.core import events as bus
from awn.core.events import capture_events
from awn.crm.events import ContactMerged
from awn.crm.models import Contact
from awn.crm.services import contact_create, contact_merge
from awn.tickets import handlers
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message, tickets_move_contact
from config.event_subscriptions import SUBSCRIPTIONS


def test_the_merge_publishes_contact_merged_and_tickets_react_inside_its_transaction(world):
    duplicate = contact_create(name="أحمد القحطاني", phone="0559998888")
    asked = world.ticket(requester=duplicate)
    about = world.ticket(requester=world.other_parent, about_contact=duplicate)
    ticket_add_message(ticket=about, actor=None, body="من الحساب المكرر", author_contact=duplicate)

    with capture_events() as published:
        contact_merge(source=duplicate, target=world.parent)

    merged = [e for e in published if isinstance(e, ContactMerged)]
    assert [(e.source_id, e.target_id) for e in merged] == [(duplicate.pk, world.parent.pk)]
    assert (handlers.on_contact_merged, bus.Moment.SYNC) in [
        (r.handler, r.moment) for r in SUBSCRIPTIONS[ContactMerged]
    ]
    assert Ticket.objects.get(pk=asked.pk).requester_id == world.parent.pk
    assert Ticket.objects.get(pk=about.pk).about_contact_id == world.parent.pk
    assert not Message.objects.filter(author_contact=duplicate).exists()


def test_a_failing_tickets_reaction_rolls_the_whole_merge_back(world, monkeypatch):
    duplicate = contact_create(name="أحمد القحطاني", phone="0559998888")
    asked = world.ticket(requester=duplicate)

    def moved_then_failed(event: ContactMerged) -> None:
        tickets_move_contact(source_id=event.source_id, target_id=event.target_id)
        raise RuntimeError("the tickets side failed")

    replaced = bus.subscriptions_replaced({ContactMerged: [bus.sync(moved_then_failed)]})
    with replaced, pytest.raises(RuntimeError):
        contact_merge(source=duplicate, target=world.parent)

    assert Contact.objects.get(pk=duplicate.pk).merged_into_id is None
    assert Ticket.objects.get(pk=asked.pk).requester_id == duplicate.pk
