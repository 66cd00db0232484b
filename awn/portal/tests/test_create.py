from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awn.tickets.enums import Category, Channel, Direction, Status
from awn.tickets.models import Attachment, Message, Ticket

from .files import HTML_BYTES, SVG_BYTES, png_bytes

URL = reverse("portal:ticket_new")


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "subject": "نتيجة ابنتي لا تظهر",
        "category": Category.RESULTS_CERTIFICATES,
        "about": "self",
        "body": "أحاول الاطلاع على نتيجة الفصل الأول ولا تظهر أي درجات.\nأرجو المساعدة.",
    }
    data.update(overrides)
    return data


def test_form_offers_myself_and_my_linked_children_only(world):
    response = world.client_for(world.parent_user).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert world.child.name in body
    assert world.other_child.name not in body
    assert 'name="attachments"' in body and "multiple" in body
    assert 'enctype="multipart/form-data"' in body
    assert "csrfmiddlewaretoken" in body


def test_create_about_a_child_with_a_png_attachment(world):
    png = png_bytes(4, 4)
    upload = SimpleUploadedFile("شهادة.png", png, content_type="image/png")
    client = world.client_for(world.parent_user)

    response = client.post(URL, _form(about=str(world.child.pk), attachments=[upload]))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket", args=[ticket.pk])
    assert ticket.requester == world.parent
    assert ticket.about_contact == world.child
    assert ticket.channel == Channel.PORTAL
    assert ticket.category == Category.RESULTS_CERTIFICATES
    assert ticket.status == Status.NEW
    message = Message.objects.get(ticket=ticket)
    assert message.direction == Direction.INBOUND and message.author_contact == world.parent
    assert "أرجو المساعدة" in message.body
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "شهادة.png",
        "image/png",
        len(png),
    )
    with attachment.file.open("rb") as stored:
        assert stored.read() == png

    page = client.get(response.url)
    html = page.content.decode()
    assert ticket.reference in html and "نتيجة ابنتي لا تظهر" in html
    assert reverse("attachment-download", args=[attachment.pk]) in html
    assert 'class="alert alert-success"' in html  # the "received" message


def test_create_for_myself_without_attachments(world):
    response = world.client_for(world.parent_user).post(URL, _form())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.about_contact is None
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", HTML_BYTES),
        ("drawing.svg", SVG_BYTES),
        ("drawing.png", SVG_BYTES),  # an SVG wearing a PNG name
        ("notes.txt", HTML_BYTES),  # HTML wearing a text name
    ],
)
def test_forbidden_file_shows_the_error_keeps_the_input_and_saves_nothing(world, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = world.client_for(world.parent_user).post(URL, _form(attachments=[upload]))

    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="attachments"' in html and name in html
    assert 'value="نتيجة ابنتي لا تظهر"' in html  # what the user typed is kept
    assert "أحاول الاطلاع على نتيجة الفصل الأول" in html
    assert f'<option value="{Category.RESULTS_CERTIFICATES}" selected>' in html
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()


def test_oversized_file_shows_the_error_and_saves_nothing(world, settings):
    settings.AWN_ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("big.png", png_bytes(64, 64) + b"\x00" * 200, content_type="image/png")
    response = world.client_for(world.parent_user).post(URL, _form(attachments=[big]))

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="attachments"' in html and "big.png" in html
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_one_bad_file_among_good_ones_saves_nothing(world):
    good = SimpleUploadedFile("ok.png", png_bytes(), content_type="image/png")
    bad = SimpleUploadedFile("evil.html", HTML_BYTES, content_type="text/html")
    response = world.client_for(world.parent_user).post(URL, _form(attachments=[good, bad]))
    assert response.status_code == 400
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_someone_elses_child_cannot_be_chosen(world):
    response = world.client_for(world.parent_user).post(URL, _form(about=str(world.other_child.pk)))
    assert response.status_code == 400
    assert 'data-field="about"' in response.content.decode()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("subject", "   "), ("body", ""), ("category", "hacking")])
def test_missing_or_bad_fields_are_shown_next_to_the_field(world, field, value):
    response = world.client_for(world.parent_user).post(URL, _form(**{field: value}))
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_post_without_csrf_token_is_refused(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.parent_user)
    response = client.post(URL, _form())
    assert response.status_code == 403
    assert not Ticket.objects.exists()
