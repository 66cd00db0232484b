"""Email in through Awn's own SMTP server (aiosmtpd on 127.0.0.1), sent with smtplib as a mail server would.

The server thread writes to the database, so these tests commit for real (transaction=True).
"""

from __future__ import annotations

import base64
import json
import logging
import smtplib

import pytest

from awn.connectors import inbound
from awn.connectors.enums import DeliveryStatus, EventStatus
from awn.connectors.models import InboundEvent, OutboundMessage
from awn.connectors.providers.email.smtp_server import smtp_controller
from awn.connectors.services import inbox_save
from awn.connectors.tasks import sweep
from awn.crm.models import Contact
from awn.tickets.enums import Direction
from awn.tickets.models import Attachment, Message, Ticket

from .mailservers import PARENT, SUPPORT_ADDRESS, free_port, mail, send

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_mail_over_smtp_becomes_a_ticket_with_its_attachment(world, inboxes, smtp_port) -> None:
    message = mail(attachments=[("شهادة.pdf", PDF, "application/pdf")])
    assert send(smtp_port, message) == {}
    event = InboundEvent.objects.get(inbox=inboxes["email"])
    assert event.external_id == message["Message-ID"]
    assert event.status == EventStatus.DONE and event.payload["via"] == "smtp"
    ticket = Ticket.objects.get(channel="email")
    assert ticket.subject == "استفسار عن النتائج"
    first = Message.objects.get(ticket=ticket)
    assert first.body == "السلام عليكم، لم تظهر نتيجة ابنتي في نظام نور"
    assert first.direction == Direction.INBOUND and first.channel == "email"
    attachment = Attachment.objects.get(message=first)
    assert attachment.filename == "شهادة.pdf" and attachment.content_type == "application/pdf"
    contact = ticket.requester
    assert contact.email == PARENT and contact.name == "سارة القحطاني"


def test_known_contact_is_found_by_email(world, inboxes, smtp_port) -> None:
    world.parent.email = "known.parent@example.com"
    world.parent.save()
    send(smtp_port, mail(sender="Known <Known.Parent@Example.com>"))
    assert Ticket.objects.get(channel="email").requester_id == world.parent.pk
    assert Contact.objects.filter(email__iexact="known.parent@example.com").count() == 1


def test_the_same_message_delivered_twice_is_one_ticket_message(world, inboxes, smtp_port) -> None:
    message = mail()
    send(smtp_port, message)
    send(smtp_port, message)  # a sending server retrying after a lost 250
    assert InboundEvent.objects.count() == 1
    assert Message.objects.filter(channel="email").count() == 1


def test_replies_thread_by_headers_and_by_subject_reference(world, inboxes, smtp_port) -> None:
    first = mail()
    send(smtp_port, first)
    ticket = Ticket.objects.get(channel="email")
    follow_up = mail("وهذه صورة الشاشة", subject="Re: استفسار عن النتائج")
    follow_up["In-Reply-To"] = first["Message-ID"]
    follow_up["References"] = first["Message-ID"]
    send(smtp_port, follow_up)
    by_reference = mail("هل من جديد؟", subject=f"متابعة [{ticket.reference}]")
    send(smtp_port, by_reference)
    assert list(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == [
        "السلام عليكم، لم تظهر نتيجة ابنتي في نظام نور",
        "وهذه صورة الشاشة",
        "هل من جديد؟",
    ]
    # A new subject without threading headers is a new question: a new ticket, even from the same parent.
    send(smtp_port, mail("سؤال آخر عن النقل", subject="نقل طالب"))
    assert Ticket.objects.filter(channel="email").count() == 2
    # Someone else typing the reference, or naming the parent's own Message-ID, does not get into the ticket.
    send(smtp_port, mail("تجربة", subject=f"[{ticket.reference}]", sender="stranger@example.org"))
    send(
        smtp_port,
        mail("تجربة 2", sender="stranger@example.org", headers={"In-Reply-To": first["Message-ID"]}),
    )
    assert Ticket.objects.filter(channel="email").count() == 4
    assert Message.objects.filter(ticket=ticket).count() == 3


def test_an_answer_to_a_closed_ticket_opens_a_new_one(world, inboxes, smtp_port) -> None:
    first = mail()
    send(smtp_port, first)
    Ticket.objects.filter(channel="email").update(status="closed")
    again = mail("المشكلة عادت من جديد", subject="Re: استفسار عن النتائج")
    again["In-Reply-To"] = first["Message-ID"]
    send(smtp_port, again)
    assert Ticket.objects.filter(channel="email").count() == 2
    assert Ticket.objects.get(channel="email", status="new").subject == "Re: استفسار عن النتائج"


def test_a_question_in_the_subject_alone_and_a_reply_to_address(
    world, inboxes, smtp_port, reply, smtp_relay
) -> None:
    send(
        smtp_port,
        mail("", subject="نسيت كلمة المرور", headers={"Reply-To": "Sara Home <sara.home@example.net>"}),
    )
    ticket = Ticket.objects.get(channel="email")
    assert Message.objects.get(ticket=ticket).body == "نسيت كلمة المرور"
    assert ticket.requester.email == PARENT
    reply(world.client_for(world.agent), ticket.pk, "أرسلنا رابط إعادة التعيين")
    assert smtp_relay.captured[-1].rcpt_tos == ["sara.home@example.net"]


def test_quoted_history_is_trimmed(world, inboxes, smtp_port) -> None:
    body = (
        "شكراً، تم حل المشكلة\n\n"
        "On Sun, 22 Nov 2026 at 10:00, دعم نور <support@school.test> wrote:\n"
        "> مرحباً، جرّب إعادة تعيين كلمة المرور\n"
        "> من صفحة الدخول\n"
    )
    send(smtp_port, mail(body))
    assert Message.objects.get(channel="email").body == "شكراً، تم حل المشكلة"


def test_html_only_mail_is_sanitized_text(world, inboxes, smtp_port) -> None:
    html = (
        '<html><head><style>p{color:red}</style></head><body><div dir="rtl" lang="ar">'
        "<p>مرحباً،</p><p>لا يظهر <b>جدول</b> الحصص<script>alert(1)</script></p>"
        '<img src="https://tracker.example/p.gif" onerror="x()"></div>'
        "<blockquote>النص المقتبس من رسالة سابقة</blockquote></body></html>"
    )
    send(smtp_port, mail("", html=html))
    body = Message.objects.get(channel="email").body
    assert body == "مرحباً،\n\nلا يظهر جدول الحصص"


@pytest.mark.parametrize(
    "header",
    [
        ("Auto-Submitted", "auto-replied"),
        ("X-Autoreply", "yes"),
        ("Precedence", "bulk"),
        ("Precedence", "auto_reply"),
        ("X-Auto-Response-Suppress", "All"),
    ],
)
def test_automatic_mail_never_becomes_a_ticket(world, inboxes, smtp_port, header, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    send(smtp_port, mail("أنا خارج المكتب حتى الأحد", headers=dict([header])))
    assert InboundEvent.objects.get().status == EventStatus.IGNORED
    assert Ticket.objects.filter(channel="email").count() == 0
    assert "automatic mail" in caplog.text


def test_auto_submitted_no_is_a_person(world, inboxes, smtp_port) -> None:
    send(smtp_port, mail(headers={"Auto-Submitted": "no"}))
    assert Ticket.objects.filter(channel="email").count() == 1


def test_mail_from_our_own_address_is_a_loop_and_dropped(
    world, inboxes, smtp_port, smtp_relay, caplog
) -> None:
    send(smtp_port, mail("رد آلي", sender=f"دعم نور <{SUPPORT_ADDRESS}>"))
    assert InboundEvent.objects.get().status == EventStatus.IGNORED
    assert Ticket.objects.filter(channel="email").count() == 0
    assert smtp_relay.captured == []
    assert "from our own address dropped" in caplog.text


def test_mail_from_another_awn_address_is_a_loop_too(world, inboxes, smtp_port, settings) -> None:
    inbox_save(inbox=None, name="بريد آخر", kind="email", settings={"from_address": "results@school.test"})
    settings.DEFAULT_FROM_EMAIL = "عون <notify@school.test>"
    send(smtp_port, mail("رد", sender="results@school.test"))
    send(smtp_port, mail("إشعار", sender="عون <notify@school.test>"))
    assert list(InboundEvent.objects.values_list("status", flat=True)) == [EventStatus.IGNORED] * 2
    assert Ticket.objects.filter(channel="email").count() == 0


def test_unknown_recipient_and_oversized_mail_are_refused(world, inboxes, monkeypatch) -> None:
    monkeypatch.setenv("AWN_EMAIL_MAX_BYTES", "20000")
    port = free_port()
    controller = smtp_controller("127.0.0.1", port)
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(port, mail(to="nobody@school.test"))
        assert refused.value.recipients["nobody@school.test"][0] == 550
        big = mail(attachments=[("كبير.pdf", PDF + b"0" * 40_000, "application/pdf")])
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as too_big:
            send(port, big)
        assert too_big.value.smtp_code == 552
        with smtplib.SMTP("127.0.0.1", port) as client:  # a client that ignores the advertised SIZE
            client.ehlo()
            client.esmtp_features.pop("size", None)
            with pytest.raises(smtplib.SMTPDataError) as data_error:
                client.sendmail(PARENT, [SUPPORT_ADDRESS], big.as_bytes())
            assert data_error.value.smtp_code == 552
    finally:
        controller.stop()
    assert InboundEvent.objects.count() == 0


def test_dangerous_and_oversized_attachments_are_refused_with_a_note(
    world, inboxes, smtp_port, settings
) -> None:
    settings.AWN_ATTACHMENT_MAX_BYTES = 1000
    files = [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 50, "application/octet-stream"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
        ("big.pdf", PDF + b"0" * 2000, "application/pdf"),
        ("ok.txt", "ملاحظات ولي الأمر".encode(), "text/plain"),
    ]
    send(smtp_port, mail("مرفقات", attachments=files))
    message = Message.objects.get(channel="email")
    assert list(message.attachments.values_list("filename", flat=True)) == ["ok.txt"]
    assert message.body.count("[") == 3 and "setup.exe" in message.body and "big.pdf" in message.body


def test_a_crash_mid_ingest_loses_and_doubles_nothing(world, inboxes, smtp_port, monkeypatch) -> None:
    def crash(step: str) -> None:
        if step == "message_stored":
            raise RuntimeError("worker killed")

    monkeypatch.setattr(inbound, "fault_point", crash)
    message = mail()
    assert send(smtp_port, message) == {}  # stored before the 250: the sender will not resend
    event = InboundEvent.objects.get()
    assert event.status == EventStatus.PENDING and "worker killed" in event.last_error
    assert Ticket.objects.filter(channel="email").count() == 0
    monkeypatch.setattr(inbound, "fault_point", lambda step: None)
    send(smtp_port, message)  # resent anyway: absorbed
    assert sweep(stale_seconds=0) == (1, 0)
    assert Message.objects.filter(channel="email").count() == 1
    assert InboundEvent.objects.get().status == EventStatus.DONE


def test_a_bounce_marks_the_reply_not_delivered(world, inboxes, smtp_port, smtp_relay, reply) -> None:
    send(smtp_port, mail())
    ticket = Ticket.objects.get(channel="email")
    reply(world.client_for(world.agent), ticket.pk, "مرحباً، نعمل على طلبك")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.SENT
    sent_id = str(smtp_relay.captured[-1].message["Message-ID"])
    assert outbound.provider_message_id == sent_id
    dsn = BOUNCE.format(sent_id=sent_id, to=SUPPORT_ADDRESS).replace("\n", "\r\n").encode()
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.sendmail("", [SUPPORT_ADDRESS], dsn)  # bounces come with an empty envelope sender
    outbound.refresh_from_db()
    assert outbound.status == DeliveryStatus.FAILED
    assert "User unknown" in outbound.last_error
    assert Message.objects.filter(ticket=ticket, direction=Direction.INBOUND).count() == 1
    assert len(smtp_relay.captured) == 1  # never answered


# A Postfix delivery status notification (RFC 3464) returning our reply.
BOUNCE = """From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: <20261122101500.4F2A1C0123@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="4F2A1C0123.1763806500/mx.example.com"

--4F2A1C0123.1763806500/mx.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.com.
I'm sorry to have to inform you that your message could not be delivered.

--4F2A1C0123.1763806500/mx.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Arrival-Date: Sun, 22 Nov 2026 10:15:00 +0300

Final-Recipient: rfc822; parent.sara@example.com
Original-Recipient: rfc822;parent.sara@example.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.example.com
Diagnostic-Code: smtp; 550 5.1.1 <parent.sara@example.com>: Recipient address rejected: User unknown

--4F2A1C0123.1763806500/mx.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: support@school.test
To: parent.sara@example.com
Subject: Re: x
Message-ID: {sent_id}

--4F2A1C0123.1763806500/mx.example.com--
"""


def test_a_relay_may_post_legacy_8bit_mail_as_base64(world, inboxes, deliver) -> None:
    raw = (
        b"From: old.client@example.com\r\nSubject: test\r\nMessage-ID: <relay-1256@example.com>\r\n"
        b"Content-Type: text/plain; charset=windows-1256\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"\xc7\xe1\xd3\xe1\xc7\xe3 \xda\xe1\xed\xdf\xe3\r\n"
    )
    payload = json.dumps({"mime_base64": base64.b64encode(raw).decode()}).encode()
    assert deliver(inboxes["email"], payload).json() == {"stored": 1, "duplicates": 0}
    assert Message.objects.get(channel="email").body == "السلام عليكم"
    assert deliver(inboxes["email"], b'{"mime_base64": "not base64!"}').status_code == 400
