"""Telegram Bot API: documents and photos via getFile, button callbacks, shared contacts, threading."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from awn.connectors.enums import EventStatus
from awn.connectors.models import ChannelIdentity, InboundEvent
from awn.crm.models import Contact
from awn.tickets.enums import Status
from awn.tickets.models import Attachment, Ticket
from awn.tickets.services import ticket_update

from .conftest import load

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF"
DOC_ID = "BQACAgQAAxkBAAIBZ2VnXyKpY2dbT2Wc3fD2AAH1d8xAAAKJEAACfNVAU5gQd0bPQ5xuMwQ"


def test_new_user_gets_a_contact_and_identity(world, inboxes, deliver) -> None:
    deliver(inboxes["telegram"], load("telegram/text.json"))
    identity = ChannelIdentity.objects.get(kind="telegram", external_id="583920114")
    assert identity.contact.name == "خالد العتيبي"
    assert Ticket.objects.get(channel="telegram").requester_id == identity.contact_id


def test_document_is_fetched_with_get_file(world, inboxes, deliver, provider) -> None:
    provider.state.media[DOC_ID] = (PDF, "application/pdf")
    deliver(inboxes["telegram"], load("telegram/document.json"))
    attachment = Attachment.objects.get()
    assert attachment.filename == "transfer-request.pdf"
    assert attachment.file.read() == PDF
    assert attachment.message.body == "طلب نقل"


def test_photo_takes_the_largest_size(world, inboxes, deliver, provider) -> None:
    provider.state.media["AgACAgQAAxkBAAIBaGVnX1large"] = (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg")
    deliver(inboxes["telegram"], load("telegram/photo.json"))
    assert Attachment.objects.get().filename == "AQADlarge.jpg"


def test_button_callback_and_follow_ups_thread_into_one_ticket(world, inboxes, deliver) -> None:
    deliver(inboxes["telegram"], load("telegram/text.json"))
    deliver(inboxes["telegram"], load("telegram/callback_query.json"))
    ticket = Ticket.objects.get(channel="telegram")
    assert list(ticket.messages.values_list("body", flat=True)) == [
        "متى تظهر نتائج الفصل الأول؟",
        "نعم، شكراً",
    ]


def test_resolved_ticket_is_not_reused(world, inboxes, deliver) -> None:
    deliver(inboxes["telegram"], load("telegram/text.json"))
    first = Ticket.objects.get(channel="telegram")
    ticket_update(ticket=first, actor=world.agent, changes={"status": Status.RESOLVED})
    deliver(inboxes["telegram"], load("telegram/callback_query.json"))
    assert Ticket.objects.filter(channel="telegram").count() == 2
    assert first.messages.count() == 1


def test_shared_contact_joins_the_existing_profile_by_phone(world, inboxes, deliver) -> None:
    deliver(inboxes["telegram"], load("telegram/text.json"))
    temporary = ChannelIdentity.objects.get().contact
    deliver(inboxes["telegram"], load("telegram/contact.json"))
    identity = ChannelIdentity.objects.get()
    assert identity.contact_id == world.parent.pk  # +966501234567
    assert Contact.objects.get(pk=temporary.pk).merged_into_id == world.parent.pk
    assert set(Ticket.objects.filter(channel="telegram").values_list("requester_id", flat=True)) == {
        world.parent.pk
    }


def test_edited_messages_are_acknowledged_and_ignored(world, inboxes, deliver) -> None:
    assert deliver(inboxes["telegram"], load("telegram/edited_message.json")).status_code == 200
    assert InboundEvent.objects.get().status == EventStatus.IGNORED
    assert not Ticket.objects.filter(channel="telegram").exists()


def test_reply_with_a_file_uses_send_document(world, inboxes, deliver, reply, provider) -> None:
    deliver(inboxes["telegram"], load("telegram/text.json"))
    ticket = Ticket.objects.get(channel="telegram")
    upload = SimpleUploadedFile("results.pdf", PDF, content_type="application/pdf")
    reply(world.client_for(world.agent), ticket.pk, "مرفق كشف الدرجات", files=[upload])
    paths = [r.path.rsplit("/", 1)[-1] for r in provider.state.sends()]
    assert paths == ["sendMessage", "sendDocument"]
    document = provider.state.sends()[1]
    assert b'name="chat_id"\r\n\r\n583920114' in document.body
    assert PDF in document.body and b'filename="results.pdf"' in document.body


def test_one_profile_across_whatsapp_and_telegram(world, inboxes, deliver) -> None:
    payload = load("whatsapp/text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = "966551112233"  # not in the CRM yet
    deliver(inboxes["whatsapp"], payload)
    whatsapp_contact = Ticket.objects.get(channel="whatsapp").requester
    assert whatsapp_contact.phone == "+966551112233"
    deliver(inboxes["telegram"], load("telegram/text.json"))
    shared = load("telegram/contact.json")
    shared["message"]["contact"]["phone_number"] = "+966551112233"
    deliver(inboxes["telegram"], shared)
    assert ChannelIdentity.objects.get(kind="telegram").contact_id == whatsapp_contact.pk
    assert set(Ticket.objects.values_list("requester_id", flat=True)) == {whatsapp_contact.pk}
