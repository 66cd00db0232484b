"""The composer's preview of what the customer will see (per channel), and the placeholders agents write."""

from __future__ import annotations

from typing import Any

import pytest

from awn.connectors.models import Inbox
from awn.tickets.canned import render_canned
from awn.workspace.composer_preview import reply_preview

pytestmark = pytest.mark.django_db


def test_email_shows_the_sender_and_the_reply_subject(world: Any) -> None:
    ticket = world.ticket(subject="لا  أستطيع الدخول")
    inbox = Inbox(kind="email", settings={"from_address": "support@awn.example.sa", "from_name": "دعم عون"})
    preview = reply_preview(ticket, {"inbox": inbox, "window_open": True, "has_template": False})
    assert preview.kind == "email" and preview.limit == 0
    assert preview.sender == "دعم عون <support@awn.example.sa>"
    assert preview.subject == f"Re: لا أستطيع الدخول [AWN-{ticket.pk:06d}]"


@pytest.mark.parametrize(
    ("window_open", "has_template", "limit"), [(True, False, 4096), (False, False, 4096), (False, True, 1000)]
)
def test_whatsapp_keeps_4096_characters_or_1000_in_a_template(
    world: Any, window_open: bool, has_template: bool, limit: int
) -> None:
    inbox = Inbox(kind="whatsapp", settings={})
    state = {"inbox": inbox, "window_open": window_open, "has_template": has_template}
    preview = reply_preview(world.ticket(), state)
    assert (preview.kind, preview.limit, preview.subject) == ("whatsapp", limit, "")


def test_a_portal_ticket_and_an_unknown_channel_are_read_on_the_portal(world: Any) -> None:
    assert reply_preview(world.ticket(), None).kind == "portal"
    state = {"inbox": Inbox(kind="telegram", settings={}), "window_open": True, "has_template": False}
    assert reply_preview(world.ticket(), state).kind == "portal"


def test_the_customer_and_number_placeholders_are_filled_and_unknown_ones_left(world: Any) -> None:
    ticket = world.ticket()
    text = render_canned(
        "{{customer.name}} / {{ customer.first_name }} / {{ticket.number}} / {{customer.phone}} / {{contact.name}}",
        ticket=ticket,
        agent=world.agent,
    )
    assert text == (f"أحمد القحطاني / أحمد / AWN-{ticket.pk:06d} / {{{{customer.phone}}}} / أحمد القحطاني")
