"""Dates and figures on the workspace's pages through the one formatting layer (issue 13, defect 8): the Hijri date
beside the Gregorian one on the queue and the ticket page, never only in a tooltip; the agent's digits preference;
no internal code in the ticket's history."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.urls import reverse

from awn.core.formatting import Digits
from awn.tickets.models import AuditEntry, Ticket

OPENED = datetime(2027, 3, 9, 6, 0, tzinfo=UTC)  # 09:00 in Riyadh, 1 Shawwal 1448 (Umm al-Qura)


def _queue_row(html: str, pk: int) -> str:
    match = re.search(rf'<tr data-row[^>]*data-ticket-id="{pk}".*?</tr>', html, re.S)
    assert match, html[:500]
    return match.group(0)


def _opened_ticket(world: Any) -> Ticket:
    ticket = world.ticket(subject="النتيجة لا تظهر")
    Ticket.objects.filter(pk=ticket.pk).update(created_at=OPENED, updated_at=OPENED)
    return ticket


def test_the_queue_shows_the_hijri_date_beside_the_gregorian_one(world: Any) -> None:
    ticket = _opened_ticket(world)
    html = world.client_for(world.supervisor).get(reverse("workspace:queue")).content.decode()
    row = _queue_row(html, ticket.pk)
    assert (
        '<bdi dir="ltr">2027-03-09 09:00</bdi> <span class="awn-hijri">· <bdi>1 شوال 1448هـ</bdi></span>'
        in row
    )
    assert 'title="' not in row.split("awn-queue-subject")[1].split("</tr>")[0].split("<time")[1]


def test_the_ticket_page_shows_the_hijri_date_beside_the_gregorian_one(world: Any) -> None:
    ticket = _opened_ticket(world)
    html = (
        world.client_for(world.supervisor).get(reverse("workspace:ticket", args=[ticket.pk])).content.decode()
    )
    created = html.split('data-testid="ticket-header"')[-1] if 'data-testid="ticket-header"' in html else html
    assert "2027-03-09 09:00" in created and "1 شوال 1448هـ" in created


def test_an_agent_who_chose_arabic_indic_digits_reads_them_on_the_queue_and_the_ticket(world: Any) -> None:
    ticket = _opened_ticket(world)
    world.supervisor.digits = Digits.ARABIC_INDIC
    world.supervisor.save(update_fields=["digits"])
    client = world.client_for(world.supervisor)
    row = _queue_row(client.get(reverse("workspace:queue")).content.decode(), ticket.pk)
    assert "٢٠٢٧-٠٣-٠٩ ٠٩:٠٠" in row and "١ شوال ١٤٤٨هـ" in row and "2027-03-09 09:00</bdi>" not in row
    page = client.get(reverse("workspace:ticket", args=[ticket.pk])).content.decode()
    assert "٢٠٢٧-٠٣-٠٩ ٠٩:٠٠" in page and "١ شوال ١٤٤٨هـ" in page
    # Another agent keeps the default (Latin) digits: the preference is per person.
    other = world.client_for(world.agent)
    world.agent.team = world.supervisor.team
    world.agent.save(update_fields=["team"])
    assert "1 شوال 1448هـ" in other.get(reverse("workspace:queue")).content.decode()


def test_the_history_never_shows_an_internal_code(world: Any) -> None:
    ticket = world.ticket()
    AuditEntry.objects.create(ticket=ticket, action="phone_call", field="call_id", new_value="3:CA123")
    AuditEntry.objects.create(ticket=ticket, action="something_new", field="x_code", new_value="raw_value")
    client = world.client_for(world.supervisor)
    history = client.get(reverse("workspace:ticket-history", args=[ticket.pk])).content.decode()
    for code in ("phone_call", "call_id", "something_new", "x_code", "raw_value"):
        assert code not in history
    assert "مكالمة هاتفية" in history


def _summary_and_tab(html: str) -> tuple[str, str]:
    summary = re.search(r'data-testid="page-summary">(.*?)</span>', html, re.S)
    tab = re.search(r'data-testid="queue-count-open"><bdi dir="ltr">(.*?)</bdi>', html, re.S)
    assert summary and tab, html[:500]
    return summary.group(1).strip(), tab.group(1)


def test_the_queues_counts_and_pages_follow_each_readers_digits_even_when_cached(world: Any) -> None:
    for _ in range(3):
        world.ticket(subject="النتيجة لا تظهر")
    latin = world.client_for(world.agent)
    world.supervisor.digits = Digits.ARABIC_INDIC
    world.supervisor.save(update_fields=["digits"])
    world.agent.team = world.supervisor.team
    world.agent.save(update_fields=["team"])
    indic = world.client_for(world.supervisor)
    url = reverse("workspace:queue") + "?queue=open"
    # The Latin reader first fills the cached fragments; the Arabic-Indic reader must not be given them.
    summary, tab = _summary_and_tab(latin.get(url).content.decode())
    assert "1–3" in summary and "3" in summary and tab == "3"
    summary, tab = _summary_and_tab(indic.get(url).content.decode())
    assert "١–٣" in summary and "3" not in summary and tab == "٣"
    summary, tab = _summary_and_tab(latin.get(url).content.decode())
    assert "1–3" in summary and tab == "3"
