"""End to end over real SMTP: a parent's mail → ticket → an agent's reply received by the relay, threaded to the
parent's mail → the parent's answer by email lands on the same ticket. Plus what the outgoing mail looks like and
how SMTP refusals are retried or not."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from awn.connectors.enums import DeliveryError, DeliveryStatus
from awn.connectors.models import OutboundMessage
from awn.connectors.tasks import sweep
from awn.tickets.enums import Direction
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message

from .mailservers import PARENT, SUPPORT_ADDRESS, mail, send

pytestmark = pytest.mark.django_db(transaction=True)


def test_mail_reply_and_answer_stay_on_one_ticket(world, inboxes, smtp_port, smtp_relay, reply) -> None:
    question = mail("السلام عليكم، كيف أربط حساب ابني بحسابي؟", subject="ربط حساب الابن")
    send(smtp_port, question)
    ticket = Ticket.objects.get(channel="email")

    # The agent answers from the workspace, with an attachment; the answer leaves through the relay.
    guide = ("دليل-الربط.txt", "الخطوة الأولى: الدخول إلى نظام نور".encode())
    client = world.client_for(world.agent)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = reply(
        client,
        ticket.pk,
        "مرحباً، اتبع الخطوات في الملف المرفق <ثم> أعد المحاولة",
        [SimpleUploadedFile(*guide)],
    )
    assert response.status_code == 302
    assert len(smtp_relay.captured) == 1
    captured = smtp_relay.captured[0]
    sent = captured.message
    assert captured.rcpt_tos == [PARENT] and captured.mail_from == SUPPORT_ADDRESS
    assert sent["In-Reply-To"] == question["Message-ID"]
    assert question["Message-ID"] in sent["References"]
    assert sent["Subject"] == f"Re: ربط حساب الابن [{ticket.reference}]"
    assert sent["From"].addresses[0].display_name == "دعم نور"
    assert sent["From"].addresses[0].addr_spec == SUPPORT_ADDRESS
    assert sent["Auto-Submitted"] is None  # a person wrote it
    assert captured.text().strip() == "مرحباً، اتبع الخطوات في الملف المرفق <ثم> أعد المحاولة"
    html = captured.html()
    assert '<div dir="rtl" lang="ar"' in html and "&lt;ثم&gt;" in html and "<ثم>" not in html
    attachments = list(sent.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["دليل-الربط.txt"]
    assert attachments[0].get_content() == guide[1].decode()
    outbound = OutboundMessage.objects.get(message__ticket=ticket)
    assert outbound.status == DeliveryStatus.SENT and outbound.provider_message_id == sent["Message-ID"]
    assert django_mail.outbox == []  # no second copy as a portal notification

    # The parent answers from their mail client: In-Reply-To is our reply; the subject is changed.
    answer = mail("شكراً، تم الربط بنجاح", subject="Re: ربط")
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = f"{question['Message-ID']} {sent['Message-ID']}"
    send(smtp_port, answer)
    assert Ticket.objects.filter(channel="email").count() == 1
    bodies = list(Message.objects.filter(ticket=ticket).values_list("direction", "body"))
    assert bodies[0] == (Direction.INBOUND, "السلام عليكم، كيف أربط حساب ابني بحسابي؟")
    assert bodies[-1] == (Direction.INBOUND, "شكراً، تم الربط بنجاح")

    # A teacher copied on the thread answers our reply: our Message-IDs cannot be guessed, so it joins too.
    copied = mail("أؤكد أن الطالب في فصلي", subject="Re: ربط", sender="teacher.huda@school.test")
    copied["In-Reply-To"] = sent["Message-ID"]
    send(smtp_port, copied)
    assert Message.objects.filter(ticket=ticket, body="أؤكد أن الطالب في فصلي").exists()

    # A second reply threads to the latest mail and carries the whole chain.
    ticket_add_message(ticket=ticket, body="سعدنا بخدمتك", actor=world.agent)
    OutboundMessage.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=timezone.now())
    sweep(stale_seconds=0)
    second = smtp_relay.captured[-1].message
    assert second["In-Reply-To"] == copied["Message-ID"]  # the latest mail on the thread
    assert second["References"].split() == [
        question["Message-ID"],
        sent["Message-ID"],
        answer["Message-ID"],
        copied["Message-ID"],
    ]


def test_temporary_smtp_refusal_is_retried_and_permanent_is_not(
    world,
    inboxes,
    smtp_port,
    smtp_relay,
    reply,
) -> None:
    send(smtp_port, mail())
    ticket = Ticket.objects.get(channel="email")
    client = world.client_for(world.agent)
    smtp_relay.handler.refuse = ["451 4.3.0 Try again later"]
    reply(client, ticket.pk, "الرد الأول")
    first = OutboundMessage.objects.get()
    assert first.status == DeliveryStatus.PENDING and "451" in first.last_error
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    sweep(stale_seconds=0)
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SENT and first.attempts == 2
    assert len(smtp_relay.captured) == 1

    smtp_relay.handler.refuse = ["554 5.7.1 Message rejected as spam"]
    reply(client, ticket.pk, "الرد الثاني")
    second = OutboundMessage.objects.exclude(pk=first.pk).get()
    assert second.status == DeliveryStatus.FAILED and second.error_code == DeliveryError.PROVIDER
    assert "554" in second.last_error and second.attempts == 1


def test_unreachable_smtp_server_is_retried(world, inboxes, smtp_port, reply) -> None:
    from awn.connectors.services import inbox_save

    from .mailservers import free_port

    send(smtp_port, mail())
    inbox = inboxes["email"]
    inbox_save(
        inbox=inbox,
        name=inbox.name,
        kind="email",
        settings={**inbox.settings, "smtp_port": str(free_port())},  # nothing listens there
    )
    reply(world.client_for(world.agent), Ticket.objects.get(channel="email").pk, "مرحباً")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.PENDING and "unreachable" in outbound.last_error


def test_smtp_client_sees_the_size_limit(inboxes, smtp_port) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.ehlo()
        assert int(client.esmtp_features["size"]) > 10 * 1024 * 1024
