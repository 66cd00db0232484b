"""The contract every connector passes, parametrized over connectors with real payload shapes."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from awn.connectors.enums import DeliveryStatus, EventStatus
from awn.connectors.models import InboundEvent, OutboundMessage
from awn.connectors.registry import connectors
from awn.tickets.enums import Direction
from awn.tickets.models import Message, Ticket

from .conftest import load


@dataclass(frozen=True)
class Spec:
    fixture: str
    text: str
    address: str
    channel: str
    send_path: str


SPECS = {
    "whatsapp": Spec(
        "whatsapp/text.json",
        "السلام عليكم، لا أستطيع الدخول إلى حساب ابني",
        "966501234567",
        "whatsapp",
        "/wa/v21.0/106540352242922/messages",
    ),
    "telegram": Spec(
        "telegram/text.json",
        "متى تظهر نتائج الفصل الأول؟",
        "583920114",
        "telegram",
        "/tg/bot123456:TEST-bot-token/sendMessage",
    ),
    "email": Spec(
        "email/text.json",
        "السلام عليكم، ابني لا يستطيع الدخول إلى نظام نور",
        "parent.ahmed@example.com",
        "email",
        "/smtp",  # the SMTP relay's captures (see the smtp_relay fixture)
    ),
    # Phone calls are spoken, not written: no send path, the reply test does not apply.
    "phone": Spec("cti/ringing.json", "مكالمة واردة من +966501234567\nخيار القائمة: 1", "", "phone", ""),
    "fake": Spec("fake/text.json", "أحتاج مساعدة في إدخال الدرجات", "user-42", "api", "/fake/messages"),
}


# Kinds fed by a long-running listener instead of the webhook (Asterisk over AMI): their contract (idempotent
# intake, one ticket on the channel) is tested against a protocol-level server in test_ami.py; here they must
# refuse every webhook.
LISTENER_KINDS = {"asterisk"}
# Web chat's messages come over the widget's socket (awn/chat, tested there): it refuses every webhook too.
SOCKET_KINDS = {"web_chat"}


def test_every_registered_connector_has_a_contract_spec() -> None:
    assert set(connectors()) == set(SPECS) | LISTENER_KINDS | SOCKET_KINDS


@pytest.mark.parametrize("listener_kind", sorted(LISTENER_KINDS | SOCKET_KINDS))
def test_listener_only_kinds_refuse_every_webhook(world, listener_kind) -> None:
    from awn.connectors.services import inbox_save

    inbox = inbox_save(
        inbox=None, name="listener", kind=listener_kind, settings={"ami_host": "h", "ami_username": "u"}
    )
    for kind in SPECS:
        body = json.dumps(load(SPECS[kind].fixture)).encode()
        response = Client().post(f"/hooks/{inbox.uuid}/", data=body, content_type="application/json")
        assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


@pytest.fixture(params=sorted(SPECS))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def test_signed_message_becomes_a_ticket_on_its_channel(world, inboxes, deliver, kind) -> None:
    spec = SPECS[kind]
    response = deliver(inboxes[kind], load(spec.fixture))
    assert response.status_code == 200
    assert response.json() == {"stored": 1, "duplicates": 0}
    event = InboundEvent.objects.get()
    assert event.status == EventStatus.DONE
    assert event.message_id is not None
    message = Message.objects.get(pk=event.message_id)
    assert message.body == spec.text
    assert message.direction == Direction.INBOUND
    assert message.channel == spec.channel
    assert message.ticket.channel == spec.channel


def test_forged_signature_is_refused_and_writes_nothing(world, inboxes, deliver, kind, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    tickets_before = Ticket.objects.count()
    response = deliver(inboxes[kind], load(SPECS[kind].fixture), secret="not-the-secret")
    assert response.status_code == 401
    unsigned = deliver(inboxes[kind], load(SPECS[kind].fixture), signed=False)
    assert unsigned.status_code == 401
    assert InboundEvent.objects.count() == 0
    assert Ticket.objects.count() == tickets_before
    assert caplog.text.count("webhook signature refused") == 2


def test_redelivery_is_absorbed(world, inboxes, deliver, kind, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    payload = load(SPECS[kind].fixture)
    assert deliver(inboxes[kind], payload).status_code == 200
    again = deliver(inboxes[kind], payload)
    assert again.status_code == 200
    assert again.json() == {"stored": 0, "duplicates": 1}
    assert "1 duplicate deliveries absorbed" in caplog.text
    assert InboundEvent.objects.count() == 1
    assert Message.objects.filter(body=SPECS[kind].text).count() == 1


def test_malformed_payload_is_refused(world, inboxes, deliver, kind, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    for body in (b"not json", b"[]", json.dumps({"hello": "world"}).encode()):
        assert deliver(inboxes[kind], body).status_code == 400
    assert InboundEvent.objects.count() == 0
    assert caplog.text.count("malformed webhook refused") == 3


def test_agent_reply_goes_out_through_the_same_connector(
    world, inboxes, deliver, reply, provider, kind
) -> None:
    spec = SPECS[kind]
    deliver(inboxes[kind], load(spec.fixture))
    ticket = Ticket.objects.get(channel=spec.channel)
    response = reply(world.client_for(world.agent), ticket.pk, "مرحباً، تمت إعادة تعيين كلمة المرور")
    assert response.status_code == 302
    if not spec.send_path:  # a phone call is not answered in writing: the reply stays on the ticket only
        assert not OutboundMessage.objects.exists()
        assert provider.state.sends() == []
        return
    sends = [r for r in provider.state.sends() if r.path == spec.send_path]
    assert len(sends) == 1
    sent = sends[0].json()
    assert "مرحباً، تمت إعادة تعيين كلمة المرور" in json.dumps(sent, ensure_ascii=False)
    assert spec.address in json.dumps(sent)
    outbound = OutboundMessage.objects.get(message__ticket=ticket)
    assert outbound.status == DeliveryStatus.SENT
    assert outbound.provider_message_id
    assert outbound.attempts == 1


def test_unknown_or_disabled_inbox_is_404(world, inboxes, deliver) -> None:
    body = json.dumps(load("fake/text.json")).encode()
    assert (
        Client().post(f"/hooks/{uuid.uuid4()}/", data=body, content_type="application/json").status_code
        == 404
    )
    assert Client().post("/hooks/not-a-uuid/", data=body, content_type="application/json").status_code == 404
    inbox = inboxes["fake"]
    inbox.is_active = False
    inbox.save()
    assert deliver(inbox, body).status_code == 404
    assert InboundEvent.objects.count() == 0
