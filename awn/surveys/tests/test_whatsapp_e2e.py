"""A WhatsApp customer meets the survey through the real webhook, the real outbox and a fake WhatsApp API on
127.0.0.1: asked on resolution, answers «٤», thanked; a reminder outside WhatsApp's 24-hour window goes by email."""

from __future__ import annotations

import copy
import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awn.connectors.models import Conversation, Inbox
from awn.connectors.tests.conftest import load
from awn.notifications.models import Notification
from awn.surveys.models import SurveyInvitation, SurveyResponse
from awn.surveys.services import surveys_send_reminders
from awn.tickets.enums import Status
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_update

_ids = itertools.count(1)
LINK = re.compile(r"/survey/([^/\s]+)/")


@pytest.fixture(autouse=True)
def _assistant_quiet(settings: Any) -> None:
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()  # the assistant's first line is tested on its own


def _text(body: str, sender: str = "966501234567") -> dict[str, Any]:
    payload = copy.deepcopy(load("whatsapp/text.json"))
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.survey-{next(_ids)}"
    message["from"] = sender
    message["text"]["body"] = body
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = sender
    return payload


def _sent_texts(provider: Any) -> list[str]:
    return [r.json()["text"]["body"] for r in provider.state.sends() if r.json().get("type") == "text"]


def _resolve(world: Any, ticket: Ticket, capture: Any) -> None:
    with capture(execute=True):
        ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})


@pytest.mark.django_db
def test_asked_on_whatsapp_answered_with_a_digit_and_thanked(
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Any,
    provider: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert deliver(inboxes["whatsapp"], _text("لا أستطيع الدخول إلى حساب ابني")).status_code == 200
    ticket = Ticket.objects.get(channel="whatsapp")
    _resolve(world, ticket, django_capture_on_commit_callbacks)
    sent = _sent_texts(provider)
    assert len(sent) == 1 and "1" in sent[0] and "5" in sent[0] and LINK.search(sent[0])
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    assert invitation.channel == "whatsapp"
    # The customer replies «٤»: the resolved ticket is no longer active, so the reply opens a ticket of its own…
    assert deliver(inboxes["whatsapp"], _text("٤")).status_code == 200
    response = SurveyResponse.objects.get(ticket=ticket)
    assert (response.csat, response.channel) == (4, "whatsapp")
    assert Ticket.objects.get(pk=ticket.pk).csat_score == 4
    # …which is folded into the surveyed one: no new contact in the figures.
    stray = Ticket.objects.exclude(pk=ticket.pk).get()
    assert stray.merged_into_id == ticket.pk and stray.status == Status.CLOSED
    sent = _sent_texts(provider)
    assert len(sent) == 2 and "شكر" in sent[1]
    # The link of the same survey is now refused: one answer per ticket, whatever the channel.
    token = LINK.search(_sent_texts(provider)[0]).group(1)  # type: ignore[union-attr]
    assert 'data-reason="answered"' in Client().get(f"/survey/{token}/").content.decode()
    # A second «5» is an ordinary message now: nothing waits for it.
    deliver(inboxes["whatsapp"], _text("5"))
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_outside_the_24_hour_window_the_reminder_goes_by_email(
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Any,
    provider: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    deliver(inboxes["whatsapp"], _text("لا أستطيع الدخول إلى حساب ابني"))
    ticket = Ticket.objects.get(channel="whatsapp")
    _resolve(world, ticket, django_capture_on_commit_callbacks)
    assert len(_sent_texts(provider)) == 1
    # Two days later: the customer's last WhatsApp message is 49 hours old, the window closed.
    Conversation.objects.filter(ticket=ticket).update(last_inbound_at=timezone.now() - timedelta(hours=49))
    SurveyInvitation.objects.filter(ticket=ticket).update(sent_at=timezone.now() - timedelta(hours=49))
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_reminders() == 1
    assert len(_sent_texts(provider)) == 1  # no WhatsApp message the provider would refuse
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    reminder = Notification.objects.get(dedupe_key=f"survey:{invitation.pk}:reminder")
    assert reminder.to_email == invitation.contact.email and LINK.search(reminder.body)
