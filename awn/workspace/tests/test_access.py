"""Who may open what: customers never get in, outsourced agents see only their contract's categories."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awn.crm.models import Contact
from awn.tickets.enums import Category, Status
from awn.tickets.models import AuditEntry, CannedResponse, Message, Ticket


@pytest.fixture
def covered(world) -> Ticket:
    return world.ticket(category=Category.ACCOUNT_ACCESS, subject="حساب مقفل")


@pytest.fixture
def uncovered(world) -> Ticket:
    return world.ticket(requester=world.other_parent, category=Category.TRANSFER, subject="طلب نقل سري")


def _snapshot(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.priority,
        ticket.assignee_id,
        ticket.team_id,
        ticket.version,
        Message.objects.filter(ticket=ticket).count(),
        AuditEntry.objects.filter(ticket=ticket).count(),
        ticket.tags.count(),
        ticket.problem_id,
        ticket.merged_into_id,
    )


def test_outsourced_queue_excludes_uncovered_categories(world, covered, uncovered):
    client = world.client_for(world.vendor_agent)
    for queue in ("open", "all", "unassigned"):
        response = client.get(reverse("workspace:queue"), {"queue": queue})
        pks = {t.pk for t in response.context["tickets"]}
        assert covered.pk in pks and uncovered.pk not in pks
    response = client.get(reverse("workspace:queue"), {"queue": "all", "q": uncovered.reference})
    assert list(response.context["tickets"]) == []
    assert response.context["tabs"][3]["count"] == 1


def test_outsourced_agent_gets_404_on_uncovered_ticket_and_changes_nothing(world, covered, uncovered):
    client = world.client_for(world.vendor_agent)
    canned = CannedResponse.objects.create(title="t", body="{{contact.name}}")
    before = _snapshot(uncovered)
    pk = uncovered.pk
    assert client.get(reverse("workspace:ticket", args=[pk])).status_code == 404
    assert client.get(reverse("workspace:ticket-canned", args=[pk, canned.pk])).status_code == 404
    posts = {
        "ticket-message": {"body": "رد", "kind": "reply", "status_after": "resolved"},
        "ticket-update": {
            "status": "resolved",
            "seen_status": "new",
            "priority": "low",
            "seen_priority": "normal",
        },
        "ticket-assign-me": {"seen_assignee": ""},
        "ticket-tags": {"tags": "x"},
        "ticket-link-problem": {"number": covered.reference},
        "ticket-unlink-problem": {},
        "ticket-merge": {"number": covered.reference},
    }
    for name, data in posts.items():
        assert client.post(reverse(f"workspace:{name}", args=[pk]), data).status_code == 404, name
    client.post(reverse("workspace:bulk"), {"ids": [pk], "action": "status", "status": "resolved"})
    client.post(reverse("workspace:bulk"), {"ids": [pk], "action": "assign_me"})
    assert _snapshot(uncovered) == before
    # Nor can they use an uncovered ticket as the other side of a link or merge.
    client.post(reverse("workspace:ticket-merge", args=[covered.pk]), {"number": uncovered.reference})
    client.post(reverse("workspace:ticket-link-problem", args=[covered.pk]), {"number": uncovered.reference})
    covered.refresh_from_db()
    assert covered.merged_into_id is None and covered.problem_id is None
    assert _snapshot(uncovered) == before


def test_outsourced_agent_works_covered_ticket(world, covered):
    client = world.client_for(world.vendor_agent)
    assert client.get(reverse("workspace:ticket", args=[covered.pk])).status_code == 200
    client.post(
        reverse("workspace:ticket-message", args=[covered.pk]),
        {"body": "تم فتح الحساب", "status_after": "resolved", "kind": "reply"},
    )
    covered.refresh_from_db()
    assert covered.status == Status.RESOLVED


def test_outsourced_sidebar_timeline_hides_uncovered_tickets(world, covered):
    hidden = world.ticket(category=Category.TRANSFER, subject="موضوع لا يخص المشغل")
    sidebar = reverse("workspace:ticket-customer", args=[covered.pk])  # the 360, fetched after the page
    html = world.client_for(world.vendor_agent).get(sidebar).content.decode()
    assert "موضوع لا يخص المشغل" not in html
    html = world.client_for(world.agent).get(sidebar).content.decode()
    assert "موضوع لا يخص المشغل" in html and hidden.reference in html


def test_outsourced_assignee_list_only_has_agents_who_can_see_the_ticket(world, uncovered):
    response = world.client_for(world.supervisor).get(reverse("workspace:ticket", args=[uncovered.pk]))
    agents = set(response.context["agents"])
    assert world.agent in agents and world.supervisor in agents and world.vendor_agent not in agents


def test_outsourced_contacts_limited_to_their_tickets(world, covered, uncovered):
    client = world.client_for(world.vendor_agent)
    assert client.get(reverse("workspace:contact", args=[world.parent.pk])).status_code == 200
    assert client.get(reverse("workspace:contact", args=[world.other_parent.pk])).status_code == 404
    assert client.get(reverse("workspace:contact", args=[world.teacher.pk])).status_code == 404
    found = client.get(reverse("workspace:contacts"), {"q": "خالد"}).context["contacts"]
    assert list(found) == []
    found = client.get(reverse("workspace:contacts"), {"q": "القحطاني"}).context["contacts"]
    assert [c.pk for c in found] == [world.parent.pk]


def test_customer_gets_404_or_portal_on_every_workspace_url(world, covered):
    client = world.client_for(world.parent_user)
    canned = CannedResponse.objects.create(title="t", body="x")
    response = client.get(reverse("workspace:queue"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    pk = covered.pk
    urls = [
        reverse("workspace:bulk"),
        reverse("workspace:ticket", args=[pk]),
        reverse("workspace:ticket-canned", args=[pk, canned.pk]),
        reverse("workspace:contacts") + "?q=احمد",
        reverse("workspace:contact", args=[world.parent.pk]),
        *[
            reverse(f"workspace:{name}", args=[pk])
            for name in (
                "ticket-message",
                "ticket-update",
                "ticket-assign-me",
                "ticket-tags",
                "ticket-link-problem",
                "ticket-unlink-problem",
                "ticket-merge",
            )
        ],
        reverse("workspace:contact-merge", args=[world.parent.pk]),
    ]
    before = _snapshot(covered)
    for target in urls:
        assert client.get(target).status_code == 404, target
        assert (
            client.post(target, {"body": "x", "kind": "note", "ids": [pk], "action": "assign_me"}).status_code
            == 404
        ), target
    assert client.post(reverse("workspace:queue")).status_code in (404, 405)
    assert _snapshot(covered) == before


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(reverse("workspace:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(reverse("workspace:bulk")).status_code == 302
    assert Contact.objects.count() == 0
