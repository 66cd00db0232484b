from __future__ import annotations

from django.urls import reverse

from awn.crm.services import contact_create, external_event_record
from awn.tickets.models import Ticket

CONTACTS = reverse("workspace:contacts")


def search(client, q: str) -> list[int]:
    response = client.get(CONTACTS, {"q": q})
    assert response.status_code == 200
    return [c.pk for c in response.context["contacts"]]


def test_search_by_normalized_arabic_name_phone_id_and_email(world):
    plain = contact_create(name="احمد الزهراني")  # stored without hamza
    client = world.client_for(world.agent)
    assert plain.pk in search(client, "أحمد")  # typed with hamza
    assert set(search(client, "أحمد")) == {plain.pk, world.parent.pk, world.child.pk}  # «سارة أحمد …»
    assert search(client, "0501234567") == [world.parent.pk]  # stored as +966501234567
    assert search(client, "+966501234567") == [world.parent.pk]
    assert search(client, "٠٥٠١٢٣٤٥٦٧") == [world.parent.pk]  # Arabic-Indic digits
    assert search(client, world.child.national_id) == [world.child.pk]
    assert search(client, "PARENT@example.sa") == [world.parent.pk]
    assert search(client, "") == []


def test_search_results_mask_ids_and_phones(world):
    html = world.client_for(world.agent).get(CONTACTS, {"q": "القحطاني"}).content.decode()
    assert world.parent.national_id_masked in html and world.parent.national_id not in html
    assert world.parent.phone_masked in html and world.parent.phone not in html


def test_search_is_paginated(world, settings):
    settings.AWN_PAGE_SIZE = 2
    for i in range(3):
        contact_create(name=f"محمد {i}")
    client = world.client_for(world.agent)
    first = client.get(CONTACTS, {"q": "محمد"}).context["page"]
    second = client.get(CONTACTS, {"q": "محمد", "page": 2}).context["page"]
    assert first.paginator.count == 3 and len(first.object_list) == 2 and len(second.object_list) == 1


def test_contact_profile_timeline_and_tickets(world):
    ticket = world.ticket()
    external_event_record(
        event_id="e-1", event_type="login_failed", contact=world.parent, reason="الحساب مقفل"
    )
    response = world.client_for(world.agent).get(reverse("workspace:contact", args=[world.parent.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert [t.pk for t in response.context["tickets"]] == [ticket.pk]
    kinds = {row["item"].kind for row in response.context["panel"].timeline}
    assert kinds == {"ticket", "message", "event"}
    assert "الحساب مقفل" in html and world.child.name in html
    assert 'data-testid="contact-merge-form"' not in html  # agents do not merge contacts


def test_supervisor_merges_duplicate_contact_and_keeps_tickets(world):
    duplicate = contact_create(name="احمد القحطانى", phone="0559876543")
    old_ticket = world.ticket(requester=duplicate, subject="طلب من الحساب المكرر")
    mine = world.ticket()
    client = world.client_for(world.supervisor)
    page = client.get(reverse("workspace:contact", args=[world.parent.pk])).content.decode()
    assert 'data-testid="contact-merge-form"' in page
    response = client.post(
        reverse("workspace:contact-merge", args=[world.parent.pk]), {"other": duplicate.pk}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == world.parent.pk
    assert set(Ticket.objects.filter(requester=world.parent).values_list("pk", flat=True)) == {
        old_ticket.pk,
        mine.pk,
    }
    assert duplicate.pk not in search(client, "القحطاني")
    response = client.get(reverse("workspace:contact", args=[world.parent.pk]))
    assert {t.pk for t in response.context["tickets"]} == {old_ticket.pk, mine.pk}


def test_agent_cannot_merge_contacts(world):
    duplicate = contact_create(name="نسخة")
    response = world.client_for(world.agent).post(
        reverse("workspace:contact-merge", args=[world.parent.pk]), {"other": duplicate.pk}
    )
    assert response.status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_merge_into_itself_is_refused(world):
    client = world.client_for(world.admin)
    client.post(reverse("workspace:contact-merge", args=[world.parent.pk]), {"other": world.parent.pk})
    world.parent.refresh_from_db()
    assert world.parent.merged_into_id is None
