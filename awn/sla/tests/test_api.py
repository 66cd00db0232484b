"""/api/v1/sla: policies and a ticket's clocks, for staff; 404 for a ticket the caller may not see."""

from __future__ import annotations

import pytest

from awn.sla.tests.helpers import riyadh
from awn.tickets.enums import Category, Status
from awn.tickets.services import ticket_add_message
from awn.tickets.tests.test_api import bearer

pytestmark = pytest.mark.django_db
API = "/api/v1/sla"


def test_staff_read_the_policies_customers_do_not(world, policies) -> None:
    response = bearer(world.agent).get(f"{API}/policies")
    assert response.status_code == 200
    [default] = response.json()
    assert default["is_default"] and default["pause_statuses"] == ["pending"]
    assert {"priority": "urgent", "metric": "first_reply", "minutes": 30, "business": True} in default[
        "targets"
    ]
    assert bearer(world.agent).get(f"{API}/policies/{default['id']}").json()["name"] == default["name"]
    assert bearer(world.agent).get(f"{API}/policies/999999").status_code == 404
    assert bearer(world.parent_user).get(f"{API}/policies").status_code == 403
    assert world.client_for(world.agent).get(f"{API}/policies").status_code == 200  # the session works too


def test_a_tickets_clocks_and_metric_events(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 9, 20)
    ticket_add_message(ticket=ticket, body="نراجع طلبك", actor=world.agent, status_after=Status.PENDING)
    body = bearer(world.supervisor).get(f"{API}/tickets/{ticket.pk}/clocks").json()
    assert body["policy_id"] == policies.pk and body["next_due_at"] is None
    clocks = {c["metric"]: c for c in body["clocks"]}
    assert clocks["first_reply"]["state"] == "fulfilled" and clocks["first_reply"]["target_minutes"] == 60
    assert clocks["resolution"]["state"] == "paused" and clocks["resolution"]["used_seconds"] == 1200
    kinds = [(e["metric"], e["kind"]) for e in body["events"]]
    assert ("first_reply", "activate") in kinds and ("resolution", "pause") in kinds


def test_a_ticket_the_caller_may_not_see_is_a_404(world, policies) -> None:
    hidden = world.ticket(category=Category.TRANSFER)  # outside the vendor's contract (account access only)
    assert bearer(world.vendor_agent).get(f"{API}/tickets/{hidden.pk}/clocks").status_code == 404
    assert bearer(world.vendor_agent).get(f"{API}/tickets/99999999/clocks").status_code == 404
    assert bearer(world.parent_user).get(f"{API}/tickets/{hidden.pk}/clocks").status_code == 403
