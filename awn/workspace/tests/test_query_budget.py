"""Query budgets of the agent's two hot pages: the ticket page and the queue. The count must not grow with the
number of messages, attachments, relations, external events, incidents or audit rows (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awn.crm.enums import ContactType, RelationKind
from awn.crm.services import contact_create, external_event_record, organization_create, relation_add
from awn.crm.validators import national_id_from_seed as national_id
from awn.privacy.models import AccessRecord
from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Category, MessageKind
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_add_message, ticket_link_incident, ticket_set_tags, ticket_update

TICKET_PAGE_BUDGET = 12
QUEUE_PAGE_BUDGET = 12


def _grow(world: Any, ticket: Ticket, n: int, seq: int) -> None:
    """n of everything the ticket page and its panels show: messages (with attachments and notes), the
    requester's relations and external events, incidents of the ticket as a problem, audit rows."""
    for i in range(n):
        ticket_add_message(
            ticket=ticket,
            actor=world.agent,
            body=f"رد رقم {i}",
            kind=MessageKind.NOTE if i % 3 == 0 else MessageKind.REPLY,
            attachments=[IncomingFile(name=f"f{i}.txt", content=b"abc")] if i % 2 == 0 else [],
        )
        child = contact_create(
            name=f"ابن {i}", contact_type=ContactType.STUDENT, national_id=national_id(seq * 1000 + i)
        )
        relation_add(kind=RelationKind.PARENT_OF, contact=ticket.requester, other_contact=child)
        school = organization_create(name=f"مدرسة {seq}-{i}")
        relation_add(kind=RelationKind.STUDENT_AT, contact=ticket.requester, organization=school)
        external_event_record(
            event_id=f"e-{seq}-{i}", event_type="login_failed", contact=ticket.requester, reason="خطأ"
        )
        incident = world.ticket(requester=ticket.requester, subject=f"حادثة {i}")
        ticket_link_incident(incident=incident, problem=ticket, actor=world.agent)
    ticket_set_tags(ticket=ticket, actor=world.agent, tags=[f"وسم{i}" for i in range(min(n, 10))])
    ticket_update(ticket=ticket, actor=world.agent, changes={"assignee_id": world.agent.pk})


def _page_queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["agent", "vendor_agent"])
def test_ticket_page_stays_within_budget_whatever_it_holds(world, role):
    tickets = []
    for seq, n in ((1, 1), (2, 30)):
        requester = contact_create(name=f"ولي أمر {seq}", national_id=national_id(900 + seq))
        ticket = world.ticket(requester=requester, about_contact=world.child)
        _grow(world, ticket, n, seq)
        tickets.append(ticket)
    client = world.client_for(getattr(world, role))
    client.get(reverse("workspace:queue"))  # the session's first request starts its staff-session clocks
    small, large = (_page_queries(client, reverse("workspace:ticket", args=[t.pk])) for t in tickets)
    assert small == large <= TICKET_PAGE_BUDGET, (small, large)
    html = client.get(reverse("workspace:ticket", args=[tickets[1].pk])).content.decode()
    assert all(f">وسم{i}</span>" in html for i in range(10))  # the tags, read with the ticket
    assert html.count('data-testid="message"') == 31 and html.count('data-testid="attachments"') == 15


def test_queue_page_stays_within_budget_whatever_it_lists(world):
    client = world.client_for(world.agent)
    client.get(reverse("workspace:queue"))
    counts = []
    for n in (1, 30):
        Ticket.objects.all().delete()
        for i in range(n):
            ticket = world.ticket(subject=f"تذكرة {i}", about_contact=world.child)
            ticket_update(ticket=ticket, actor=world.agent, changes={"assignee_id": world.agent.pk})
        cache.clear()  # tab counts and cached fragments rebuilt: the most the page can cost
        counts.append(_page_queries(client, reverse("workspace:queue") + "?queue=all&page_size=50"))
    assert counts[0] == counts[1] <= QUEUE_PAGE_BUDGET, counts


def test_the_customer_360_is_cached_per_ticket_version_and_audited_each_time(world):
    ticket = world.ticket(about_contact=world.child)
    client = world.client_for(world.agent)
    client.get(reverse("workspace:queue"))
    fragment = reverse("workspace:ticket-customer", args=[ticket.pk])
    first = _page_queries(client, fragment)
    again = _page_queries(client, fragment)
    # Cached: the session, the user, the ticket and the audit row of the child shown; not the panels' reads.
    assert again == 4 < first
    assert AccessRecord.objects.filter(object_id=ticket.pk, subject_id=world.child.pk).count() == 2
    external_event_record(event_id="late", event_type="account_locked", contact=world.parent, reason="مقفل")
    assert "account_locked" not in client.get(fragment).content.decode()  # same ticket version: cached
    ticket_add_message(ticket=ticket, actor=world.agent, body="رد")  # a new version of the ticket
    assert 'data-event-type="account_locked"' in client.get(fragment).content.decode()


def test_the_fragments_check_the_ticket_permission(world):
    hidden = world.ticket(category=Category.TRANSFER)  # the outsourced team covers account access only
    client = world.client_for(world.vendor_agent)
    for name in ("ticket-customer", "ticket-history", "ticket-assist"):
        assert client.get(reverse(f"workspace:{name}", args=[hidden.pk])).status_code == 404, name
