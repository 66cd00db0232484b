"""Offers that expire and move on, and hybrid overflow to a vendor, through the database (issue 18, items 2–3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from awn.routing.models import AgentStatus, OfferState, OverflowRule, RoutingDecision, RoutingOffer
from awn.routing.services import (
    activity_seen,
    capacity_set,
    offer_accept,
    offers_expire,
    overflow_rule_set,
    roster_forget,
    route_ticket,
    route_waiting,
    skills_set,
)
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from awn.tickets.policies import visible_tickets

pytestmark = pytest.mark.django_db
OVERFLOW = "/workspace/routing/overflow/"


def online(*users: Any) -> None:
    for user in users:
        activity_seen(user.pk)
    cache.clear()


def assignee(ticket: Ticket) -> int | None:
    ticket.refresh_from_db()
    return ticket.assignee_id


# ---- offers ------------------------------------------------------------------------------------------------------


@pytest.fixture
def offered(world: Any, settings: Any) -> tuple[Any, Ticket, Any]:
    """A ticket offered at t0 to the agent (skilled) rather than the supervisor; offers last 30 s."""
    settings.AWN_ROUTING_OFFER_SECONDS = 30
    settings.AWN_ROUTING_OFFER_COOLDOWN_SECONDS = 600
    online(world.agent, world.supervisor)
    skills_set(actor=world.supervisor, user_id=world.agent.pk, text="category:transfer")
    ticket = world.ticket(category=Category.TRANSFER)
    t0 = timezone.now()
    decision = route_ticket(ticket.pk, now=t0)
    assert decision is not None and decision.agent_id == world.agent.pk
    return world, ticket, t0


@pytest.mark.parametrize(("after", "expired"), [(29, False), (30, True), (31, True)])
def test_an_offer_expires_after_n_seconds_and_moves_on(
    offered: tuple[Any, Ticket, Any], after: int, expired: bool
) -> None:
    world, ticket, t0 = offered
    assert assignee(ticket) == world.agent.pk
    assert offers_expire(now=t0 + timedelta(seconds=after)) == int(expired)
    if not expired:
        assert assignee(ticket) == world.agent.pk
        assert RoutingOffer.objects.get(ticket=ticket).state == OfferState.PENDING
        return
    # Taken back from the agent, recorded with the reason, and offered to the next best (the supervisor).
    assert assignee(ticket) == world.supervisor.pk
    reasons = list(
        RoutingDecision.objects.filter(ticket=ticket).order_by("pk").values_list("agent_id", "reason")
    )
    assert [(a, r["code"]) for a, r in reasons] == [
        (world.agent.pk, "skills_then_load"),
        (world.agent.pk, "offer_expired"),
        (world.supervisor.pk, "skills_then_load"),
    ]
    assert reasons[1][1]["offer_seconds"] == 30
    states = dict(RoutingOffer.objects.filter(ticket=ticket).values_list("agent_id", "state"))
    assert states == {world.agent.pk: OfferState.EXPIRED, world.supervisor.pk: OfferState.PENDING}


def test_the_same_agent_is_not_offered_the_same_contact_again_for_a_while(
    offered: tuple[Any, Ticket, Any],
) -> None:
    world, ticket, t0 = offered
    offers_expire(now=t0 + timedelta(seconds=30))  # agent → supervisor
    assert (
        offers_expire(now=t0 + timedelta(seconds=60)) == 1
    )  # supervisor's expires too; the agent is cooling down
    assert assignee(ticket) is None
    last = RoutingDecision.objects.filter(ticket=ticket).latest("pk")
    assert last.agent_id is None and last.reason["code"] == "offer_declined"
    # Within the cooldown (600 s after the agent's expiry at t0+30) still nobody; after it, the agent again.
    AgentStatus.objects.update(seen_at=t0 + timedelta(seconds=600))  # both still connected then
    roster_forget()
    within = route_ticket(ticket.pk, now=t0 + timedelta(seconds=629))
    assert within is not None and within.agent_id is None and within.reason["code"] == "offer_declined"
    roster_forget()
    again = route_ticket(ticket.pk, now=t0 + timedelta(seconds=631))
    assert again is not None and again.agent_id == world.agent.pk


def test_an_accepted_or_answered_offer_stays(offered: tuple[Any, Ticket, Any]) -> None:
    world, ticket, t0 = offered
    offer_accept(actor=world.agent, ticket_id=ticket.pk)
    assert offers_expire(now=t0 + timedelta(seconds=300)) == 0
    assert assignee(ticket) == world.agent.pk
    assert RoutingOffer.objects.get(ticket=ticket).state == OfferState.ACCEPTED


def test_answering_counts_as_accepting(offered: tuple[Any, Ticket, Any]) -> None:
    world, ticket, t0 = offered
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=t0 + timedelta(seconds=5))
    assert offers_expire(now=t0 + timedelta(seconds=300)) == 0
    assert assignee(ticket) == world.agent.pk
    assert RoutingOffer.objects.get(ticket=ticket).state == OfferState.ACCEPTED


def test_accepting_over_http_only_ones_own_offer(offered: tuple[Any, Ticket, Any]) -> None:
    world, ticket, _t0 = offered
    url = f"/workspace/routing/offers/{ticket.pk}/accept/"
    assert world.client_for(world.supervisor).post(url).status_code == 404
    assert world.client_for(world.vendor_agent).post(url).status_code == 404
    mine = world.client_for(world.agent).get("/workspace/routing/me/").text
    assert mine.count('data-testid="my-offers"') == 1 and mine.count(f'action="{url}"') == 1
    assert world.client_for(world.agent).post(url).status_code == 302
    assert RoutingOffer.objects.get(ticket=ticket).state == OfferState.ACCEPTED


def test_the_periodic_pass_expires_stale_offers(offered: tuple[Any, Ticket, Any], settings: Any) -> None:
    world, ticket, _t0 = offered
    settings.AWN_ROUTING_AUTO_ASSIGN = True
    RoutingOffer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    route_waiting()
    assert RoutingDecision.objects.filter(ticket=ticket, reason__code="offer_expired").count() == 1
    assert assignee(ticket) == world.supervisor.pk
    page = world.client_for(world.supervisor).get("/workspace/routing/decisions/").text
    assert page.count("انتهى العرض: لم يُقبل في الوقت المحدد") == 1


# ---- hybrid overflow ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("waiting", "to_vendor"), [(2, False), (3, False), (4, True)])
def test_overflow_by_queue_length_at_the_boundary(world: Any, waiting: int, to_vendor: bool) -> None:
    # Threshold 3 contacts waiting in the category (the vendor covers account_access); the in-house agent is
    # online but full (it takes no tickets), so only the threshold decides whether the vendor may take it.
    overflow_rule_set(actor=world.supervisor, category=Category.ACCOUNT_ACCESS, queue_length=3)
    capacity_set(actor=world.supervisor, user_id=world.agent.pk, chats=3, calls=1, tickets=0)
    online(world.agent, world.vendor_agent)
    tickets = [world.ticket(category=Category.ACCOUNT_ACCESS) for _ in range(waiting)]
    decision = route_ticket(tickets[-1].pk)
    assert decision is not None
    assert decision.agent_id == (world.vendor_agent.pk if to_vendor else None)
    assert decision.reason["overflow"]["queue_length"] == waiting
    assert decision.reason["overflow"]["exceeded"] == ("queue" if to_vendor else "")
    assert decision.reason["code"] == ("overflow" if to_vendor else "not_covered")  # vendor held, team full


@pytest.mark.parametrize(("waited", "to_vendor"), [(59, False), (60, False), (61, True)])
def test_overflow_by_longest_wait_at_the_boundary(world: Any, waited: int, to_vendor: bool) -> None:
    overflow_rule_set(actor=world.supervisor, category=Category.ACCOUNT_ACCESS, wait_seconds=60)
    capacity_set(actor=world.supervisor, user_id=world.agent.pk, chats=3, calls=1, tickets=0)  # full
    online(world.agent, world.vendor_agent)
    ticket = world.ticket(category=Category.ACCOUNT_ACCESS)
    decision = route_ticket(ticket.pk, now=ticket.created_at + timedelta(seconds=waited))
    assert decision is not None
    assert decision.agent_id == (world.vendor_agent.pk if to_vendor else None)
    assert decision.reason["overflow"]["exceeded"] == ("wait" if to_vendor else "")


def test_a_vendor_agent_sees_only_what_was_overflowed_to_it(world: Any, settings: Any) -> None:
    settings.AWN_ROUTING_OFFER_SECONDS = 0
    overflow_rule_set(actor=world.supervisor, category=Category.ACCOUNT_ACCESS, queue_length=1)
    # The in-house agent holds two tickets at most: the overflow reaches the vendor once they are full.
    capacity_set(actor=world.supervisor, user_id=world.agent.pk, chats=3, calls=1, tickets=2)
    online(world.agent, world.vendor_agent)
    uncovered = world.ticket(category=Category.TRANSFER)
    first = world.ticket(category=Category.ACCOUNT_ACCESS)
    assert route_ticket(uncovered.pk).agent_id == world.agent.pk  # type: ignore[union-attr]
    # One waiting (at the threshold): the in-house agent (now full); then two waiting (above): the vendor.
    assert route_ticket(first.pk).agent_id == world.agent.pk  # type: ignore[union-attr]
    second, third = (world.ticket(category=Category.ACCOUNT_ACCESS) for _ in range(2))
    assert route_ticket(second.pk).agent_id == world.vendor_agent.pk  # type: ignore[union-attr]
    assert set(Ticket.objects.filter(assignee=world.vendor_agent).values_list("pk", flat=True)) == {second.pk}
    # Its queue of work is what it was given; the category outside its contract it cannot even open.
    mine = visible_tickets(world.vendor_agent).filter(assignee=world.vendor_agent)
    assert list(mine.values_list("pk", flat=True)) == [second.pk]
    assert not visible_tickets(world.vendor_agent).filter(pk=uncovered.pk).exists()
    client = world.client_for(world.vendor_agent)
    assert client.get(f"/workspace/tickets/{uncovered.pk}/").status_code == 404
    assert assignee(third) is None  # not routed yet: still waiting
    # Supervisors read why: the overflow (in Arabic, the default language) beside the in-house decisions.
    page = world.client_for(world.supervisor).get("/workspace/routing/decisions/").text
    assert page.count("تحويل إلى الشركة المشغّلة: تجاوز عدد المنتظرين الحدّ") == 1
    assert page.count("دون حدّ التحويل: للفريق الداخلي وحده.") == 1


def test_threshold_zero_leaves_the_contact_with_a_skilled_in_house_agent_who_has_room(world: Any) -> None:
    overflow_rule_set(actor=world.supervisor, category=Category.ACCOUNT_ACCESS, queue_length=0)
    skills_set(actor=world.supervisor, user_id=world.agent.pk, text="category:account_access")
    capacity_set(actor=world.supervisor, user_id=world.agent.pk, chats=3, calls=1, tickets=1)
    online(world.agent, world.vendor_agent)
    first, second = (world.ticket(category=Category.ACCOUNT_ACCESS) for _ in range(2))
    kept = route_ticket(first.pk)
    assert kept is not None and kept.agent_id == world.agent.pk
    assert kept.reason["overflow"]["exceeded"] == "queue" and kept.reason["code"] == "skills_then_load"
    # The in-house agent is now full (1 ticket in hand): the next one overflows to the vendor.
    overflowed = route_ticket(second.pk)
    assert overflowed is not None and overflowed.agent_id == world.vendor_agent.pk
    assert overflowed.reason["code"] == "overflow"
    page = world.client_for(world.supervisor).get("/workspace/routing/decisions/").text
    assert page.count("فوق حدّ التحويل، لكن الشركة المشغّلة لا تأخذ هذا التصنيف إلا إذا") == 1
    assert page.count("تحويل إلى الشركة المشغّلة: تجاوز عدد المنتظرين الحدّ") == 1


def test_without_a_rule_vendors_take_their_categories_alongside(world: Any) -> None:
    online(world.vendor_agent)
    ticket = world.ticket(category=Category.ACCOUNT_ACCESS)
    decision = route_ticket(ticket.pk)
    assert decision is not None and decision.agent_id == world.vendor_agent.pk
    assert "overflow" not in decision.reason


def test_supervisors_configure_overflow_over_http(world: Any) -> None:
    client = world.client_for(world.supervisor)
    page = client.get(OVERFLOW)
    assert page.status_code == 200 and 'data-testid="overflow-form"' in page.text
    data = {"category": Category.ACCOUNT_ACCESS, "wait_seconds": "90", "queue_length": ""}
    assert client.post(OVERFLOW, data).status_code == 302
    rule = OverflowRule.objects.get(category=Category.ACCOUNT_ACCESS)
    assert (rule.wait_seconds, rule.queue_length, rule.updated_by_id) == (90, None, world.supervisor.pk)
    assert 'data-testid="overflow-rule"' in client.get(OVERFLOW).text
    bad = client.post(OVERFLOW, {"category": Category.ACCOUNT_ACCESS, "wait_seconds": "-1"})
    assert bad.status_code == 400
    assert client.post(OVERFLOW, {"category": "nope", "wait_seconds": "5"}).status_code == 400
    # Both empty: the rule is removed.
    assert client.post(OVERFLOW, {"category": Category.ACCOUNT_ACCESS}).status_code == 302
    assert not OverflowRule.objects.exists()
    # Agents (in-house or vendor) do not reach it; anonymous users are sent to sign in.
    assert world.client_for(world.agent).get(OVERFLOW).status_code == 404
    assert world.client_for(world.vendor_agent).post(OVERFLOW, data).status_code == 404
    assert not OverflowRule.objects.exists()
    assert Client().get(OVERFLOW).status_code == 302
