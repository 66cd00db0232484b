"""Before and after a change (issue 17 item 4): one category's figures over the same number of days on each side of
the day it changed. Reference values worked out by hand from the timeline below."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import override_settings

from awn.analytics.reports import before_after
from awn.analytics.rollups import bucket_bounds, bucket_of

from .test_kpis import created, r, status

CHANGED = date(2026, 11, 15)  # say a guide on transfers was published that morning


@pytest.fixture
def guide_timeline(db: None) -> None:
    # Before (8–14 Nov): two transfer tickets, each resolved two days later.
    created(1, r(9, 10), requester=1, category="transfer")
    status(1, r(11, 10), "open", "resolved")
    created(2, r(10, 10), requester=2, category="transfer")
    status(2, r(12, 10), "open", "resolved")
    # After (15–21 Nov): three transfer tickets resolved within the hour; one about registration (another topic).
    for ticket, day in ((3, 16), (4, 17), (5, 18)):
        created(ticket, r(day, 10), requester=ticket, category="transfer")
        status(ticket, r(day, 11), "open", "resolved")
    created(6, r(16, 10), requester=6, category="registration")
    # Outside both windows: not counted.
    created(7, r(1, 10), requester=7, category="transfer")


@pytest.mark.django_db
def test_before_and_after_from_the_facts(guide_timeline: None) -> None:
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=10**9):
        c = before_after("transfer", CHANGED, 7, only_team_id=None)
    assert (c.before.flt.start, c.before.flt.end) == (date(2026, 11, 8), date(2026, 11, 14))
    assert (c.after.flt.start, c.after.flt.end) == (date(2026, 11, 15), date(2026, 11, 21))
    assert c.before.values["volume"].population == 2 and c.after.values["volume"].population == 3
    before, after = c.before.values["resolution"].calendar, c.after.values["resolution"].calendar
    assert before is not None and after is not None
    assert before.median == 2 * 86400 and after.median == 3600
    rows = {label: (b, a) for _key, label, b, a, _unit in c.rows()}
    assert rows["التذاكر في اليوم"] == (0.3, 0.4)  # 2/7 and 3/7


@pytest.mark.django_db
def test_before_and_after_from_the_rollups_agree(guide_timeline: None) -> None:
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        c = before_after("transfer", CHANGED, 7, only_team_id=None)
    assert c.before.approximate and c.after.approximate
    assert c.before.values["volume"].population == 2 and c.after.values["volume"].population == 3
    for report, exact in ((c.before, 2 * 86400), (c.after, 3600)):
        median = report.values["resolution"].calendar.median  # type: ignore[union-attr]
        low, high = bucket_bounds(bucket_of(exact))
        assert median is not None and low <= median <= (high or low)


@pytest.mark.django_db
def test_the_page_compares_and_refuses_bad_input(world: Any, guide_timeline: None) -> None:
    url = "/workspace/analytics/compare/"
    client = world.client_for(world.supervisor)
    assert client.get(url).status_code == 200  # the form alone
    page = client.get(url, {"category": "transfer", "changed_on": "2026-11-15", "days": "7"})
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="comparison-row"') == len(
        page.context["comparison"].rows()
    )
    assert "2026-11-08" in html and "2026-11-21" in html and "category=transfer" in html
    bad = client.get(url, {"category": "transfer", "changed_on": "2026-11-15", "days": "0"})
    assert bad.status_code == 400 and 'data-testid="comparison"' not in bad.content.decode()
    assert client.get(url, {"category": "nope", "changed_on": "x", "days": "7"}).status_code == 400
    assert world.client_for(world.agent).get(url).status_code == 404
