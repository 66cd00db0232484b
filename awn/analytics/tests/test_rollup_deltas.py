"""The rollup write leaves the intake's hot row (issues 17 and 11): the fold of a fact appends a RollupDelta row in
the intake transaction (a plain INSERT, nothing shared), a job folds pending deltas into the rollup rows, and the
reports add the pending ones, so figures are exact whether or not the job ran: rebuild = live, a fold taken twice
or by two folders at once counts once, a rollback leaves nothing, and two intake transactions of the same day and
category never wait for each other (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings

from awn.analytics import services
from awn.analytics.enums import FactEventKind as K
from awn.analytics.models import DailyRollup, RollupDelta, TicketFact
from awn.analytics.reports import Report, build_report
from awn.analytics.rollup_schema import STORED_KEY_COLUMNS, VALUE_COLUMNS
from awn.analytics.rollups import Key, add_into, with_months
from awn.analytics.selectors import ReportFilter
from awn.analytics.services import (
    FACT_FIELDS,
    facts_rebuild,
    record_event,
    rollup_deltas_fold,
    rollup_deltas_fold_all,
    rollups_of,
)

from .test_facts import _busy_day, set_default_hours
from .test_kpis import created, r, status
from .test_kpis import timeline as timeline

# Years of days and whole months: the reports read month rows, day rows and the deltas of their days.
PERIOD = ReportFilter(start=date(2025, 12, 15), end=date(2027, 2, 10))
Rows = dict[tuple[Any, ...], dict[str, int]]


def _stored() -> Rows:
    rows = DailyRollup.objects.values(*STORED_KEY_COLUMNS, *VALUE_COLUMNS)
    return {
        tuple(row[c] for c in STORED_KEY_COLUMNS): {c: row[c] for c in VALUE_COLUMNS if row[c]}
        for row in rows
    }


def _stored_plus_pending() -> Rows:
    """What the rows will be once folded: the stored rows and the pending deltas (days and months) added up."""
    pending: dict[Key, dict[str, int]] = {}
    for row in RollupDelta.objects.values(
        "day", "team_id", "team_kind", "channel", "category", *VALUE_COLUMNS
    ):
        key: Key = (row["day"], row["team_id"], row["team_kind"], row["channel"], row["category"])
        add_into(pending, {key: {c: row[c] for c in VALUE_COLUMNS if row[c]}})
    total = _stored()
    for stored, added in with_months(pending).items():
        into = total.setdefault(stored, {})
        for column, n in added.items():
            into[column] = into.get(column, 0) + n
    return {key: {c: n for c, n in row.items() if n} for key, row in total.items() if any(row.values())}


def _tickets(*, monthly: bool) -> int:
    return int(DailyRollup.objects.filter(monthly=monthly).values_list("tickets", flat=True).get())


def _expected_from_facts() -> Rows:
    return dict(with_months(rollups_of(TicketFact.objects.values(*FACT_FIELDS))))


def _figures(report: Report) -> tuple[Any, ...]:
    values = {key: (v.population, v.hits, v.calendar, v.business) for key, v in sorted(report.values.items())}
    breakdown = [
        (key, label, sorted((k, v.population, v.hits) for k, v in g.items()))
        for key, label, g in report.breakdown
    ]
    trend = [(b.day, b.count, b.resolved) for b in report.trend]
    return values, breakdown, trend, report.heatmap


def _from_rollups(by: str = "team_id") -> tuple[Any, ...]:
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=0):
        report = build_report(PERIOD, only_team_id=None, by=by)
    assert report.approximate  # read from the rollups (and the pending deltas), not from the facts
    return _figures(report)


@pytest.mark.django_db
def test_the_intake_appends_deltas_and_the_shared_rows_wait_for_the_fold(world: Any) -> None:
    created(1, r(3, 9), requester=1, category="transfer")
    created(2, r(3, 9), requester=2, category="transfer")  # the same day, team, channel and category
    assert not DailyRollup.objects.exists()  # no shared row written in the intake transaction
    assert RollupDelta.objects.filter(day=date(2026, 11, 3), tickets=1, h09=1).count() == 2
    assert rollup_deltas_fold() == 2
    assert not RollupDelta.objects.exists()
    assert _tickets(monthly=False) == 2 and _tickets(monthly=True) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["team_id", "channel", "category", "team_kind"])
def test_rebuild_equals_live_with_deltas_not_yet_folded(world: Any, by: str) -> None:
    set_default_hours({"sun": [[28800, 57600]]})
    _busy_day(
        world
    )  # moves between teams, a category change, a merge, a reopening, repeats, a survey, a rating
    assert RollupDelta.objects.exists() and not DailyRollup.objects.exists()
    assert _stored_plus_pending() == _expected_from_facts()
    unfolded = _from_rollups(by)
    # Part folded: the rows hold some, the deltas the rest; the figures do not move.
    rollup_deltas_fold(limit=RollupDelta.objects.count() // 2)
    assert RollupDelta.objects.exists() and DailyRollup.objects.exists()
    assert _from_rollups(by) == unfolded
    assert _stored_plus_pending() == _expected_from_facts()
    facts_rebuild(batch_size=2)
    assert not RollupDelta.objects.exists()  # the rebuild's rows already hold what the deltas carried
    assert _stored() == _expected_from_facts()
    assert _from_rollups(by) == unfolded
    with override_settings(AWN_REPORTS_EXACT_MAX_TICKETS=10**9):
        exact = build_report(PERIOD, only_team_id=None, by=by)
    assert not exact.approximate
    assert [(b.day, b.count, b.resolved) for b in exact.trend] == unfolded[2]


@pytest.mark.django_db
def test_a_ticket_moved_away_leaves_no_empty_group_before_or_after_the_fold(db: None) -> None:
    created(1, r(3, 9), requester=1, category="transfer")
    rollup_deltas_fold_all()
    record_event(
        kind=K.ASSIGNED,
        ticket_id=1,
        at=r(3, 10),
        payload={"team_id": 5, "assignee_id": None, "team_kind": "hybrid"},
    )
    before = _from_rollups("team_id")
    assert [key for key, _label, _v in before[1]] == ["5"]  # team none: +1 stored, -1 pending, not shown
    rollup_deltas_fold_all()
    assert _from_rollups("team_id") == before
    assert [key[2] for key in _stored()] == [5, 5]  # the day's and the month's row of team none are deleted


@pytest.mark.django_db
def test_folding_twice_or_in_small_batches_counts_each_delta_once(timeline: None) -> None:
    expected = _expected_from_facts()
    pending = RollupDelta.objects.count()
    assert pending > 5
    folded = 0
    while n := rollup_deltas_fold(limit=2):
        folded += n
    assert folded == pending and _stored() == expected
    assert rollup_deltas_fold() == 0 and rollup_deltas_fold_all() == 0  # again: nothing more
    assert _stored() == expected
    status(1, r(20, 9), "resolved", "open")  # more after the fold: added once too
    assert rollup_deltas_fold_all() >= 1 and _stored() == _expected_from_facts() != expected


@pytest.mark.django_db
def test_a_rolled_back_intake_leaves_no_delta_and_no_fact(db: None) -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        created(1, r(3, 9), requester=1, category="transfer")
        assert RollupDelta.objects.count() == 1
        raise Refused
    assert not RollupDelta.objects.exists() and not TicketFact.objects.exists()


@pytest.mark.django_db
def test_the_fold_is_asked_for_once_the_intake_commits_and_batched(db: None, monkeypatch: Any) -> None:
    asked: list[tuple[str, float]] = []
    monkeypatch.setattr(services.tasks, "enqueue_in", lambda name, *a, seconds: asked.append((name, seconds)))
    monkeypatch.setattr(services, "_fold_asked_until", 0.0)
    with transaction.atomic():
        created(1, r(3, 9), requester=1, category="transfer")
        created(2, r(3, 9), requester=2, category="transfer")
        assert asked == []  # nothing before the commit
    services._fold_soon()  # what on_commit runs (pytest-django's transaction never commits)
    services._fold_soon()
    services._fold_soon()
    assert asked == [(services.FOLD_JOB, services.FOLD_DELAY_SECONDS)]  # a burst asks once
    from config.schedule import SCHEDULE

    assert services.FOLD_JOB in {entry.task for entry in SCHEDULE}  # and the periodic fold takes the rest


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections: PostgreSQL's (SQLite has one writer at a time)")


@pytest.mark.django_db(transaction=True)
def test_two_creations_of_the_same_day_and_category_do_not_wait_for_each_other(settings: Any) -> None:
    _postgresql_only()
    settings.AWN_TASKS_MODE = "off"
    first_holds, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                created(1, r(3, 9), requester=1, category="transfer")
                first_holds.set()
                release.wait(30)  # its transaction stays open while the second creates
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            with transaction.atomic():
                created(2, r(3, 9), requester=2, category="transfer")  # the same rollup key
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    try:
        assert first_holds.wait(30)
        other = threading.Thread(target=second)
        other.start()
        other.join(10)
        assert not other.is_alive(), "the second creation waited for the first one's commit"
    finally:
        release.set()
        holder.join(30)
    assert not errors
    assert RollupDelta.objects.count() == 2
    rollup_deltas_fold_all()
    assert _tickets(monthly=False) == 2


@pytest.mark.django_db(transaction=True)
def test_two_folders_at_once_never_count_a_delta_twice(settings: Any, monkeypatch: Any) -> None:
    _postgresql_only()
    settings.AWN_TASKS_MODE = "off"
    for ticket in range(1, 9):
        created(ticket, r(3, 9 + ticket % 3), requester=ticket, category="transfer")
        status(ticket, r(4, 9), "new", "resolved")
    expected = _expected_from_facts()
    pending = RollupDelta.objects.count()
    first_holds, release = threading.Event(), threading.Event()
    claim = services._claim_deltas

    def held(limit: int) -> Any:
        claimed = claim(limit)
        if threading.current_thread().name == "first":
            first_holds.set()  # its claimed deltas stay locked (deleted, not committed) until released
            release.wait(30)
        return claimed

    monkeypatch.setattr(services, "_claim_deltas", held)
    folded: dict[str, int] = {}

    def work(name: str, limit: int) -> None:
        try:
            folded[name] = rollup_deltas_fold(limit=limit)
        finally:
            connection.close()

    first = threading.Thread(target=work, args=("first", pending // 2), name="first")
    first.start()
    try:
        assert first_holds.wait(30)
        second = threading.Thread(target=work, args=("second", pending), name="second")
        second.start()
        second.join(10)
        assert not second.is_alive(), "the second folder waited for the first one's deltas"
    finally:
        release.set()
        first.join(30)
    assert folded == {"first": pending // 2, "second": pending - pending // 2}  # disjoint, every delta once
    assert not RollupDelta.objects.exists()
    assert _stored() == expected
