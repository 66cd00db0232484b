"""Skills routing through the database: the best available agent gets a new ticket (when switched on), the
decision is recorded with its reason, supervisors set skills and read the decisions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from awn.routing.models import AgentSkill, AgentStatus, RoutingDecision
from awn.routing.services import activity_seen, route_ticket, route_waiting, skills_set
from awn.tickets.enums import Category, Channel
from awn.tickets.models import Ticket

pytestmark = pytest.mark.django_db
BOARD = "/workspace/routing/agents/"


def online(*users: Any) -> None:
    for user in users:
        activity_seen(user.pk)
    cache.clear()


def test_new_ticket_goes_to_the_skilled_agent_when_switched_on(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AWN_ROUTING_AUTO_ASSIGN = True
    online(world.agent, world.supervisor)
    skills_set(actor=world.supervisor, user_id=world.agent.pk, text="category:account_access, language:ar")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket(category=Category.ACCOUNT_ACCESS)
    ticket.refresh_from_db()
    assert ticket.assignee_id == world.agent.pk
    decision = RoutingDecision.objects.get(ticket=ticket)
    assert decision.agent_id == world.agent.pk
    assert decision.reason["matched"] == ["category=account_access", "language=ar"]
    # A second one: the supervisor (no skills, no load) is less skilled; the agent still wins on skills.
    with django_capture_on_commit_callbacks(execute=True):
        second = world.ticket(category=Category.ACCOUNT_ACCESS)
    second.refresh_from_db()
    assert second.assignee_id == world.agent.pk


def test_off_by_default_and_nobody_available(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    online(world.agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket()
    ticket.refresh_from_db()
    assert ticket.assignee_id is None and not RoutingDecision.objects.exists()
    AgentStatus.objects.filter(user=world.agent).update(state="away")
    decision = route_ticket(ticket.pk)
    assert (
        decision is not None and decision.agent_id is None and decision.reason["code"] == "nobody_available"
    )
    assert route_ticket(ticket.pk, record_miss=False) is None


def test_vendor_agents_get_only_their_contract(world: Any) -> None:
    online(world.vendor_agent)
    outside = world.ticket(category=Category.TRANSFER)
    inside = world.ticket(category=Category.ACCOUNT_ACCESS)
    assert route_ticket(outside.pk).agent_id is None  # type: ignore[union-attr]
    assert route_ticket(inside.pk).agent_id == world.vendor_agent.pk  # type: ignore[union-attr]


def test_capacity_is_respected_and_the_periodic_pass(world: Any, settings: Any) -> None:
    settings.AWN_ROUTING_AUTO_ASSIGN = True
    tickets = [world.ticket(channel=Channel.CHAT) for _ in range(4)]  # nobody online yet: all wait
    assert not Ticket.objects.filter(assignee__isnull=False).exists()
    online(world.agent)  # chat capacity 3
    assert route_waiting() == 3
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], assignee=world.agent).count() == 3
    assert route_waiting() == 0  # full
    assert RoutingDecision.objects.filter(agent=world.agent).count() == 3


def test_supervisors_set_skills_and_read_decisions(world: Any) -> None:
    client = world.client_for(world.supervisor)
    url = f"{BOARD}{world.agent.pk}/"
    assert (
        client.post(url, {"skills": "category:registration، language:ar-najdi, channel:whatsapp"}).status_code
        == 302
    )
    assert set(AgentSkill.objects.filter(user=world.agent).values_list("kind", "value")) == {
        ("category", "registration"),
        ("language", "ar-najdi"),
        ("channel", "whatsapp"),
    }
    bad = client.post(url, {"skills": "category:flying"}, follow=True).content.decode()
    assert "alert-danger" in bad
    assert AgentSkill.objects.filter(user=world.agent).count() == 3  # unchanged
    assert world.client_for(world.agent).post(url, {"skills": "category:other"}).status_code == 404
    online(world.agent)
    route_ticket(world.ticket().pk)
    page = client.get("/workspace/routing/decisions/").content.decode()
    assert 'data-testid="decision"' in page and 'dir="rtl"' in page
    assert world.client_for(world.agent).get("/workspace/routing/decisions/").status_code == 404
