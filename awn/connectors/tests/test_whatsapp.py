"""WhatsApp Cloud API: media, buttons, status callbacks, the 24-hour window, hub.challenge, contacts by phone."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from awn.connectors.enums import DeliveryError, DeliveryStatus, EventStatus
from awn.connectors.models import Conversation, InboundEvent, OutboundMessage
from awn.connectors.services import inbox_save
from awn.tickets.models import Attachment, Message, Ticket

from .conftest import WA_VERIFY_TOKEN, load

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _ticket_for(world) -> Ticket:
    return Ticket.objects.get(channel="whatsapp")


def test_same_phone_resolves_to_the_existing_crm_profile(world, inboxes, deliver) -> None:
    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    ticket = _ticket_for(world)
    assert ticket.requester_id == world.parent.pk  # +966501234567 is the parent's phone


def test_document_is_downloaded_through_the_graph_api_and_stored(world, inboxes, deliver, provider) -> None:
    provider.state.media["1613419289563087"] = (PDF, "application/pdf")
    deliver(inboxes["whatsapp"], load("whatsapp/document.json"))
    attachment = Attachment.objects.get()
    assert attachment.filename == "certificate.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.file.read() == PDF
    assert attachment.message.body == "شهادة ابني"
    lookups = [r for r in provider.state.requests if r.path == "/wa/v21.0/1613419289563087"]
    assert lookups and lookups[0].headers["authorization"] == "Bearer wa-access-token"


def test_image_without_caption_keeps_a_body(world, inboxes, deliver, provider) -> None:
    provider.state.media["2754859441498128"] = (JPEG, "image/jpeg")
    deliver(inboxes["whatsapp"], load("whatsapp/image.json"))
    attachment = Attachment.objects.get()
    assert attachment.filename == "2754859441498128.jpg"
    assert "2754859441498128.jpg" in attachment.message.body


def test_refused_file_type_is_noted_not_stored(world, inboxes, deliver, provider) -> None:
    provider.state.media["1613419289563087"] = (b"<html><script>x</script></html>", "application/pdf")
    deliver(inboxes["whatsapp"], load("whatsapp/document.json"))
    assert Attachment.objects.count() == 0
    message = Message.objects.get(channel="whatsapp")
    assert message.body.startswith("شهادة ابني\n[")
    assert InboundEvent.objects.get().status == EventStatus.DONE


def test_button_reply_threads_into_the_open_ticket(world, inboxes, deliver) -> None:
    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    deliver(inboxes["whatsapp"], load("whatsapp/interactive_button_reply.json"))
    ticket = _ticket_for(world)
    assert [m.body for m in ticket.messages.order_by("id")] == [
        "السلام عليكم، لا أستطيع الدخول إلى حساب ابني",
        "إعادة تعيين كلمة المرور",
    ]


def test_html_is_sanitized_before_an_agent_sees_it(world, inboxes, deliver) -> None:
    payload = load("whatsapp/text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = (
        '<script>alert("x")</script><b onclick="steal()">مرحبا</b> <img src=x onerror=alert(1)>'
    )
    deliver(inboxes["whatsapp"], payload)
    body = Message.objects.get(channel="whatsapp").body
    assert body == "مرحبا"
    page = Client()
    page.force_login(world.agent)
    html = page.get(f"/workspace/tickets/{_ticket_for(world).pk}/").content.decode()
    assert "alert" not in html and "onerror" not in html


def _reply_and_get(world, inboxes, deliver, reply) -> OutboundMessage:
    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    reply(world.client_for(world.agent), _ticket_for(world).pk, "تمت المعالجة")
    return OutboundMessage.objects.get()


def _status(name: str, provider_id: str) -> dict:
    payload = load(name)
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = provider_id
    return payload


def test_status_callbacks_move_the_delivery_forward_only(world, inboxes, deliver, reply) -> None:
    outbound = _reply_and_get(world, inboxes, deliver, reply)
    assert outbound.status == DeliveryStatus.SENT
    deliver(inboxes["whatsapp"], _status("whatsapp/status_read.json", outbound.provider_message_id))
    deliver(
        inboxes["whatsapp"], _status("whatsapp/status_delivered.json", outbound.provider_message_id)
    )  # late
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.READ
    assert outbound.read_at is not None and outbound.delivered_at is not None
    page = world.client_for(world.agent).get(f"/workspace/tickets/{_ticket_for(world).pk}/")
    assert b'data-status="read"' in page.content


def test_failed_status_is_shown_to_the_agent(world, inboxes, deliver, reply) -> None:
    outbound = _reply_and_get(world, inboxes, deliver, reply)
    deliver(inboxes["whatsapp"], _status("whatsapp/status_failed.json", outbound.provider_message_id))
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.FAILED
    assert "131047" in outbound.last_error
    page = world.client_for(world.agent).get(f"/workspace/tickets/{_ticket_for(world).pk}/")
    assert b'data-status="failed"' in page.content
    assert b"131047" in page.content


def test_reply_outside_the_24_hour_window_is_refused_with_a_clear_message(
    world, inboxes, deliver, reply, provider
) -> None:
    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    Conversation.objects.update(last_inbound_at=timezone.now() - timedelta(hours=25))
    client = world.client_for(world.agent)
    page = client.get(f"/workspace/tickets/{_ticket_for(world).pk}/")
    assert b'data-testid="channel-state"' in page.content and b"alert-warning" in page.content
    reply(client, _ticket_for(world).pk, "رد متأخر")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.FAILED
    assert outbound.error_code == DeliveryError.WINDOW_CLOSED
    assert provider.state.sends() == []
    html = client.get(
        f"/workspace/tickets/{_ticket_for(world).pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "24-hour window is closed and no approved template is set" in html


def test_outside_the_window_an_approved_template_is_sent(world, inboxes, deliver, reply, provider) -> None:
    inbox = inboxes["whatsapp"]
    inbox_save(
        inbox=inbox,
        name=inbox.name,
        kind="whatsapp",
        api_base_url=inbox.api_base_url,
        settings={
            "phone_number_id": "106540352242922",
            "template_name": "ticket_update",
            "template_language": "ar",
        },
    )
    deliver(inbox, load("whatsapp/text.json"))
    Conversation.objects.update(last_inbound_at=timezone.now() - timedelta(hours=30))
    reply(world.client_for(world.agent), _ticket_for(world).pk, "تحديث على طلبك")
    sent = provider.state.sends()[0].json()
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "ticket_update"
    assert sent["template"]["components"][0]["parameters"][0]["text"] == "تحديث على طلبك"
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.SENT and outbound.as_template


def test_webhook_subscription_handshake(world, inboxes) -> None:
    url = f"/hooks/{inboxes['whatsapp'].uuid}/"
    ok = Client().get(
        url, {"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = Client().get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert bad.status_code == 403


def test_other_numbers_of_the_business_account_are_skipped(world, inboxes, deliver) -> None:
    payload = load("whatsapp/text.json")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert deliver(inboxes["whatsapp"], payload).json() == {"stored": 0, "duplicates": 0}


def test_a_status_that_outruns_the_send_is_applied_once_the_send_is_recorded(
    world, inboxes, deliver, reply
) -> None:
    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    early = deliver(inboxes["whatsapp"], _status("whatsapp/status_delivered.json", "wamid.OUT1"))
    assert early.status_code == 200
    event = InboundEvent.objects.get(external_id__startswith="status:")
    assert event.status == EventStatus.PENDING and event.attempts == 1
    reply(world.client_for(world.agent), _ticket_for(world).pk, "تم")
    assert OutboundMessage.objects.get().provider_message_id == "wamid.OUT1"
    from awn.connectors.tasks import sweep

    sweep(stale_seconds=0)
    assert OutboundMessage.objects.get().status == DeliveryStatus.DELIVERED
    assert InboundEvent.objects.get(pk=event.pk).status == EventStatus.DONE


def test_a_status_for_a_message_never_sent_is_dropped_after_a_few_tries(world, inboxes, deliver) -> None:
    from awn.connectors.tasks import sweep

    deliver(inboxes["whatsapp"], _status("whatsapp/status_read.json", "wamid.NEVER"))
    for _ in range(3):
        sweep(stale_seconds=0)
    event = InboundEvent.objects.get()
    assert event.status == EventStatus.DONE and event.attempts == 2


def test_reply_with_a_file_uploads_it_and_sends_a_document(world, inboxes, deliver, reply, provider) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    upload = SimpleUploadedFile("form.pdf", PDF, content_type="application/pdf")
    reply(world.client_for(world.agent), _ticket_for(world).pk, "النموذج مرفق", files=[upload])
    text, media, document = provider.state.sends()
    assert text.json()["text"]["body"] == "النموذج مرفق"
    assert media.path.endswith("/media") and PDF in media.body
    assert media.headers["authorization"] == "Bearer wa-access-token"
    sent = document.json()
    assert sent["type"] == "document" and sent["to"] == "966501234567"
    assert sent["document"]["filename"] == "form.pdf" and sent["document"]["id"].startswith("MEDIA")
    assert OutboundMessage.objects.get().provider_message_id == "wamid.OUT1"


def test_a_whatsapp_reply_is_not_also_emailed(world, inboxes, deliver, reply, provider) -> None:
    from django.core import mail

    from awn.notifications.models import Notification

    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    assert _ticket_for(world).requester.email  # the parent has an email address too
    reply(world.client_for(world.agent), _ticket_for(world).pk, "تم حل المشكلة")
    assert len(provider.state.sends()) == 1
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_a_post_signed_with_an_empty_key_is_refused_when_the_inbox_has_no_app_secret(world, provider) -> None:
    # issue 13, defect 10: HMAC with an empty key is computable by anyone; an inbox without its app secret
    # must refuse every post rather than check it against "".
    inbox = inbox_save(
        inbox=None,
        name="واتساب بلا سر",
        kind="whatsapp",
        api_base_url=f"{provider.url}/wa/v21.0",
        settings={"phone_number_id": "106540352242922"},
        secrets={"access_token": "t"},
    )
    body = json.dumps(load("whatsapp/text.json"), ensure_ascii=False).encode()
    forged = {"X-Hub-Signature-256": "sha256=" + hmac.new(b"", body, hashlib.sha256).hexdigest()}
    response = Client().post(
        f"/hooks/{inbox.uuid}/", data=body, content_type="application/json", headers=forged
    )
    assert response.status_code in (401, 403)
    assert not InboundEvent.objects.filter(inbox=inbox).exists()
