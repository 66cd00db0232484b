"""Issue 17 item 4: process analytics on a hand-built timeline. The reference values are worked out by hand from
the timeline below (calendar time), not by the code under test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.analytics.enums import FactEventKind as K
from awn.analytics.models import FactEvent, TicketFact
from awn.analytics.services import FACT_FIELDS, facts_rebuild, record_event

URL = "/workspace/analytics/process/"
DRILL = "/workspace/analytics/tickets/"
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}
A, B = 7, 8  # two agents


def u(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def created(ticket: int, at: datetime, requester: int, category: str) -> None:
    payload = {"channel": "email", "category": category, "priority": "normal", "status": "new"}
    record_event(kind=K.CREATED, ticket_id=ticket, at=at, payload={**payload, "requester_id": requester})


def status(ticket: int, at: datetime, old: str, new: str) -> None:
    record_event(kind=K.STATUS, ticket_id=ticket, at=at, payload={"old": old, "new": new})


def reply(ticket: int, at: datetime, actor: int | None) -> None:
    record_event(kind=K.REPLY, ticket_id=ticket, at=at, payload={"actor_id": actor})


def assign(ticket: int, at: datetime, assignee: int | None, team: int | None) -> None:
    record_event(kind=K.ASSIGNED, ticket_id=ticket, at=at, payload={"assignee_id": assignee, "team_id": team})


@pytest.fixture
def timeline(world: Any) -> Any:
    first, second = world.in_house.pk, world.vendor.pk  # first and second tier
    # 1: the assistant answers, agent A (first tier) takes it, waits on the customer 2 h, then agent B of the
    # vendor team takes over after A's reply (an agent change, a transfer, an escalation), on hold 15 min.
    created(1, u(1, 8), requester=1, category="transfer")
    reply(1, u(1, 8, 1), None)
    assign(1, u(1, 8, 10), A, first)  # the first assignment: no reassignment
    status(1, u(1, 8, 30), "new", "open")  # new: 30 min
    reply(1, u(1, 8, 40), A)
    status(1, u(1, 9), "open", "pending")  # open: 30 min
    status(1, u(1, 11), "pending", "open")  # pending: 2 h
    assign(1, u(1, 11, 30), B, second)
    status(1, u(1, 12), "open", "on_hold")  # open: +1 h
    status(1, u(1, 12, 15), "on_hold", "open")  # on hold: 15 min
    status(1, u(1, 13), "open", "resolved")  # open: +45 min = 2 h 15 min in all
    # 2: handed from A to B within the same team (an agent change, no transfer), new 1 h, open 30 min.
    created(2, u(1, 9), requester=2, category="transfer")
    assign(2, u(1, 9), A, first)
    assign(2, u(1, 9, 5), B, first)
    status(2, u(1, 10), "new", "open")
    reply(2, u(1, 10, 5), B)
    status(2, u(1, 10, 30), "open", "resolved")
    # 3: the assistant, then a person, resolved straight from new after 1 h.
    created(3, u(1, 10), requester=1, category="account_access")
    reply(3, u(1, 10, 1), None)
    reply(3, u(1, 10, 20), A)
    status(3, u(1, 11), "new", "resolved")
    # 4: contact 1 again about a transfer two days after ticket 1's resolution; moved between teams before any
    # reply (a transfer, not an escalation); still new.
    created(4, u(3, 9), requester=1, category="transfer")
    assign(4, u(3, 9, 10), None, first)
    assign(4, u(3, 9, 20), None, second)
    # 5: contact 2 again about a transfer the next day; 6: contact 1 again about account access.
    created(5, u(2, 8), requester=2, category="transfer")
    created(6, u(2, 12), requester=1, category="account_access")
    return world


def _facts() -> list[dict[str, Any]]:
    return list(TicketFact.objects.order_by("ticket_id").values(*FACT_FIELDS))


@pytest.mark.django_db
def test_the_fold_counts_time_in_each_status_and_every_move(timeline: Any) -> None:
    f = {row["ticket_id"]: row for row in _facts()}
    assert (f[1]["new_seconds"], f[1]["open_seconds"], f[1]["pending_seconds"], f[1]["on_hold_seconds"]) == (
        1800,
        8100,
        7200,
        900,
    )
    assert (f[2]["new_seconds"], f[2]["open_seconds"], f[2]["on_hold_seconds"]) == (3600, 1800, 0)
    assert (f[3]["new_seconds"], f[3]["open_seconds"]) == (3600, 0)
    moves = {
        t: (r["agent_change_count"], r["transfer_count"], r["bot_then_human"], r["escalated"])
        for t, r in f.items()
    }
    assert moves == {
        1: (1, 1, True, True),
        2: (1, 0, False, False),
        3: (0, 0, True, False),
        4: (0, 1, False, False),
        5: (0, 0, False, False),
        6: (0, 0, False, False),
    }
    assert {t for t, r in f.items() if r["repeat_contact"]} == {1, 2, 3}


@pytest.mark.django_db
def test_rebuild_gives_the_same_process_columns(timeline: Any) -> None:
    live = _facts()
    TicketFact.objects.update(open_seconds=99, transfer_count=9, escalated=False, bot_then_human=False)
    result = facts_rebuild(batch_size=2)
    assert result.events == FactEvent.objects.count()
    assert _facts() == live


@pytest.mark.django_db
def test_the_process_page_shows_times_rates_funnel_and_repeats(timeline: Any) -> None:
    response = timeline.client_for(timeline.supervisor).get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'dir="rtl"' in html and "تحليل العمليات" in html
    report = response.context["report"]
    rows = {
        r.category: (r.resolved, [(c.kpi.key, c.median, c.p90) for c in r.cells]) for r in report.status_rows
    }
    # transfer: tickets 1 and 2 (new 1800/3600, open 8100/1800, pending 7200/0, on hold 900/0);
    # p90 = low + 0.9 × (high − low).
    assert rows["transfer"] == (
        2,
        [
            ("time_new", 2700, 3420),
            ("time_open", 4950, 7470),
            ("time_pending", 3600, 6480),
            ("time_on_hold", 450, 810),
        ],
    )
    assert rows["account_access"] == (
        1,
        [("time_new", 3600, 3600), ("time_open", 0, 0), ("time_pending", 0, 0), ("time_on_hold", 0, 0)],
    )
    assert [(r.kpi.key, r.hits, r.population) for r in report.rates] == [
        ("agent_changes", 2, 6),
        ("transfers", 2, 6),
        ("second_tier", 1, 6),
    ]
    assert [(k.key, n) for k, n in report.funnel] == [
        ("volume", 6),
        ("bot_answered", 2),
        ("bot_then_human", 2),
        ("bot_human_second_tier", 1),
    ]
    assert report.repeat_topics == [("transfer", 2), ("account_access", 1)]
    for testid in ("status-times", "rates", "funnel", "repeat-topics", "funnel-bot_then_human"):
        assert f'data-testid="{testid}"' in html, testid


@pytest.mark.django_db
def test_every_process_number_drills_down_to_its_tickets(timeline: Any) -> None:
    client = timeline.client_for(timeline.supervisor)

    def shown(**params: str) -> set[int]:
        response = client.get(DRILL, {**PERIOD, **params})
        assert response.status_code == 200
        return {fact.ticket_id for fact, _subject in response.context["rows"]}

    assert shown(kpi="time_open", part="all", category="transfer") == {1, 2}
    assert shown(kpi="agent_changes", part="hits") == {1, 2}
    assert shown(kpi="transfers", part="hits") == {1, 4}
    assert shown(kpi="second_tier", part="all") == {1}
    assert shown(kpi="bot_then_human", part="all") == {1, 3}
    assert shown(kpi="bot_human_second_tier", part="all") == {1}
    assert shown(kpi="repeat_contacts", part="all", category="transfer") == {1, 2}
    html = client.get(URL, PERIOD).content.decode()
    assert "kpi=repeat_contacts&amp;part=all" in html and "category=transfer&amp;kpi=time_open" in html


@pytest.mark.django_db
def test_an_empty_period_shows_an_empty_state(timeline: Any) -> None:
    response = timeline.client_for(timeline.supervisor).get(URL, {"start": "2020-01-01", "end": "2020-01-31"})
    assert response.status_code == 200
    assert response.context["report"].empty
    assert 'data-testid="empty-state"' in response.content.decode()


@pytest.mark.django_db
def test_bad_period_is_a_400_with_no_figures(timeline: Any) -> None:
    response = timeline.client_for(timeline.supervisor).get(URL, {"start": "2026-11-30", "end": "2026-11-01"})
    assert response.status_code == 400
    assert response.context["report"] is None
    assert 'data-testid="filter-errors"' in response.content.decode()


@pytest.mark.django_db
def test_only_supervisors_see_the_page_and_a_vendor_sees_its_own_team(timeline: Any, client: Any) -> None:
    assert client.get(URL).status_code == 302
    for user in (timeline.agent, timeline.vendor_agent, timeline.parent_user):
        assert timeline.client_for(user).get(URL).status_code == 404
    vendor_boss = user_create(
        username="vendor_boss", password="x-secret-12345", role=Role.SUPERVISOR, team=timeline.vendor
    )
    response = timeline.client_for(vendor_boss).get(URL, PERIOD)
    assert response.status_code == 200
    report = response.context["report"]
    # Tickets 1 and 4 end in the vendor team.
    assert [(k.key, n) for k, n in report.funnel] == [
        ("volume", 2),
        ("bot_answered", 1),
        ("bot_then_human", 1),
        ("bot_human_second_tier", 1),
    ]
    assert [(r.category, r.resolved) for r in report.status_rows] == [("transfer", 1)]
    assert report.status_rows[0].cells[0].median == 1800
    assert report.repeat_topics == [("transfer", 1)]
    assert 'data-testid="restricted-note"' in response.content.decode()


@pytest.mark.django_db
def test_the_page_reads_a_fixed_number_of_queries(timeline: Any, django_assert_max_num_queries: Any) -> None:
    client = timeline.client_for(timeline.supervisor)
    with django_assert_max_num_queries(12) as few:
        assert client.get(URL, PERIOD).status_code == 200
    for ticket in range(10, 30):  # more tickets, categories and repeats: not more queries
        created(
            ticket, u(5, 8, ticket), requester=ticket % 3, category=("transfer", "grade_entry")[ticket % 2]
        )
        status(ticket, u(5, 9, ticket), "new", "resolved")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL, PERIOD).status_code == 200


def test_the_fold_boundaries_reopening_human_first_and_unassigned_in_between() -> None:
    from awn.analytics.facts import apply

    def fold(events: list[tuple[str, datetime, dict[str, Any]]]) -> dict[str, Any]:
        fact = None
        for kind, at, payload in events:
            fact = apply(fact, kind, 1, at, payload, lambda _team: None)
        assert fact is not None
        return fact

    base = {"channel": "email", "category": "transfer", "status": "new", "requester_id": 1}
    fact = fold(
        [
            (K.CREATED, u(1, 8), base),
            (K.REPLY, u(1, 8, 5), {"actor_id": A}),  # a person first: not "assistant, then a person"
            (K.REPLY, u(1, 8, 6), {"actor_id": None}),
            (K.STATUS, u(1, 8, 10), {"old": "new", "new": "open"}),  # new: 10 min
            (K.ASSIGNED, u(1, 8, 20), {"assignee_id": A, "team_id": None}),
            (K.ASSIGNED, u(1, 8, 30), {"assignee_id": None, "team_id": None}),  # unassigned…
            (K.ASSIGNED, u(1, 8, 40), {"assignee_id": B, "team_id": None}),  # …then B: not agent to agent
            (K.STATUS, u(1, 9), {"old": "open", "new": "resolved"}),  # open: 50 min
            (K.STATUS, u(2, 9), {"old": "resolved", "new": "open"}),  # a day resolved: counts nowhere
            (K.STATUS, u(2, 9, 20), {"old": "open", "new": "resolved"}),  # open: +20 min after the reopening
        ]
    )
    assert (fact["new_seconds"], fact["open_seconds"], fact["pending_seconds"], fact["on_hold_seconds"]) == (
        600,
        4200,
        0,
        0,
    )
    assert (
        fact["bot_then_human"],
        fact["agent_change_count"],
        fact["transfer_count"],
        fact["escalated"],
    ) == (
        False,
        0,
        0,
        False,
    )
    assert fact["reopen_count"] == 1
