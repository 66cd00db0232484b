"""Slice 2: bulk linking of every matching ticket to the problem — set-based, one history row per ticket linked,
idempotent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from awn.core.errors import NotFound, ValidationError
from awn.crm.services import external_event_record
from awn.incidents import services
from awn.incidents.models import Incident
from awn.incidents.selectors import Criteria
from awn.tickets import services as tickets
from awn.tickets.enums import Category, Status
from awn.tickets.models import AuditEntry, Ticket

pytestmark = pytest.mark.django_db


def declare(world: Any) -> Incident:
    # No automatic reply here: these tests link by hand.
    return services.incident_declare(
        actor=world.supervisor, title_ar="تعطل الدخول", message_ar="نعمل على الإصلاح", auto_reply=False
    )


def link(world: Any, incident: Incident, **criteria: Any) -> int:
    return services.incident_link_matching(
        actor=world.supervisor, incident=incident, criteria=Criteria(**criteria)
    )


def linked_ids(incident: Incident) -> set[int]:
    return set(Ticket.objects.filter(problem_id=incident.problem_id).values_list("pk", flat=True))


def test_link_by_category_once_with_one_history_row_each(world: Any) -> None:
    incident = declare(world)
    access = [
        world.ticket(),
        world.ticket(requester=world.other_parent),
        world.ticket(requester=world.teacher),
    ]
    transfer = world.ticket(category=Category.TRANSFER)
    assert link(world, incident, category=Category.ACCOUNT_ACCESS) == 3
    assert linked_ids(incident) == {t.pk for t in access}
    assert transfer.pk not in linked_ids(incident)
    rows = AuditEntry.objects.filter(action="linked", field="problem")
    assert sorted(rows.values_list("ticket_id", flat=True)) == sorted(t.pk for t in access)
    assert set(rows.values_list("new_value", flat=True)) == {incident.problem.reference}
    # Re-running links nothing and writes no history.
    before = AuditEntry.objects.count()
    assert link(world, incident, category=Category.ACCOUNT_ACCESS) == 0
    assert AuditEntry.objects.count() == before


def test_link_by_search_text_in_any_spelling(world: Any) -> None:
    incident = declare(world)
    hit = world.ticket(subject="نسيت كلمة المرور", body="لا أستطيع استعادة كلمة المرور")
    miss = world.ticket(subject="نقل طالب", body="أريد نقل ابني إلى مدرسة أخرى")
    assert link(world, incident, text="كلمه المرور") == 1
    assert linked_ids(incident) == {hit.pk}
    assert miss.pk not in linked_ids(incident)


def test_link_by_external_event_in_the_last_hour(world: Any) -> None:
    incident = declare(world)
    now = timezone.now()
    recent = world.ticket(requester=world.parent)
    old_event = world.ticket(requester=world.other_parent)
    about_child = world.ticket(requester=world.teacher, about_contact=world.child)
    no_event = world.ticket(requester=world.teacher)
    external_event_record(
        event_id="e1",
        event_type="login_failed",
        contact=world.parent,
        occurred_at=now - timedelta(minutes=59),
    )
    external_event_record(
        event_id="e2",
        event_type="login_failed",
        contact=world.other_parent,
        occurred_at=now - timedelta(minutes=61),
    )
    external_event_record(
        event_id="e3", event_type="login_failed", contact=world.child, occurred_at=now - timedelta(minutes=5)
    )
    external_event_record(event_id="e4", event_type="password_reset", contact=world.teacher, occurred_at=now)
    assert link(world, incident, event_type="login_failed", event_hours=1) == 2
    assert linked_ids(incident) == {recent.pk, about_child.pk}
    assert not {old_event.pk, no_event.pk} & linked_ids(incident)
    # Wider window: the 61-minute-old event now counts.
    assert link(world, incident, event_type="login_failed", event_hours=2) == 1
    assert old_event.pk in linked_ids(incident)


def test_every_criterion_given_must_hold(world: Any) -> None:
    incident = declare(world)
    both = world.ticket(subject="كلمة المرور لا تعمل")
    world.ticket(category=Category.TRANSFER, subject="كلمة المرور لا تعمل")
    assert link(world, incident, text="كلمة المرور", category=Category.ACCOUNT_ACCESS) == 1
    assert linked_ids(incident) == {both.pk}


def test_closed_merged_problem_and_other_problems_tickets_are_left(world: Any) -> None:
    incident = declare(world)
    other_incident = services.incident_declare(actor=world.supervisor, title_ar="عطل آخر", message_ar="نص")
    closed = world.ticket()
    tickets.ticket_update(ticket=closed, actor=world.supervisor, changes={"status": Status.CLOSED})
    elsewhere = world.ticket()
    tickets.ticket_link_incident(problem=other_incident.problem, incident=elsewhere, actor=world.supervisor)
    source, target = world.ticket(), world.ticket()
    tickets.ticket_merge(source=source, target=target, actor=world.supervisor)
    fresh = world.ticket()
    assert link(world, incident, category=Category.ACCOUNT_ACCESS) == 2
    assert linked_ids(incident) == {target.pk, fresh.pk}
    elsewhere.refresh_from_db()
    assert elsewhere.problem_id == other_incident.problem_id


def test_no_criterion_is_refused(world: Any) -> None:
    incident = declare(world)
    world.ticket()
    with pytest.raises(ValidationError):
        link(world, incident, text="   ")
    assert linked_ids(incident) == set()


def test_agents_cannot_link(world: Any) -> None:
    incident = declare(world)
    world.ticket()
    with pytest.raises(NotFound):
        services.incident_link_matching(
            actor=world.agent, incident=incident, criteria=Criteria(category=Category.ACCOUNT_ACCESS)
        )
    assert linked_ids(incident) == set()


def test_chunks_are_set_based_and_complete(
    world: Any, monkeypatch: Any, django_assert_max_num_queries: Any
) -> None:
    incident = declare(world)
    requester = world.parent
    Ticket.objects.bulk_create(
        [Ticket(subject=f"t{i}", requester=requester, category=Category.GRADE_ENTRY) for i in range(23)]
    )
    monkeypatch.setattr(tickets, "LINK_CHUNK", 5)
    # A constant number of statements per chunk (5 chunks of 5, 5, 5, 5, 3), whatever the tickets.
    with django_assert_max_num_queries(40):
        assert link(world, incident, category=Category.GRADE_ENTRY) == 23
    assert AuditEntry.objects.filter(action="linked", field="problem").count() == 23
    assert link(world, incident, category=Category.GRADE_ENTRY) == 0


def test_link_through_the_api_with_a_dry_run_first(world: Any) -> None:
    incident = declare(world)
    world.ticket()
    world.ticket(requester=world.other_parent)
    client = world.client_for(world.supervisor)
    url = f"/api/v1/incidents/{incident.pk}/link"
    body = {"category": Category.ACCOUNT_ACCESS, "dry_run": True}
    dry = client.post(url, json.dumps(body), content_type="application/json").json()
    assert dry == {"matching": 2, "linked": 0, "affected_tickets": 0}
    done = client.post(url, json.dumps({**body, "dry_run": False}), content_type="application/json").json()
    assert done == {"matching": 2, "linked": 2, "affected_tickets": 2}
    again = client.post(url, json.dumps({**body, "dry_run": False}), content_type="application/json").json()
    assert again == {"matching": 0, "linked": 0, "affected_tickets": 2}
    listed = client.get(f"/api/v1/incidents/{incident.pk}/tickets?limit=1").json()
    assert len(listed) == 1 and listed[0]["id"] in linked_ids(incident)
    assert {t["id"] for t in client.get(f"/api/v1/incidents/{incident.pk}/tickets").json()} == linked_ids(
        incident
    )
    assert world.client_for(world.agent).get(f"/api/v1/incidents/{incident.pk}/tickets").status_code == 403
    refused = world.client_for(world.agent).post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 403
    empty = client.post(url, json.dumps({"text": ""}), content_type="application/json")
    assert empty.status_code == 400


def test_link_from_the_page_with_a_count_first(world: Any) -> None:
    incident = declare(world)
    world.ticket()
    client = world.client_for(world.supervisor)
    url = f"/workspace/incidents/{incident.pk}/link/"
    form = {"category": Category.ACCOUNT_ACCESS, "event_hours": "1", "text": "", "event_type": ""}
    preview = client.post(url, {**form, "preview": "1"})
    assert preview.status_code == 200 and 'data-testid="matching"' in preview.content.decode()
    assert linked_ids(incident) == set()
    response = client.post(url, form)
    assert response.status_code == 302
    assert len(linked_ids(incident)) == 1
    assert world.client_for(world.agent).post(url, form).status_code == 404
