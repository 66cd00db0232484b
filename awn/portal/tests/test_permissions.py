"""Who may see and touch what: anything outside visible_tickets is a 404 (no existence leak), never a 403."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Category, Status
from awn.tickets.models import AuditEntry, Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_create

from .files import png_bytes

# (who looks, whose ticket)
CASES = [
    pytest.param("parent_user", "other_parent", id="parent-vs-other-parents-ticket"),
    pytest.param("parent_user", "other_child", id="parent-vs-other-childs-ticket"),
    pytest.param("other_parent_user", "child", id="other-parent-vs-my-childs-ticket"),
    pytest.param("teacher_user", "parent", id="teacher-vs-parent-ticket"),
    pytest.param(None, "parent", id="anonymous"),
]


def _resolved_ticket_with_file(world, requester_attr: str) -> tuple[Ticket, int]:
    ticket = ticket_create(
        requester=getattr(world, requester_attr),
        subject="موضوع خاص",
        body="محتوى خاص لا يراه غير صاحبه",
        category=Category.TRANSFER,
        attachments=[IncomingFile("private.png", png_bytes())],
    )
    ticket_add_message(ticket=ticket, actor=world.agent, body="تم", status_after=Status.RESOLVED)
    attachment_id = Message.objects.filter(ticket=ticket).first().attachments.get().pk  # type: ignore[union-attr]
    return ticket, attachment_id


def _snapshot(ticket: Ticket) -> tuple[object, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.csat_score,
        ticket.version,
        Message.objects.filter(ticket=ticket).count(),
        AuditEntry.objects.filter(ticket=ticket).count(),
    )


def _assert_refused(response, anonymous: bool) -> None:
    if anonymous:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 404
        assert "موضوع خاص" not in response.content.decode()


@pytest.mark.parametrize(("viewer", "owner"), CASES)
def test_outsiders_cannot_view_reply_rate_or_download(world, viewer, owner):
    ticket, attachment_id = _resolved_ticket_with_file(world, owner)
    client = world.client_for(getattr(world, viewer)) if viewer else Client()
    before = _snapshot(ticket)

    _assert_refused(client.get(reverse("portal:ticket", args=[ticket.pk])), viewer is None)
    _assert_refused(
        client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "تطفل"}), viewer is None
    )
    _assert_refused(
        client.post(reverse("portal:ticket_rate", args=[ticket.pk]), {"score": "1"}), viewer is None
    )
    _assert_refused(client.get(reverse("attachment-download", args=[attachment_id])), viewer is None)

    assert _snapshot(ticket) == before
    if viewer:
        listing = client.get(reverse("portal:home")).content.decode()
        assert ticket.reference not in listing


def test_the_same_requests_work_for_the_owner(world):
    """The matrix above must be able to fail: the owner gets through every door it tries."""
    ticket, attachment_id = _resolved_ticket_with_file(world, "parent")
    client = world.client_for(world.parent_user)

    assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 200
    assert client.get(reverse("attachment-download", args=[attachment_id])).status_code == 200
    assert client.post(reverse("portal:ticket_rate", args=[ticket.pk]), {"score": "3"}).status_code == 302
    assert client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "شكرًا"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.csat_score == 3 and ticket.messages.count() == 3


def test_a_missing_ticket_and_a_hidden_one_look_the_same(world):
    hidden = world.ticket(requester=world.other_parent)
    client = world.client_for(world.parent_user)
    missing = client.get(reverse("portal:ticket", args=[hidden.pk + 1000]))
    forbidden = client.get(reverse("portal:ticket", args=[hidden.pk]))
    assert missing.status_code == forbidden.status_code == 404


def test_outsourced_agent_downloads_only_within_their_contract(world):
    covered, covered_file = _resolved_ticket_with_file(world, "parent")
    Ticket.objects.filter(pk=covered.pk).update(category=Category.ACCOUNT_ACCESS)
    _other, other_file = _resolved_ticket_with_file(world, "parent")  # TRANSFER: not in the vendor's contract
    vendor = world.client_for(world.vendor_agent)
    assert vendor.get(reverse("attachment-download", args=[covered_file])).status_code == 200
    assert vendor.get(reverse("attachment-download", args=[other_file])).status_code == 404


def test_attachment_download_headers(world):
    png = png_bytes(3, 3)
    ticket = ticket_create(
        requester=world.parent,
        subject="مرفق",
        body="مرفق",
        attachments=[IncomingFile("صورة الشاشة.png", png)],
    )
    attachment = ticket.messages.get().attachments.get()
    response = world.client_for(world.parent_user).get(reverse("attachment-download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "inline" not in disposition
    assert "filename*=utf-8''" in disposition  # the Arabic name, encoded
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == png


def test_download_uses_the_stored_type_not_the_browsers(world):
    """The browser claimed text/html; the service decided image/png from the bytes, and that is served."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = world.client_for(world.parent_user)
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="text/html")
    client.post(
        reverse("portal:ticket_new"),
        {"subject": "س", "category": Category.OTHER, "about": "self", "body": "ن", "attachments": [upload]},
    )
    attachment = Message.objects.get().attachments.get()
    assert attachment.content_type == "image/png"
    response = client.get(reverse("attachment-download", args=[attachment.pk]))
    assert response["Content-Type"] == "image/png"


def test_download_is_get_only(world):
    _ticket, attachment_id = _resolved_ticket_with_file(world, "parent")
    response = world.client_for(world.parent_user).post(reverse("attachment-download", args=[attachment_id]))
    assert response.status_code == 405
