"""`staff_who_can_view` is `visible_tickets` read the other way round: checked against `can_view_ticket` for every
staff member and ticket of a world with in-house, outsourced and hybrid teams, teamless agents, supervisors,
admins and inactive users."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from awn.accounts.enums import Role, TeamKind
from awn.accounts.services import team_create, user_create
from awn.tickets.enums import Category
from awn.tickets.policies import can_view_ticket, staff_who_can_view, staff_who_can_view_each
from awn.tickets.services import ticket_update
from conftest import PASSWORD


def _more_staff(world: Any) -> dict[str, Any]:
    results_vendor = team_create(
        name="مشغّل النتائج",
        kind=TeamKind.OUTSOURCED,
        categories=[Category.RESULTS_CERTIFICATES, Category.ACCOUNT_ACCESS],
    )
    closed_vendor = team_create(name="مشغّل بلا تصنيفات", kind=TeamKind.OUTSOURCED)
    hybrid = team_create(name="هجين", kind=TeamKind.HYBRID, categories=[Category.REGISTRATION])
    people = {
        "results_vendor_agent": user_create(
            username="rv", password=PASSWORD, role=Role.AGENT, team=results_vendor
        ),
        "closed_vendor_agent": user_create(
            username="cv", password=PASSWORD, role=Role.AGENT, team=closed_vendor
        ),
        "hybrid_agent": user_create(username="hy", password=PASSWORD, role=Role.AGENT, team=hybrid),
        "teamless_agent": user_create(username="tl", password=PASSWORD, role=Role.AGENT),
        "vendor_supervisor": user_create(
            username="vs", password=PASSWORD, role=Role.SUPERVISOR, team=closed_vendor
        ),
        "inactive_agent": user_create(username="gone", password=PASSWORD, role=Role.AGENT),
    }
    people["inactive_agent"].is_active = False
    people["inactive_agent"].save(update_fields=["is_active"])
    return {"closed_vendor": closed_vendor, **people}


def test_staff_who_can_view_matches_can_view_ticket_for_every_staff_member_and_ticket(world: Any) -> None:
    extra = _more_staff(world)
    tickets = [world.ticket(category=category) for category in Category.values]
    # A ticket outside the closed vendor's categories, but routed to its team.
    routed = world.ticket(category=Category.TIMETABLE_ASSIGNMENT)
    ticket_update(ticket=routed, actor=world.admin, changes={"team_id": extra["closed_vendor"].pk})
    tickets.append(routed.__class__.objects.get(pk=routed.pk))
    everyone = [world.admin, world.supervisor, world.agent, world.vendor_agent, world.parent_user]
    everyone += [u for k, u in extra.items() if k != "closed_vendor"]
    for ticket in tickets:
        expected = {u.pk for u in everyone if u.is_staff_member and can_view_ticket(u, ticket)}
        assert set(staff_who_can_view(ticket).values_list("pk", flat=True)) == expected, ticket.category
    # Reference values written out, not derived from the code under test:
    registration = tickets[Category.values.index(Category.REGISTRATION)]
    allowed = set(staff_who_can_view(registration).values_list("username", flat=True))
    assert allowed == {"admin", "supervisor", "agent", "hy", "tl", "vs"}
    account = tickets[Category.values.index(Category.ACCOUNT_ACCESS)]
    allowed = set(staff_who_can_view(account).values_list("username", flat=True))
    assert allowed == {"admin", "supervisor", "agent", "vendor", "rv", "hy", "tl", "vs"}
    assert set(staff_who_can_view(tickets[-1]).values_list("username", flat=True)) == {
        "admin",
        "supervisor",
        "agent",
        "cv",
        "hy",
        "tl",
        "vs",
    }


def test_staff_who_can_view_costs_two_queries_whatever_the_number_of_agents(world: Any) -> None:
    ticket = world.ticket()
    for n in range(30):
        user_create(username=f"a{n}", password=PASSWORD, role=Role.AGENT, team=world.in_house)
    with CaptureQueriesContext(connection) as queries:
        ids = list(staff_who_can_view(ticket).values_list("pk", flat=True))
    assert len(queries) == 2
    assert len(ids) == 30 + 4  # the new agents, admin, supervisor, agent, vendor (account_access is covered)


def test_staff_who_can_view_each_gives_every_tickets_own_audience(world: Any) -> None:
    extra = _more_staff(world)
    tickets = [world.ticket(category=category) for category in Category.values]
    routed = world.ticket(category=Category.TIMETABLE_ASSIGNMENT)
    ticket_update(ticket=routed, actor=world.admin, changes={"team_id": extra["closed_vendor"].pk})
    tickets.append(routed.__class__.objects.get(pk=routed.pk))
    audiences = staff_who_can_view_each(tickets)
    # One audience per (category, team), read with one query for the teams: 12 categories + the routed one.
    assert len(audiences) == len(Category.values) + 1
    for ticket in tickets:
        assert set(audiences[(ticket.category, ticket.team_id)].values_list("pk", flat=True)) == set(
            staff_who_can_view(ticket).values_list("pk", flat=True)
        ), ticket.category
    # Reference, written out: the closed vendor's agent sees only the ticket routed to its team.
    closed_agent = extra["closed_vendor_agent"].pk
    assert [
        t.pk
        for t in tickets
        if closed_agent in audiences[(t.category, t.team_id)].values_list("pk", flat=True)
    ] == [routed.pk]
    assert staff_who_can_view_each([]) == {}
