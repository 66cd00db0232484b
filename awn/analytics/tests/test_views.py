"""Slice 3 of issue 17: the reports page, its drill-down and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.analytics.models import TicketFact
from awn.analytics.selectors import REPORT_TZ
from awn.tickets.enums import Status
from awn.tickets.services import ticket_add_message, ticket_rate, ticket_update

URL = "/workspace/analytics/"
DRILL = "/workspace/analytics/tickets/"


def _tickets(world: Any, n: int = 3) -> list[Any]:
    made = []
    for i in range(n):
        t = world.ticket(subject=f"تذكرة {i}")
        ticket_update(
            ticket=t,
            actor=world.supervisor,
            changes={"team_id": (world.vendor if i % 2 else world.in_house).pk},
        )
        ticket_add_message(ticket=t, body="تم", actor=world.agent, status_after=Status.RESOLVED)
        made.append(t)
    ticket_rate(ticket=made[0], contact=world.parent, score=5)
    return made


@pytest.mark.django_db
def test_the_supervisor_sees_tiles_trend_heatmap_breakdown_and_exports(world: Any) -> None:
    _tickets(world)
    response = world.client_for(world.supervisor).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("kpi-tiles", "trend", "heatmap", "breakdown", "exports", "period-hijri", "tile-fcr"):
        assert f'data-testid="{testid}"' in html, testid
    report = response.context["report"]
    assert report.values["volume"].population == 3
    cells = {(wd, hour): n for wd, _name, row in report.heatmap for hour, n, _i in row}
    local = timezone.now().astimezone(REPORT_TZ)
    assert sum(cells.values()) == 3 and cells[local.isoweekday(), local.hour] >= 1  # Riyadh hours
    assert sum(bar.count for bar in report.trend) == 3 and report.trend[-1].day == local.date()
    assert 'dir="rtl"' in html and "التقارير" in html  # Arabic by default
    assert html.count('data-testid="trend-bar"') == 30  # the default period: the last 30 days
    assert 'data-testid="nav-reports"' in html


@pytest.mark.django_db
def test_only_supervisors_and_admins_may_open_the_reports(world: Any, client: Any) -> None:
    assert client.get(URL).status_code == 302  # sign in first
    for user in (world.agent, world.vendor_agent, world.parent_user):
        assert world.client_for(user).get(URL).status_code == 404
        assert world.client_for(user).get(DRILL).status_code == 404
    assert world.client_for(world.admin).get(URL).status_code == 200


@pytest.mark.django_db
def test_an_outsourced_teams_supervisor_sees_only_its_teams_figures(world: Any) -> None:
    _tickets(world, 4)  # two for the vendor, two in-house
    vendor_boss = user_create(
        username="vendor_boss", password="x-secret-12345", role=Role.SUPERVISOR, team=world.vendor
    )
    client = world.client_for(vendor_boss)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["report"].values["volume"].population == 2
    assert 'data-testid="restricted-note"' in response.content.decode()
    # Asking for another team is a bad filter, not a way round.
    assert client.get(URL, {"team": world.in_house.pk}).status_code == 400
    drill = client.get(DRILL, {"kpi": "volume"})
    shown = {fact.ticket_id for fact, _subject in drill.context["rows"]}
    assert shown == set(
        TicketFact.objects.filter(team_id=world.vendor.pk).values_list("ticket_id", flat=True)
    )
    assert (
        client.get(reverse("analytics:export", args=["tickets", "csv"]))
        .content.decode("utf-8-sig")
        .count("AWN-")
        == 2
    )


@pytest.mark.django_db
def test_an_empty_period_shows_an_empty_state(world: Any) -> None:
    _tickets(world)
    response = world.client_for(world.supervisor).get(URL, {"start": "2020-01-01", "end": "2020-01-31"})
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()


@pytest.mark.django_db
def test_bad_filters_are_explained_in_arabic_and_english_and_show_no_figures(world: Any) -> None:
    client = world.client_for(world.supervisor)
    response = client.get(URL, {"start": "2026-12-10", "end": "2026-12-01"})
    assert response.status_code == 400
    assert "يجب ألا تكون بداية الفترة بعد نهايتها" in response.content.decode()
    assert response.context["report"] is None
    english = client.get(URL, {"start": "2020-01-01", "end": "2026-01-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    for bad in (
        {"start": "yesterday"},
        {"channel": "fax"},
        {"weekday": "9"},
        {"team": "99999999999999999999"},
    ):
        assert client.get(URL, bad).status_code == 400, bad
    assert client.get(DRILL, {"group": "team_id", "value": "abc"}).status_code == 200  # no rows, no error


@pytest.mark.django_db
def test_every_number_drills_down_to_its_tickets(world: Any) -> None:
    tickets = _tickets(world)
    client = world.client_for(world.supervisor)
    page = client.get(URL).content.decode()
    assert (f"{DRILL}?" in page and "kpi=csat&amp;part=hits" in page) or "kpi=csat&part=hits" in page
    csat = client.get(DRILL, {"kpi": "csat", "part": "hits"})
    assert [f.ticket_id for f, _s in csat.context["rows"]] == [tickets[0].pk]
    assert "تذكرة 0" in csat.content.decode()
    today = timezone.now().astimezone(timezone.get_fixed_timezone(180)).date()
    by_day = client.get(DRILL, {"day": today.isoformat()})
    assert len(by_day.context["rows"]) == 3
    by_team = client.get(DRILL, {"group": "team_id", "value": world.vendor.pk})
    assert len(by_team.context["rows"]) == 1
    yesterday = client.get(DRILL, {"day": (today - timedelta(days=1)).isoformat()})
    assert 'data-testid="empty-state"' in yesterday.content.decode()


@pytest.mark.django_db
def test_the_page_reads_a_fixed_number_of_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = world.client_for(world.supervisor)
    _tickets(world, 2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(URL, {"by": "channel"}).status_code == 200
    _tickets(world, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL, {"by": "channel"}).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(DRILL, {"kpi": "resolution"}).status_code == 200
