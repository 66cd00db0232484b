from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Direction, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_update

from .files import HTML_BYTES, png_bytes


def _page(client, ticket: Ticket) -> str:
    response = client.get(reverse("portal:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _resolve(world, ticket: Ticket, reply: str = "تم حل المشكلة، جرّب الدخول الآن") -> None:
    ticket_add_message(ticket=ticket, actor=world.agent, body=reply, status_after=Status.RESOLVED)


def test_ticket_page_shows_public_thread_with_authors_and_status(world):
    ticket = world.ticket(subject="لا أستطيع الدخول", body="تظهر رسالة خطأ")
    ticket_add_message(ticket=ticket, actor=world.agent, body="هل جربت إعادة تعيين كلمة المرور؟")
    html = _page(world.client_for(world.parent_user), ticket)

    assert ticket.reference in html
    assert "تظهر رسالة خطأ" in html and "هل جربت إعادة تعيين كلمة المرور؟" in html
    assert html.index("تظهر رسالة خطأ") < html.index("هل جربت إعادة تعيين كلمة المرور؟")
    assert 'data-direction="outbound"' in html and world.agent.first_name in html  # "Support team · هند"
    assert 'data-status="open"' in html
    assert 'class="awn-user-content" dir="auto" data-testid="message-body"' in html
    assert f'<bdi dir="ltr" data-testid="ticket-reference">{ticket.reference}</bdi>' in html
    assert 'data-testid="reply-form"' in html
    assert 'data-testid="csat-form"' not in html  # not resolved yet


def test_internal_notes_and_their_files_never_reach_customers(world):
    ticket = world.ticket()
    note = ticket_add_message(
        ticket=ticket,
        actor=world.agent,
        kind=MessageKind.NOTE,
        body="ملاحظة داخلية: رقم الهوية لا يطابق",
        attachments=[IncomingFile("internal.png", png_bytes())],
    )
    attachment = note.attachments.get()
    parent = world.client_for(world.parent_user)

    html = _page(parent, ticket)
    assert "ملاحظة داخلية" not in html
    assert "internal.png" not in html
    assert reverse("attachment-download", args=[attachment.pk]) not in html
    assert parent.get(reverse("attachment-download", args=[attachment.pk])).status_code == 404
    assert (
        world.client_for(world.agent).get(reverse("attachment-download", args=[attachment.pk])).status_code
        == 200
    )


def test_parent_replies_with_an_attachment(world):
    ticket = world.ticket()
    client = world.client_for(world.parent_user)
    upload = SimpleUploadedFile("screen.png", png_bytes(), content_type="image/png")

    response = client.post(
        reverse("portal:ticket_reply", args=[ticket.pk]),
        {"body": "ما زالت المشكلة قائمة", "attachments": [upload]},
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:ticket", args=[ticket.pk]))
    message = ticket.messages.order_by("-pk").first()
    assert message is not None
    assert message.body == "ما زالت المشكلة قائمة"
    assert message.author_contact == world.parent and message.author_user == world.parent_user
    assert message.direction == Direction.INBOUND and message.kind == MessageKind.REPLY
    assert message.attachments.get().content_type == "image/png"
    assert "ما زالت المشكلة قائمة" in _page(client, ticket)


def test_parent_replies_on_a_ticket_their_child_opened(world):
    ticket = world.ticket(requester=world.child)
    response = world.client_for(world.parent_user).post(
        reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "أنا ولي أمرها"}
    )
    assert response.status_code == 302
    assert ticket.messages.order_by("-pk").first().author_contact == world.parent


def test_reply_with_a_forbidden_file_keeps_the_text_and_saves_nothing(world):
    ticket = world.ticket()
    bad = SimpleUploadedFile("x.html", HTML_BYTES, content_type="text/html")
    response = world.client_for(world.parent_user).post(
        reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "نص الرد", "attachments": [bad]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="attachments"' in html and "x.html" in html
    assert "نص الرد</textarea>" in html
    assert ticket.messages.count() == 1


def test_empty_reply_is_refused(world):
    ticket = world.ticket()
    response = world.client_for(world.parent_user).post(
        reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "  "}
    )
    assert response.status_code == 400
    assert 'data-field="body"' in response.content.decode()
    assert ticket.messages.count() == 1


def test_reply_reopens_a_resolved_ticket(world):
    ticket = world.ticket()
    _resolve(world, ticket)
    world.client_for(world.parent_user).post(
        reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "لم تُحل"}
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_closed_ticket_has_no_reply_form_and_refuses_replies(world):
    ticket = world.ticket()
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.CLOSED})
    client = world.client_for(world.parent_user)

    html = _page(client, ticket)
    response = client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "مرحبا"})

    assert 'data-testid="reply-form"' not in html and 'data-testid="closed-note"' in html
    assert response.status_code == 302
    assert ticket.messages.count() == 1


def test_rate_once_only_after_resolved(world):
    ticket = world.ticket()
    client = world.client_for(world.parent_user)
    rate_url = reverse("portal:ticket_rate", args=[ticket.pk])

    # Not resolved: no form, and a forged POST changes nothing.
    assert 'data-testid="csat-form"' not in _page(client, ticket)
    client.post(rate_url, {"score": "5"})
    ticket.refresh_from_db()
    assert ticket.csat_score is None

    _resolve(world, ticket)
    html = _page(client, ticket)
    assert 'data-testid="csat-form"' in html
    assert html.count('name="score"') == 5 and 'name="comment"' in html

    response = client.post(rate_url, {"score": "4", "comment": "شكرًا على سرعة الرد"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (4, "شكرًا على سرعة الرد")

    html = _page(client, ticket)
    assert 'data-testid="csat-form"' not in html
    assert 'data-testid="rating-given"' in html and "شكرًا على سرعة الرد" in html

    client.post(rate_url, {"score": "1", "comment": "تغيير"})
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (4, "شكرًا على سرعة الرد")


def test_out_of_range_rating_is_refused(world):
    ticket = world.ticket()
    _resolve(world, ticket)
    for score in ("0", "6", "five", ""):
        response = world.client_for(world.parent_user).post(
            reverse("portal:ticket_rate", args=[ticket.pk]), {"score": score}
        )
        assert response.status_code == 400
        assert 'data-field="score"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.csat_score is None


def test_only_the_requester_rates(world):
    """A parent sees a ticket their child opened, but the rating belongs to the requester."""
    ticket = world.ticket(requester=world.child)
    _resolve(world, ticket)
    client = world.client_for(world.parent_user)
    assert 'data-testid="csat-form"' not in _page(client, ticket)
    client.post(reverse("portal:ticket_rate", args=[ticket.pk]), {"score": "5"})
    ticket.refresh_from_db()
    assert ticket.csat_score is None


def test_ticket_page_queries_are_bounded(world, django_assert_max_num_queries):
    ticket = world.ticket()
    for n in range(6):
        ticket_add_message(
            ticket=ticket,
            actor=world.agent if n % 2 else world.parent_user,
            body=f"رسالة {n}",
            attachments=[IncomingFile(f"f{n}.png", png_bytes(n + 1))],
        )
    client = world.client_for(world.parent_user)
    with django_assert_max_num_queries(12):
        html = _page(client, ticket)
    assert html.count('data-testid="message"') == 7
    assert html.count('data-testid="attachment-link"') == 6


def test_public_messages_only_in_the_thread(world):
    ticket = world.ticket()
    ticket_add_message(ticket=ticket, actor=world.agent, kind=MessageKind.NOTE, body="سر")
    html = _page(world.client_for(world.parent_user), ticket)
    assert (
        html.count('data-testid="message"')
        == Message.objects.filter(ticket=ticket, kind="reply").count()
        == 1
    )
