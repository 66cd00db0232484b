"""The ticket policies for people who are not the staff rule's subject — customers, guardians, strangers, inactive
and anonymous users — and for working a ticket, as a truth table written here (DESIGN.md: a guardian sees their
children's tickets; a customer replies until closed; rates only their own resolved or closed ticket, once)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from awn.tickets.enums import Category, Status
from awn.tickets.models import Ticket
from awn.tickets.policies import (
    can_customer_reply,
    can_rate,
    can_see_internal_notes,
    can_view_ticket,
    can_work_ticket,
    visible_tickets,
)

pytestmark = pytest.mark.django_db


def _with(ticket: Ticket, **fields: Any) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    ticket.refresh_from_db()
    return ticket


def test_a_parent_sees_their_own_and_their_childs_tickets_and_nobody_elses(world: Any) -> None:
    own = world.ticket()
    about_child = world.ticket(about_contact=world.child)
    childs_own = world.ticket(requester=world.child)
    other_family = world.ticket(requester=world.other_parent)
    other_child = world.ticket(requester=world.other_parent, about_contact=world.other_child)
    seen = set(visible_tickets(world.parent_user).values_list("pk", flat=True))
    assert seen == {own.pk, about_child.pk, childs_own.pk}
    assert set(visible_tickets(world.other_parent_user).values_list("pk", flat=True)) == {
        other_family.pk,
        other_child.pk,
    }


def test_a_user_without_a_contact_sees_nothing(world: Any) -> None:
    world.ticket()
    from awn.accounts.services import user_create
    from conftest import PASSWORD

    lonely = user_create(username="lonely", password=PASSWORD)
    assert not visible_tickets(lonely).exists()


def test_anonymous_and_inactive_users_see_nothing(world: Any) -> None:
    ticket = world.ticket()
    assert not visible_tickets(AnonymousUser()).exists()  # type: ignore[arg-type]
    world.parent_user.is_active = False
    assert not visible_tickets(world.parent_user).exists()
    world.agent.is_active = False
    assert not can_view_ticket(world.agent, ticket)


def test_visible_tickets_narrows_a_given_queryset(world: Any) -> None:
    first, second = world.ticket(), world.ticket()
    narrowed = visible_tickets(world.parent_user, Ticket.objects.filter(pk=second.pk))
    assert list(narrowed.values_list("pk", flat=True)) == [second.pk]
    assert first.pk != second.pk


def test_who_works_a_ticket(world: Any) -> None:
    covered = world.ticket(category=Category.ACCOUNT_ACCESS)
    uncovered = world.ticket(category=Category.REGISTRATION)
    table = {
        (world.agent, covered): True,
        (world.agent, uncovered): True,
        (world.supervisor, uncovered): True,
        (world.admin, uncovered): True,
        (world.vendor_agent, covered): True,
        (world.vendor_agent, uncovered): False,
        (world.parent_user, covered): False,  # a customer sees it but does not work it
        (world.other_parent_user, covered): False,
    }
    for (user, ticket), expected in table.items():
        assert can_work_ticket(user, ticket) is expected, (user.username, ticket.category)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.NEW, True),
        (Status.OPEN, True),
        (Status.PENDING, True),
        (Status.ON_HOLD, True),
        (Status.RESOLVED, True),
        (Status.CLOSED, False),
    ],
)
def test_a_customer_replies_to_their_ticket_until_it_is_closed(
    world: Any, status: str, expected: bool
) -> None:
    ticket = _with(world.ticket(), status=status)
    assert can_customer_reply(world.parent_user, ticket) is expected
    assert can_customer_reply(world.other_parent_user, ticket) is False
    assert can_customer_reply(world.agent, ticket) is False  # staff reply from the workspace


@pytest.mark.parametrize(
    ("status", "score", "expected"),
    [
        (Status.NEW, None, False),
        (Status.OPEN, None, False),
        (Status.PENDING, None, False),
        (Status.ON_HOLD, None, False),
        (Status.RESOLVED, None, True),
        (Status.CLOSED, None, True),
        (Status.RESOLVED, 4, False),
        (Status.CLOSED, 1, False),
    ],
)
def test_only_the_requester_rates_a_resolved_or_closed_ticket_once(
    world: Any, status: str, score: int | None, expected: bool
) -> None:
    ticket = _with(world.ticket(), status=status, csat_score=score)
    assert can_rate(world.parent_user, ticket) is expected
    assert can_rate(world.other_parent_user, ticket) is False
    assert can_rate(world.agent, ticket) is False  # no contact


def test_a_guardian_does_not_rate_a_ticket_their_child_opened(world: Any) -> None:
    ticket = _with(world.ticket(requester=world.child), status=Status.RESOLVED)
    assert can_view_ticket(world.parent_user, ticket)
    assert can_rate(world.parent_user, ticket) is False


def test_internal_notes_are_for_staff_only(world: Any) -> None:
    for user in (world.agent, world.vendor_agent, world.supervisor, world.admin):
        assert can_see_internal_notes(user) is True
    for user in (world.parent_user, world.teacher_user):
        assert can_see_internal_notes(user) is False
