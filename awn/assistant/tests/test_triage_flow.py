"""A new ticket is triaged after commit: stored, and acted on (priority raised, «other» categorized)."""

from __future__ import annotations

from django.urls import reverse

from awn.assistant.models import TicketTriage
from awn.tickets.enums import Category, Priority
from awn.tickets.models import AuditEntry, Ticket

from .kb_fixture import load_kb


def _api_create(client, **payload):
    return client.post("/api/v1/tickets/", payload, content_type="application/json")


def test_a_ticket_opened_through_the_api_is_triaged_and_its_priority_raised(
    world, django_capture_on_commit_callbacks
):
    load_kb()
    client = world.client_for(world.parent_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _api_create(
            client,
            subject="حسابي مخترق",
            body="احد دخل على حسابي وغير الايميل والرقم!! ساعدوني بسرعه",
            category="account_access",
        )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    triage = TicketTriage.objects.get(ticket=ticket)
    assert triage.priority == Priority.URGENT
    assert "account_intrusion" in triage.cues
    assert triage.sentiment == "negative"
    assert triage.dialect in ("gulf", "mixed")
    assert triage.model_version.startswith("kb-bootstrap")
    assert ticket.priority == Priority.URGENT
    assert triage.applied_fields == ["priority"]
    audit = AuditEntry.objects.get(ticket=ticket, field="priority")
    assert (audit.actor_id, audit.old_value, audit.new_value) == (None, "normal", "urgent")


def test_a_portal_ticket_filed_under_other_gets_the_predicted_category(
    world, django_capture_on_commit_callbacks
):
    load_kb()
    client = world.client_for(world.parent_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:ticket_new"),
            {
                "subject": "طلب نقل",
                "category": Category.OTHER,
                "about": "self",
                "body": "أريد نقل ابني إلى مدرسة أخرى قريبة من السكن، كيف أقدم طلب النقل؟",
                # The customer already saw the assistant's answer and still wants a ticket.
                "assistant_declined": "t-2",
            },
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="طلب نقل")
    triage = ticket.triage
    assert triage.category == Category.TRANSFER
    assert triage.category_confidence >= 0.6
    assert ticket.category == Category.TRANSFER
    assert ticket.priority == Priority.NORMAL  # nothing urgent: left alone
    assert triage.applied_fields == ["category"]


def test_triage_never_lowers_priority_nor_overrides_a_chosen_category(
    world, django_capture_on_commit_callbacks
):
    load_kb()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket(
            category=Category.RESULTS_CERTIFICATES,
            priority=Priority.HIGH,
            subject="شكرا",
            body="أريد نقل ابني إلى مدرسة أخرى، شكرا لكم",
        )
    ticket.refresh_from_db()
    assert (ticket.category, ticket.priority) == (Category.RESULTS_CERTIFICATES, Priority.HIGH)
    assert ticket.triage.applied_fields == []


def test_a_redelivered_event_does_not_triage_twice(world, django_capture_on_commit_callbacks):
    from awn.assistant.handlers import on_ticket_created
    from awn.tickets.events import TicketCreated

    with django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket()
    first = ticket.triage
    on_ticket_created(TicketCreated(ticket_id=ticket.pk, channel="portal"))
    assert TicketTriage.objects.filter(ticket=ticket).count() == 1
    assert TicketTriage.objects.get(ticket=ticket).pk == first.pk
