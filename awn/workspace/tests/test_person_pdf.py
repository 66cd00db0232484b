"""A person's data as a readable PDF beside the JSON (PDPL; issue 15, item 4): the same content, read back out of
the file (pypdf) word for word; audited like the JSON export; refused (404) to anyone but supervisors and
administrators."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from awn.privacy.models import AccessRecord
from awn.tickets.enums import Category, MessageKind
from awn.tickets.services import ticket_add_message, ticket_create

pytestmark = pytest.mark.django_db

SUBJECT = "شهادة التخرج متأخرة"
QUESTION = "أرجو إرسال الشهادة قبل نهاية الفصل"
ANSWER = "نعمل على طلبك وسنرسلها خلال يومين"
NOTE = "ملاحظة داخلية سرية للفريق"


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_of(client: Any, pk: int) -> Any:
    return client.get(reverse("workspace:contact-export-pdf", args=[pk]))


@pytest.fixture
def ticket(world: Any) -> Any:
    ticket = ticket_create(
        requester=world.parent,
        about_contact=world.child,
        subject=SUBJECT,
        body=QUESTION,
        category=Category.TRANSFER,
    )
    ticket_add_message(ticket=ticket, actor=world.agent, body=ANSWER)
    ticket_add_message(ticket=ticket, actor=world.agent, body=NOTE, kind=MessageKind.NOTE)
    return ticket


def test_the_pdf_holds_the_persons_data_in_arabic_and_is_audited(world: Any, ticket: Any) -> None:
    response = pdf_of(world.client_for(world.supervisor), world.parent.pk)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="person-{world.parent.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    flat = text.replace("\n", " ")
    # Written here, not taken from the code: the person, the child, the ticket and its public conversation.
    for phrase in ("أحمد القحطاني", "سارة أحمد القحطاني", SUBJECT, QUESTION, ANSWER, "ولي أمر", "النقل"):
        assert phrase in flat, (
            phrase
        )  # whole phrases, in their order (pypdf joins adjacent cells without a space)
    assert "سرية" not in flat and "داخلية" not in flat  # internal notes are not the person's data
    # Letters joined, logical order: whole words come back, not presentation forms.
    assert not re.search(r"[\uFB50-\uFDFF\uFE70-\uFEFF]", text)
    # As in the JSON export (supervisors only): the national id, phone and email in full.
    assert world.parent.national_id in flat
    assert world.parent.email in flat and ticket.reference in flat
    record = AccessRecord.objects.get()
    assert (record.action, record.object_kind, record.object_id, record.subject_id, record.actor_id) == (
        "export",
        "contact",
        world.parent.pk,
        world.parent.pk,
        world.supervisor.pk,
    )


def test_pdf_and_json_exports_write_the_same_audit_row(world: Any, ticket: Any) -> None:
    client = world.client_for(world.admin)
    data = json.loads(client.get(reverse("workspace:contact-export", args=[world.parent.pk])).content)
    text = pdf_of(client, world.parent.pk).content
    rows = list(
        AccessRecord.objects.order_by("id").values(
            "action", "object_kind", "object_id", "subject_id", "reason"
        )
    )
    assert len(rows) == 2 and rows[0] == rows[1]
    # Every ticket of the JSON document is in the PDF.
    flat = pdf_text(text).replace("\n", " ")
    assert [t["reference"] for t in data["tickets"]] == [ticket.reference]
    assert all(t["reference"] in flat for t in data["tickets"])


@pytest.mark.parametrize("who", ["vendor_agent", "agent", "parent_user"])
def test_the_pdf_is_refused_to_agents_and_customers(world: Any, ticket: Any, who: str) -> None:
    response = pdf_of(world.client_for(getattr(world, who)), world.parent.pk)
    assert response.status_code == 404
    assert not AccessRecord.objects.exists()


def test_an_unknown_contact_is_404(world: Any) -> None:
    assert pdf_of(world.client_for(world.supervisor), 999_999).status_code == 404
    assert not AccessRecord.objects.exists()


def test_a_contact_with_no_tickets_gives_a_valid_pdf(world: Any) -> None:
    response = pdf_of(world.client_for(world.supervisor), world.teacher.pk)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    text = pdf_text(response.content)
    assert "ليلى الحربي" in text
    assert "لا يوجد" in text  # the empty sections say so
    assert AccessRecord.objects.filter(action="export", subject_id=world.teacher.pk).count() == 1


def test_a_person_with_many_tickets_gets_the_first_ones_and_a_note(world: Any, monkeypatch: Any) -> None:
    from awn.workspace import person_pdf

    monkeypatch.setattr(person_pdf, "PDF_MAX_TICKETS", 2)
    tickets = [world.ticket(subject=f"طلب رقم {i}") for i in range(3)]
    flat = pdf_text(pdf_of(world.client_for(world.supervisor), world.parent.pk).content).replace("\n", " ")
    assert [t.reference in flat for t in tickets] == [True, True, False]
    assert "JSON" in flat and "فقط" in flat  # the note says the list is cut and where the rest is
