"""Proactive outreach on WhatsApp through the real outbox and a fake WhatsApp API on 127.0.0.1: a person who wrote
more than 24 hours ago gets the guide as the inbox's approved template, one who wrote within the window as text;
each once, and the provider's delivery status reaches the campaign's statistics."""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from awn.connectors.models import Conversation, Inbox, OutboundMessage
from awn.connectors.services import inbox_save
from awn.crm.models import ExternalEvent
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.outreach import selectors, services
from awn.outreach.models import Recipient

from .conftest import load

_ids = itertools.count(1)


def _text(sender: str) -> dict[str, Any]:
    payload = copy.deepcopy(load("whatsapp/text.json"))
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.outreach-{next(_ids)}"
    message["from"] = sender
    message["text"]["body"] = "السلام عليكم"
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = sender
    return payload


def test_outside_the_window_the_guide_goes_as_the_template_inside_as_text(
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Any,
    provider: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.AWN_OUTREACH_QUIET_HOURS = (0, 0)  # whatever the hour in Riyadh
    inbox = inboxes["whatsapp"]
    inbox_save(
        inbox=inbox,
        name=inbox.name,
        kind="whatsapp",
        api_base_url=inbox.api_base_url,
        settings={
            "phone_number_id": "106540352242922",
            "template_name": "guide_ar",
            "template_language": "ar",
        },
    )
    deliver(inbox, _text("966500000001"))
    deliver(inbox, _text("966500000002"))
    old, recent = (Conversation.objects.get(address=a) for a in ("966500000001", "966500000002"))
    Conversation.objects.filter(pk=old.pk).update(last_inbound_at=timezone.now() - timedelta(hours=30))
    for n, thread in enumerate((old, recent)):
        ExternalEvent.objects.create(
            event_id=f"w{n}", event_type="login_failed", contact=thread.contact, occurred_at=timezone.now()
        )
    guide = Article.objects.create(
        external_id="kb-901",
        title_ar="استعادة كلمة المرور",
        body_ar="اضغط «نسيت كلمة المرور».",
        status=ArticleStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )
    segment = services.segment_create(actor=world.supervisor, name="فشل الدخول", event_type="login_failed")
    provider.state.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    sends = {r.json()["to"]: r.json() for r in provider.state.sends()}
    assert len(provider.state.sends()) == 2  # one each
    assert sends["966500000001"]["type"] == "template"
    assert sends["966500000001"]["template"]["name"] == "guide_ar"
    assert sends["966500000002"]["type"] == "text"
    assert "kb-901" in sends["966500000002"]["text"]["body"]
    rows = {r.address: r.message_id for r in Recipient.objects.filter(campaign=campaign)}
    assert OutboundMessage.objects.get(message_id=rows["966500000001"] or 0).as_template
    # Sent: the connectors' status reaches the statistics.
    assert selectors.campaign_stats(campaign)["delivery"]["sent"] == 2
