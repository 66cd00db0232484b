"""Daily rollups (issue 17, reports at 1M tickets): written by the same fold as the facts, live and by the rebuild
(identical rows), and giving the same figures as the facts: counts, shares and means exactly, medians and 90th
percentiles within one histogram bucket."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import override_settings

from awn.analytics.enums import FactEventKind as K
from awn.analytics.kpis import KPIS, KpiValue, drill_filter, percentile
from awn.analytics.models import DailyRollup, RollupDelta, TicketFact
from awn.analytics.reports import build_report
from awn.analytics.rollup_schema import BUCKET_EDGES, STORED_KEY_COLUMNS, VALUE_COLUMNS
from awn.analytics.rollups import ROLLUP_KPIS, bucket_bounds, bucket_of, histogram_percentile, with_months
from awn.analytics.selectors import ReportFilter, report_facts
from awn.analytics.services import (
    FACT_FIELDS,
    facts_rebuild,
    record_event,
    rollup_deltas_fold_all,
    rollups_of,
)

from .test_facts import _busy_day, set_default_hours
from .test_kpis import created, r, status
from .test_kpis import timeline as timeline

NOVEMBER = ReportFilter(start=date(2026, 11, 1), end=date(2026, 11, 30))


def _rows() -> dict[tuple[Any, ...], dict[str, int]]:
    """The stored rollup rows once every pending delta is folded into them."""
    rollup_deltas_fold_all()
    assert not RollupDelta.objects.exists()
    rows = DailyRollup.objects.values(*STORED_KEY_COLUMNS, *VALUE_COLUMNS)
    return {
        tuple(row[c] for c in STORED_KEY_COLUMNS): {c: row[c] for c in VALUE_COLUMNS if row[c]}
        for row in rows
    }


def _expected_from_facts() -> dict[tuple[Any, ...], dict[str, int]]:
    facts = TicketFact.objects.values(*FACT_FIELDS)
    return dict(with_months(rollups_of(facts)))


def test_buckets_by_hand() -> None:
    assert bucket_of(0) == 0 and bucket_of(59) == 0 and bucket_of(60) == 1 and bucket_of(-5) == 0
    assert bucket_bounds(bucket_of(3600)) == (3600, 5400)
    assert bucket_bounds(len(BUCKET_EDGES) - 1) == (30 * 86400, None)
    assert bucket_of(10**9) == len(BUCKET_EDGES) - 1


def test_histogram_percentile_by_hand() -> None:
    counts = [0] * len(BUCKET_EDGES)
    assert histogram_percentile(counts, 0.5) is None  # no value: unknown, not zero
    # Four values: two in [1 min, 2 min), two in [1 h, 1.5 h). Spread evenly in their buckets, the values at
    # ranks 0..3 are estimated 75, 105, 4050, 4950 (lower edge + width x (i + 0.5) / 2). Median: rank 1.5,
    # halfway between 105 and 4050 = 2077.5; p90: rank 2.7, 4050 + 0.7 x 900 = 4680.
    counts[bucket_of(90)] = 2
    counts[bucket_of(4000)] = 2
    assert histogram_percentile(counts, 0.5) == pytest.approx(2077.5)
    assert histogram_percentile(counts, 0.9) == pytest.approx(4680)
    assert histogram_percentile(counts, 0.0) == pytest.approx(75)
    open_ended = [0] * len(BUCKET_EDGES)
    open_ended[-1] = 3
    assert histogram_percentile(open_ended, 0.9) == 30 * 86400  # the open last bucket gives its lower edge


def test_every_kpi_has_its_rollup_counters() -> None:
    assert set(ROLLUP_KPIS) == {kpi.key for kpi in KPIS}


@pytest.mark.django_db
def test_live_rollups_equal_the_rebuilt_ones_and_the_sum_of_the_facts(world: Any) -> None:
    set_default_hours({"sun": [[28800, 57600]]})
    _busy_day(
        world
    )  # moves between teams, a category change, a merge, a reopening, repeats, a survey, a rating
    live = _rows()
    assert live and live == _expected_from_facts()
    days = [row for key, row in live.items() if not key[0]]
    assert sum(row.get("tickets", 0) for row in days) == 5  # six tickets, one merged away
    assert sum(row.get("tickets", 0) for key, row in live.items() if key[0]) == 5  # and the same in months
    assert all(row.get("tickets", 0) > 0 for row in live.values())  # rows every ticket left are deleted
    DailyRollup.objects.update(tickets=99, fcr=0)  # damage them: the rebuild must not read them
    DailyRollup.objects.create(day=date(2020, 1, 1), channel="email", category="other", tickets=7)
    facts_rebuild(batch_size=2)
    assert _rows() == live


@pytest.mark.django_db
def test_a_ticket_moved_to_another_team_moves_its_row_and_a_replay_counts_once(db: None) -> None:
    created(1, r(3, 9), requester=1, category="transfer")
    created(1, r(3, 9), requester=1, category="transfer")  # a creation published twice
    rollup_deltas_fold_all()
    (row,) = DailyRollup.objects.filter(monthly=False).values("team_id", "tickets", "h09")
    assert row == {"team_id": 0, "tickets": 1, "h09": 1}
    assert DailyRollup.objects.get(monthly=True).day == date(2026, 11, 1)
    record_event(
        kind=K.ASSIGNED,
        ticket_id=1,
        at=r(3, 10),
        payload={"team_id": 5, "assignee_id": None, "team_kind": "hybrid"},
    )
    rollup_deltas_fold_all()
    (row,) = DailyRollup.objects.filter(monthly=False).values("day", "team_id", "team_kind", "tickets", "h09")
    assert row == {"day": date(2026, 11, 3), "team_id": 5, "team_kind": "hybrid", "tickets": 1, "h09": 1}
    assert DailyRollup.objects.filter(monthly=True).values_list("team_id", flat=True).get() == 5
    status(1, r(3, 11), "open", "resolved")
    record_event(kind=K.RATED, ticket_id=1, at=r(3, 12), payload={"score": 5})
    record_event(kind=K.RATED, ticket_id=1, at=r(3, 13), payload={"score": 3})  # a changed answer moves back
    rollup_deltas_fold_all()
    values = (
        DailyRollup.objects.filter(monthly=False)
        .values("resolved", "fcr", "rated", "satisfied", "asked", "res_n", "res_sum")
        .get()
    )
    assert values == {
        "resolved": 1, "fcr": 1, "rated": 1, "satisfied": 0, "asked": 1, "res_n": 1, "res_sum": 7200
    }  # fmt: skip


def _same(exact: dict[str, KpiValue], approx: dict[str, KpiValue], facts: QuerySet[TicketFact]) -> None:
    for kpi in KPIS:
        e, a = exact[kpi.key], approx[kpi.key]
        assert (a.population, a.hits) == (e.population, e.hits), kpi.key
        if kpi.columns is None:
            assert a.calendar is None and e.calendar is None, kpi.key
            continue
        for side, column in zip(("calendar", "business"), kpi.columns, strict=True):
            de, da = getattr(e, side), getattr(a, side)
            assert da.count == de.count, kpi.key
            assert (da.mean is None) == (de.mean is None)
            if de.mean is not None:
                assert da.mean == pytest.approx(de.mean), kpi.key
            values = sorted(
                v
                for v in facts.filter(drill_filter(kpi, "all")).values_list(column, flat=True)
                if v is not None
            )
            for stat, p in (("median", 0.5), ("p90", 0.9)):
                _within_one_bucket(
                    values, p, getattr(de, stat), getattr(da, stat), f"{kpi.key} {side} {stat}"
                )


def _within_one_bucket(
    values: list[int], p: float, exact: float | None, approx: float | None, what: str
) -> None:
    """The estimate is off the exact figure by at most the width of the buckets holding the two values
    percentile_cont interpolates between (the values at the ranks around p x (n - 1), read here from the facts)."""
    assert (exact is None) == (approx is None), what
    if exact is None or approx is None:
        return
    assert exact == pytest.approx(percentile(values, p))  # the reference, computed here from the raw values
    position = p * (len(values) - 1)
    neighbours = (values[math.floor(position)], values[math.ceil(position)])
    widths = [(hi or lo) - lo for lo, hi in (bucket_bounds(bucket_of(v)) for v in neighbours)]
    assert abs(exact - approx) <= max(widths), (what, exact, approx)


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["team_id", "channel", "category", "team_kind"])
def test_rollup_figures_equal_fact_figures_on_the_hand_built_timeline(timeline: None, by: str) -> None:
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=10**9):
        exact = build_report(NOVEMBER, only_team_id=None, by=by)
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        approx = build_report(NOVEMBER, only_team_id=None, by=by)
    assert not exact.approximate and approx.approximate
    assert exact.values["volume"].population == 5  # the reference of test_kpis: six tickets, one merged
    facts = report_facts(NOVEMBER, only_team_id=None)
    _same(exact.values, approx.values, facts)
    assert [(k, label) for k, label, _v in exact.breakdown] == [
        (k, label) for k, label, _v in approx.breakdown
    ]
    assert len(exact.breakdown) >= (2 if by in ("channel", "category") else 1)
    for (key, _l, e), (_k, _l2, a) in zip(exact.breakdown, approx.breakdown, strict=True):
        group = report_facts(replace(NOVEMBER, group=by, value=key), only_team_id=None)
        _same(e, a, group)
    assert [(b.day, b.count, b.resolved) for b in exact.trend] == [
        (b.day, b.count, b.resolved) for b in approx.trend
    ]
    assert exact.heatmap == approx.heatmap


@pytest.mark.django_db
def test_filters_and_an_empty_period_through_the_rollups(timeline: None) -> None:
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        whatsapp = build_report(
            ReportFilter(start=date(2026, 11, 1), end=date(2026, 11, 30), channel="whatsapp"),
            only_team_id=None,
        )
        one_day = build_report(
            ReportFilter(start=date(2026, 11, 1), end=date(2026, 11, 1)), only_team_id=None
        )
        empty = build_report(ReportFilter(start=date(2025, 1, 1), end=date(2025, 1, 31)), only_team_id=None)
    assert whatsapp.approximate and whatsapp.values["volume"].population == 2  # tickets 2 and 3
    assert whatsapp.values["reopen_rate"].hits == 1
    assert one_day.values["volume"].population == 2  # tickets 2 and 6, created on the 1st
    # No ticket: the facts answer (nothing above the limit), an empty state and no error.
    assert not empty.approximate and empty.is_empty and empty.values["first_reply"].business is not None
    assert empty.values["first_reply"].business.median is None


@pytest.mark.django_db
def test_the_page_says_which_figures_are_approximate(world: Any) -> None:
    world.ticket()
    client = world.client_for(world.supervisor)
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        html = client.get("/workspace/analytics/").content.decode()
    assert 'data-testid="approximate-note"' in html and "≈" in html
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=1):
        html = client.get("/workspace/analytics/").content.decode()
    assert 'data-testid="approximate-note"' not in html  # one ticket: at the limit, read exactly
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        response = client.get("/workspace/analytics/", {"by": "school_id"})
    assert response.status_code == 200 and not response.context["report"].approximate  # schools: facts only


@pytest.mark.django_db
def test_the_migration_fills_the_rollups_of_facts_written_before_it(timeline: None) -> None:
    from importlib import import_module

    from django.apps import apps

    live = _rows()
    DailyRollup.objects.all().delete()  # as before the migration: facts, no rollups
    import_module("awn.analytics.migrations.0004_daily_rollup").fill_from_facts(apps, None)  # the days
    import_module("awn.analytics.migrations.0006_rollup_months").fill_months(apps, None)  # their months
    assert _rows() == live and live


def test_a_period_reads_whole_months_from_month_rows_and_the_rest_from_days() -> None:
    from awn.analytics.selectors import period_rows

    # Worked out by hand: 15 Oct – 10 Dec 2026 = days 15–31 Oct, the whole of November, days 1–10 Dec.
    q = str(period_rows(date(2026, 10, 15), date(2026, 12, 10)))
    assert (
        "('day__gte', datetime.date(2026, 11, 1)), ('day__lt', datetime.date(2026, 12, 1)), ('monthly', True)"
        in q
    )
    assert "('day__gte', datetime.date(2026, 10, 15)), ('day__lt', datetime.date(2026, 11, 1))" in q
    assert "('day__gte', datetime.date(2026, 12, 1)), ('day__lte', datetime.date(2026, 12, 10))" in q
    # No whole month inside: days only.
    assert "True" not in str(period_rows(date(2026, 11, 8), date(2026, 12, 7)))
    assert "True" not in str(period_rows(date(2026, 11, 1), date(2026, 11, 29)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 10, 20), date(2026, 12, 3)),
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 11, 2), date(2026, 11, 8)),
    ],
)
def test_months_and_days_give_the_same_figures(timeline: None, start: date, end: date) -> None:
    flt = ReportFilter(start=start, end=end)
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=10**9):
        exact = build_report(flt, only_team_id=None, by="category")
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        approx = build_report(flt, only_team_id=None, by="category")
    _same(exact.values, approx.values, report_facts(flt, only_team_id=None))
    assert [(b.day, b.count) for b in exact.trend] == [(b.day, b.count) for b in approx.trend]
