"""Every read of a minor's record, every unmasking and every attachment download writes an audit row, through HTTP
as a client sees it (issue 15, item 4; RELIABILITY S11)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from awn.accounts.services import api_token_create
from awn.portal.tests.files import png_bytes
from awn.privacy.models import AccessRecord
from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Category
from awn.tickets.models import Attachment
from awn.tickets.services import ticket_create

CRM = "/api/v1/crm"


def bearer(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def rows() -> list[tuple]:
    return list(
        AccessRecord.objects.order_by("id").values_list(
            "actor__username", "actor_role", "action", "object_kind", "object_id", "subject_id", "address"
        )
    )


def test_contact_page_of_a_student_is_audited_once(world):
    client = world.client_for(world.agent)
    response = client.get(reverse("workspace:contact", args=[world.child.pk]), REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert rows() == [("agent", "agent", "view", "contact", world.child.pk, world.child.pk, "10.9.8.7")]


def test_contact_page_of_a_linked_child_of_any_type_is_audited(world):
    world.child.contact_type = "other"
    world.child.save(update_fields=["contact_type"])
    world.client_for(world.supervisor).get(reverse("workspace:contact", args=[world.child.pk]))
    assert [r[2:6] for r in rows()] == [("view", "contact", world.child.pk, world.child.pk)]


def test_contact_page_of_an_adult_is_not_a_minors_read(world):
    response = world.client_for(world.agent).get(reverse("workspace:contact", args=[world.parent.pk]))
    assert response.status_code == 200
    assert rows() == []


def test_refused_page_writes_nothing(world):
    response = world.client_for(world.parent_user).get(reverse("workspace:contact", args=[world.child.pk]))
    assert response.status_code == 404
    assert rows() == []


def test_ticket_page_about_a_child_is_audited_with_the_ticket(world):
    ticket = world.ticket(about_contact=world.child)
    response = world.client_for(world.agent).get(reverse("workspace:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    # The parent (requester) is an adult; the child it is about is the one read.
    assert [r[2:6] for r in rows()] == [("view", "ticket", ticket.pk, world.child.pk)]


def test_ticket_page_of_a_student_requester_is_audited(world):
    ticket = world.ticket(requester=world.child)
    world.client_for(world.agent).get(reverse("workspace:ticket", args=[ticket.pk]))
    assert [r[2:6] for r in rows()] == [("view", "ticket", ticket.pk, world.child.pk)]


def test_ticket_page_of_an_adult_only_is_not_audited(world):
    ticket = world.ticket()
    world.client_for(world.agent).get(reverse("workspace:ticket", args=[ticket.pk]))
    assert rows() == []


def test_api_contact_reads_are_audited(world):
    agent = bearer(world.agent)
    assert agent.get(f"{CRM}/contacts/{world.child.pk}").json()["masked"] is True
    assert agent.get(f"{CRM}/contacts/{world.child.pk}/timeline").status_code == 200
    assert agent.get(f"{CRM}/contacts/{world.parent.pk}").status_code == 200  # an adult, masked: no row
    assert [r[:6] for r in rows()] == [
        ("agent", "agent", "view", "contact", world.child.pk, world.child.pk),
        ("agent", "agent", "view", "contact", world.child.pk, world.child.pk),
    ]


def test_api_supervisor_full_detail_is_an_audited_unmasking(world):
    body = bearer(world.supervisor).get(f"{CRM}/contacts/{world.parent.pk}").json()
    assert body["masked"] is False and body["national_id"] == world.parent.national_id
    record = AccessRecord.objects.get()
    assert (record.action, record.subject_id, record.actor_id) == (
        "unmask",
        world.parent.pk,
        world.supervisor.pk,
    )
    assert "supervisor" in record.reason


def test_api_unmask_needs_a_reason(world):
    agent = bearer(world.agent)
    url = f"{CRM}/contacts/{world.child.pk}/unmask"
    refused = agent.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code in (400, 422)
    assert world.child.national_id not in refused.content.decode()
    assert rows() == []
    shown = agent.post(url, {"reason": "ولي الأمر على الهاتف ويطلب التحقق"}, content_type="application/json")
    assert shown.status_code == 200 and shown.json()["national_id"] == world.child.national_id
    record = AccessRecord.objects.get()
    assert (record.action, record.subject_id, record.reason) == (
        "unmask",
        world.child.pk,
        "ولي الأمر على الهاتف ويطلب التحقق",
    )
    foreign = bearer(world.vendor_agent).post(
        url, {"reason": "سبب كاف للطلب"}, content_type="application/json"
    )
    assert foreign.status_code == 404 and AccessRecord.objects.count() == 1


def test_unmask_page_asks_a_reason_then_shows_the_values_for_that_response_only(world):
    client = world.client_for(world.agent)
    url = reverse("workspace:contact-unmask", args=[world.child.pk])
    contact_page = client.get(reverse("workspace:contact", args=[world.child.pk])).content.decode()
    assert url in contact_page and world.child.national_id not in contact_page
    assert [r[2] for r in rows()] == ["view"]

    form = client.get(url)
    assert form.status_code == 200 and world.child.national_id not in form.content.decode()
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400
    html = empty.content.decode()
    assert world.child.national_id not in html and 'data-testid="unmask-error"' in html
    assert [r[2] for r in rows()] == ["view"]

    shown = client.post(url, {"reason": "التحقق من هوية الطالب مع المدرسة"}, REMOTE_ADDR="10.0.0.5")
    assert shown.status_code == 200 and world.child.national_id in shown.content.decode()
    assert shown["Cache-Control"] == "private, no-store"
    record = AccessRecord.objects.filter(action="unmask").get()
    assert (record.actor_id, record.subject_id, record.address, record.reason) == (
        world.agent.pk,
        world.child.pk,
        "10.0.0.5",
        "التحقق من هوية الطالب مع المدرسة",
    )
    again = client.get(reverse("workspace:contact", args=[world.child.pk])).content.decode()
    assert world.child.national_id not in again  # masked again on the next request


def test_unmask_page_of_a_foreign_contact_is_404_and_writes_nothing(world):
    ticket = world.ticket(requester=world.other_parent, category=Category.TRANSFER)
    assert ticket.pk
    response = world.client_for(world.vendor_agent).post(
        reverse("workspace:contact-unmask", args=[world.other_parent.pk]), {"reason": "سبب كاف للطلب"}
    )
    assert response.status_code == 404 and rows() == []


def test_attachment_download_is_audited(world):
    ticket = ticket_create(
        requester=world.parent,
        about_contact=world.child,
        subject="شهادة",
        body="مرفق",
        category=Category.RESULTS_CERTIFICATES,
        attachments=[IncomingFile("cert.png", png_bytes())],
    )
    attachment = Attachment.objects.get(message__ticket=ticket)
    url = reverse("attachment-download", args=[attachment.pk])
    assert world.client_for(world.parent_user).get(url).status_code == 200
    assert world.client_for(world.agent).get(url, REMOTE_ADDR="10.1.1.1").status_code == 200
    assert world.client_for(world.other_parent_user).get(url).status_code == 404
    assert rows() == [
        ("parent", "customer", "download", "attachment", attachment.pk, world.child.pk, "127.0.0.1"),
        ("agent", "agent", "download", "attachment", attachment.pk, world.child.pk, "10.1.1.1"),
    ]


def test_api_ticket_read_of_a_minor_is_audited(world):
    about_child = world.ticket(about_contact=world.child)
    adult_only = world.ticket()
    agent = bearer(world.agent)
    assert agent.get(f"/api/v1/tickets/{about_child.pk}").status_code == 200
    assert agent.get(f"/api/v1/tickets/{adult_only.pk}").status_code == 200
    assert [r[2:6] for r in rows()] == [("view", "ticket", about_child.pk, world.child.pk)]


def test_a_guardian_reading_the_childs_ticket_in_the_portal_is_audited(world):
    own = world.ticket()
    childs = world.ticket(requester=world.child, subject="نتيجة")
    client = world.client_for(world.parent_user)
    assert client.get(reverse("portal:ticket", args=[own.pk])).status_code == 200
    assert rows() == []  # their own ticket: no minor's record
    assert client.get(reverse("portal:ticket", args=[childs.pk]), REMOTE_ADDR="10.3.3.3").status_code == 200
    assert rows() == [("parent", "customer", "view", "ticket", childs.pk, world.child.pk, "10.3.3.3")]
