from __future__ import annotations

import time

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awn.accounts.enums import TeamKind
from awn.accounts.services import team_create
from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.models import AuditEntry, Ticket
from awn.tickets.selectors import parse_ticket_number, queue_counts, ticket_queue
from awn.tickets.services import ticket_update

QUEUE = reverse("workspace:queue")
BULK = reverse("workspace:bulk")


def ids(page) -> set[int]:
    return {t.pk for t in page.object_list}


@pytest.fixture
def tickets(world):
    """mine (assigned to agent, in-house team), team-only, unassigned new, resolved, urgent transfer."""
    mine = world.ticket(subject="لا أستطيع الدخول إلى حسابي")
    ticket_update(
        ticket=mine, actor=world.supervisor, changes={"assignee": world.agent.pk, "team": world.in_house.pk}
    )
    team = world.ticket(subject="طلب نقل", category=Category.TRANSFER, channel=Channel.EMAIL)
    ticket_update(
        ticket=team, actor=world.supervisor, changes={"team": world.in_house.pk, "priority": Priority.HIGH}
    )
    unassigned = world.ticket(subject="النتيجة لا تظهر", category=Category.RESULTS_CERTIFICATES)
    resolved = world.ticket(subject="تم الحل")
    ticket_update(ticket=resolved, actor=world.agent, changes={"status": Status.RESOLVED})
    urgent = world.ticket(subject="عاجل", category=Category.TRANSFER, priority=Priority.URGENT)
    return {"mine": mine, "team": team, "unassigned": unassigned, "resolved": resolved, "urgent": urgent}


def test_queues_return_the_right_tickets(world, tickets):
    def queue(name: str) -> set[int]:
        return ids(ticket_queue(world.agent, queue=name, filters={}, sort="newest", page=1, page_size=50))

    t = tickets
    assert queue("mine") == {t["mine"].pk}
    assert queue("team") == {t["mine"].pk, t["team"].pk}
    assert queue("unassigned") == {t["team"].pk, t["unassigned"].pk, t["urgent"].pk}
    assert queue("open") == {t["mine"].pk, t["team"].pk, t["unassigned"].pk, t["urgent"].pk}
    assert queue("all") == {x.pk for x in t.values()}
    assert queue_counts(world.agent) == {"mine": 1, "team": 2, "unassigned": 3, "open": 4}


def test_filters_and_search(world, tickets):
    def run(**filters: str) -> set[int]:
        return ids(
            ticket_queue(world.agent, queue="all", filters=filters, sort="newest", page=1, page_size=50)
        )

    t = tickets
    assert run(status="resolved") == {t["resolved"].pk}
    assert run(priority="high") == {t["team"].pk}
    assert run(category="transfer") == {t["team"].pk, t["urgent"].pk}
    assert run(channel="email") == {t["team"].pk}
    assert run(team=str(world.in_house.pk)) == {t["mine"].pk, t["team"].pk}
    assert run(q="النتيجة") == {t["unassigned"].pk}
    assert run(q=t["urgent"].reference) == {t["urgent"].pk}
    assert run(q=f"#{t['urgent'].pk}") == {t["urgent"].pk}
    assert run(status="bogus") == {x.pk for x in t.values()}  # unknown values are ignored, not errors
    assert parse_ticket_number("awn-000042") == 42 and parse_ticket_number("hello") is None


def test_sorts(world, tickets):
    def order(sort: str) -> list[int]:
        page = ticket_queue(world.agent, queue="open", filters={}, sort=sort, page=1, page_size=50)
        return [x.pk for x in page.object_list]

    assert order("priority")[:2] == [tickets["urgent"].pk, tickets["team"].pk]
    assert order("oldest") == list(reversed(order("newest")))
    ticket_update(ticket=tickets["unassigned"], actor=world.agent, changes={"priority": Priority.LOW})
    assert order("updated")[0] == tickets["unassigned"].pk
    assert order("newest")[0] == tickets["urgent"].pk


def test_queue_page_shows_tabs_filters_and_rows(world, tickets):
    client = world.client_for(world.agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(QUEUE, {"queue": "mine"})
    assert response.status_code == 200
    html = response.content.decode()
    assert tickets["mine"].reference in html
    assert tickets["unassigned"].reference not in html
    assert 'data-testid="queue-count-open"' in html
    assert response.context["tabs"][3]["count"] == 4
    assert 'data-testid="bulk-bar"' in html
    assert "workspace/shortcuts.js" in html
    assert "1–1 of 1 result" in html

    response = client.get(QUEUE, {"queue": "all", "category": "transfer", "sort": "priority"})
    refs = [t.reference for t in response.context["tickets"]]
    assert refs == [tickets["urgent"].reference, tickets["team"].reference]


def test_page_size_is_capped(world, tickets, settings):
    settings.AWN_PAGE_SIZE_MAX = 3
    response = world.client_for(world.agent).get(QUEUE, {"queue": "all", "page_size": "1000"})
    assert response.context["page"].paginator.per_page == 3
    assert len(response.context["tickets"]) == 3
    response = world.client_for(world.agent).get(QUEUE, {"queue": "all", "page_size": "3", "page": "2"})
    assert len(response.context["tickets"]) == 2


def _many_tickets(world, count: int) -> None:
    requesters = [world.parent, world.other_parent, world.teacher]
    made = [world.ticket(requester=requesters[i % 3], subject=f"تذكرة {i}") for i in range(count)]
    # Spread assignees and teams so every row needs its related objects.
    Ticket.objects.filter(pk__in=[t.pk for t in made[::2]]).update(assignee=world.agent, team=world.in_house)
    Ticket.objects.filter(pk__in=[t.pk for t in made[1::2]]).update(
        assignee=world.supervisor, team=world.vendor
    )


def test_query_count_is_constant_across_page_sizes(world):
    _many_tickets(world, 110)

    def count_selector(size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = ticket_queue(world.agent, queue="all", filters={}, sort="priority", page=1, page_size=size)
            rows = [
                (t.requester.name, t.assignee and t.assignee.username, t.team and t.team.name) for t in page
            ]
            assert len(rows) == size
        return len(ctx.captured_queries)

    assert count_selector(10) == count_selector(100) <= 3  # count, rows, requesters

    client = world.client_for(world.agent)
    # The first request of a session made by force_login starts its staff-session clocks (one session write,
    # awn/accounts/middleware.py); a real sign-in sets them. Measure the pages after it.
    client.get(QUEUE)

    def count_view(size: int, *, cold: bool) -> int:
        if cold:
            cache.clear()  # tab counts and the filter and bulk bars rebuilt: the most a page can cost
        else:
            client.get(QUEUE, {"queue": "all", "page_size": size})  # this page's fragments cached
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"queue": "all", "page_size": size})
            assert len(response.context["tickets"]) == size
        return len(ctx.captured_queries)

    cold_small, cold_large = count_view(10, cold=True), count_view(100, cold=True)
    assert cold_small == cold_large <= 12
    warm_small, warm_large = count_view(10, cold=False), count_view(100, cold=False)
    # Warm: session, user (their team in the same query), page count, rows, requesters; counts, lists cached.
    assert warm_small == warm_large <= 6


def test_query_count_bound_for_outsourced_agent(world, django_assert_max_num_queries):
    _many_tickets(world, 30)
    with django_assert_max_num_queries(3):
        page = ticket_queue(
            world.vendor_agent, queue="open", filters={"q": "تذكرة"}, sort="newest", page=1, page_size=25
        )
        [t.requester.name for t in page]


def test_bulk_assign_to_me_touches_only_selected_visible_tickets(world, tickets):
    client = world.client_for(world.vendor_agent)  # outsourced: sees account_access only
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    visible, hidden = tickets["unassigned"], tickets["urgent"]  # results / transfer: not covered
    covered = world.ticket(subject="حساب")
    response = client.post(
        BULK,
        {"ids": [covered.pk, hidden.pk, visible.pk], "action": "assign_me", "next": "/workspace/?queue=all"},
    )
    assert response.status_code == 302 and response["Location"] == "/workspace/?queue=all"
    covered.refresh_from_db(), hidden.refresh_from_db(), visible.refresh_from_db()
    assert covered.assignee_id == world.vendor_agent.pk
    assert hidden.assignee_id is None and visible.assignee_id is None
    assert not AuditEntry.objects.filter(ticket__in=[hidden, visible], field="assignee").exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["1 ticket updated.", "2 selected tickets were not found and were skipped."]


def test_bulk_set_status_priority_team_and_assignee(world, tickets):
    client = world.client_for(world.supervisor)
    a, b = tickets["unassigned"], tickets["urgent"]
    client.post(BULK, {"ids": [a.pk, b.pk], "action": "priority", "priority": "high"})
    client.post(BULK, {"ids": [a.pk, b.pk], "action": "team", "team": world.in_house.pk})
    client.post(BULK, {"ids": [a.pk, b.pk], "action": "assign", "assignee": world.agent.pk})
    client.post(BULK, {"ids": [a.pk, b.pk], "action": "status", "status": "pending"})
    for t in (a, b):
        t.refresh_from_db()
        assert (t.priority, t.team_id, t.assignee_id, t.status) == (
            "high",
            world.in_house.pk,
            world.agent.pk,
            "pending",
        )


def test_bulk_reports_service_errors(world, tickets):
    client = world.client_for(world.supervisor)
    closed = tickets["resolved"]
    ticket_update(ticket=closed, actor=world.agent, changes={"status": Status.CLOSED})
    response = client.post(
        BULK, {"ids": [closed.pk, tickets["mine"].pk], "action": "status", "status": "pending"}, follow=True
    )
    html = response.content.decode()
    assert closed.reference in html  # the error names the ticket it refused
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    tickets["mine"].refresh_from_db()
    assert tickets["mine"].status == Status.PENDING


def test_bulk_outsourced_agent_cannot_assign_uncovered_ticket(world, tickets):
    client = world.client_for(world.vendor_agent)
    uncovered = tickets["urgent"]
    client.post(BULK, {"ids": [uncovered.pk], "action": "priority", "priority": "low"})
    uncovered.refresh_from_db()
    assert uncovered.priority == Priority.URGENT


def _counts(client) -> dict[str, int | None]:
    response = client.get(QUEUE, {"queue": "open"})
    assert response.status_code == 200
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    html = response.content.decode()
    for key in ("mine", "team", "unassigned", "open"):  # the (cached) tabs fragment shows the same numbers
        badge = f'data-testid="queue-count-{key}"><bdi dir="ltr">{counts[key]}</bdi>'
        assert badge in html, key
    return counts


def test_cached_tab_counts_are_each_agents_own(world, tickets):
    agent, supervisor = world.client_for(world.agent), world.client_for(world.supervisor)
    vendor = world.client_for(world.vendor_agent)
    assert _counts(agent)["mine"] == 1
    assert _counts(supervisor)["mine"] == 0
    assert _counts(vendor)["open"] == 1  # outsourced: account_access only
    # Served from the cache now, and still each agent's own.
    assert _counts(agent)["mine"] == 1 and _counts(agent)["open"] == 4
    assert _counts(supervisor)["mine"] == 0
    assert _counts(vendor)["open"] == 1


def test_own_bulk_action_refreshes_counts_at_once(world, tickets):
    client = world.client_for(world.agent)
    assert _counts(client)["mine"] == 1
    client.post(BULK, {"ids": [tickets["unassigned"].pk, tickets["urgent"].pk], "action": "assign_me"})
    assert _counts(client) == {"mine": 3, "team": 2, "unassigned": 1, "open": 4, "all": None}


def test_other_agents_changes_show_once_the_counts_expire(world, tickets, settings):
    settings.AWN_QUEUE_COUNTS_SECONDS = 2
    client = world.client_for(world.agent)
    assert _counts(client)["unassigned"] == 3
    world.client_for(world.supervisor).post(
        BULK, {"ids": [tickets["unassigned"].pk], "action": "assign", "assignee": world.agent.pk}
    )
    assert _counts(client)["unassigned"] == 3  # within the 2 s: the cached count
    time.sleep(2.1)
    counts = _counts(client)
    assert counts["unassigned"] == 2 and counts["mine"] == 2


def test_a_ticket_that_arrives_within_the_cached_count_still_shows_in_the_rows(world, settings):
    settings.AWN_QUEUE_COUNTS_SECONDS = 60
    client = world.client_for(world.supervisor)
    first = client.get(QUEUE, {"queue": "all"})
    assert ids(first.context["page"]) == set()  # the empty queue's count (0) is now cached for a minute
    ticket = world.ticket(subject="وصلت بعد فتح الصفحة")
    again = client.get(QUEUE, {"queue": "all"})
    assert ids(again.context["page"]) == {ticket.pk}


def test_counts_cache_off(world, tickets, settings):
    settings.AWN_QUEUE_COUNTS_SECONDS = 0
    client = world.client_for(world.agent)
    assert _counts(client)["unassigned"] == 3
    ticket_update(ticket=tickets["unassigned"], actor=world.supervisor, changes={"assignee": world.agent.pk})
    assert _counts(client)["unassigned"] == 2


def test_filter_and_bulk_bars_list_choices_teams_and_agents(world, tickets):
    team = team_create(name='<b>"فريق"</b>', kind=TeamKind.IN_HOUSE)
    client = world.client_for(world.agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(QUEUE, {"queue": "all", "category": "transfer", "team": str(team.pk)}).content.decode()
    filters = html[html.index('data-testid="queue-filters"') : html.index('data-testid="bulk-bar"')]
    bulk = html[html.index('data-testid="bulk-bar"') : html.index('data-testid="queue-table"')]
    assert '<option value="transfer" selected>' in filters
    assert filters.count(" selected>") == 3  # category, team, page size
    assert f'<option value="{team.pk}" selected>&lt;b&gt;&quot;فريق&quot;&lt;/b&gt;</option>' in filters
    assert "<b>" not in filters and " selected" not in bulk
    assert f'<option value="{world.vendor_agent.pk}">' in bulk and f'<option value="{team.pk}">' in bulk
    assert f'<option value="{world.parent_user.pk}">' not in bulk  # customers are not agents
    assert '<option value="urgent">Urgent</option>' in bulk

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ar"
    html = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert '<option value="urgent">عاجلة</option>' in html


def test_page_count_is_reused_but_rows_are_always_fresh(world, tickets, settings):
    settings.AWN_QUEUE_COUNTS_SECONDS = 2
    client = world.client_for(world.agent)

    def unassigned() -> tuple[int, set[int]]:
        response = client.get(QUEUE, {"queue": "unassigned"})
        return response.context["page"].paginator.count, {t.pk for t in response.context["tickets"]}

    assert unassigned() == (3, {tickets["team"].pk, tickets["unassigned"].pk, tickets["urgent"].pk})
    ticket_update(ticket=tickets["team"], actor=world.supervisor, changes={"assignee": world.supervisor.pk})
    # Another agent's change: the rows at once, the summary's count within the 2 s.
    assert unassigned() == (3, {tickets["unassigned"].pk, tickets["urgent"].pk})
    client.post(BULK, {"ids": [tickets["urgent"].pk], "action": "assign_me"})
    assert unassigned() == (1, {tickets["unassigned"].pk})  # the agent's own change: counted afresh


def test_cached_page_head_is_per_query_and_the_bulk_form_fields_per_request(world, tickets):
    client = world.client_for(world.agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def page(**query: str) -> str:
        return client.get(QUEUE, query).content.decode()

    first = page(queue="all", q="<b>النتيجة</b>", page="1")
    assert 'value="&lt;b&gt;النتيجة&lt;/b&gt;"' in first and "<b>النتيجة</b>" not in first
    other = page(queue="all", q="طلب")
    assert 'name="q" value="طلب"' in other and "النتيجة&lt;/b" not in other  # not the other search's head
    # The bulk form's token and return address are the request's own, tied to the form outside the fragment.
    again = page(queue="all", q="طلب", page="2")
    assert (
        again.count('name="csrfmiddlewaretoken"') == 4
    )  # the language, digits and sign-out forms, the bulk form
    assert '<input type="hidden" name="next" value="/workspace/?queue=all&amp;q=' in again
    assert "page=2" in again[again.index('name="next"') :][:120] and 'form="bulk-form">' in again
    token = again[again.index('name="csrfmiddlewaretoken" value="', again.index("awn-queue")) :]
    assert 'form="bulk-form"' in token[:120]

    # Posting the form as a browser would (token and next from the page) works.
    client_with_csrf = world.client_for(world.agent)
    client_with_csrf.handler.enforce_csrf_checks = True
    html = client_with_csrf.get(QUEUE, {"queue": "unassigned"}).content.decode()
    start = html.index('name="csrfmiddlewaretoken" value="', html.index("awn-queue")) + 34
    csrf = html[start : html.index('"', start)]
    response = client_with_csrf.post(
        BULK,
        {
            "csrfmiddlewaretoken": csrf,
            "next": "/workspace/?queue=unassigned",
            "ids": [tickets["unassigned"].pk],
            "action": "assign_me",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/workspace/?queue=unassigned"
    tickets["unassigned"].refresh_from_db()
    assert tickets["unassigned"].assignee_id == world.agent.pk
