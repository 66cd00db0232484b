"""The staffing page and its history: the half-hourly recount of tickets, known peaks, the what-if through HTTP
(supervisors only, Arabic, RTL, bad input explained and nothing saved)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from awn.routing.forecast import RIYADH
from awn.routing.models import IntervalVolume, PeakEvent
from awn.routing.services import peak_create, volumes_rollup, volumes_rollup_recent
from awn.tickets.enums import Channel
from awn.tickets.models import Ticket

pytestmark = pytest.mark.django_db
PAGE = "/workspace/routing/staffing/"
DAY = date(2027, 3, 7)  # a Sunday


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=RIYADH)


def seed_history(contacts: int = 100, channel: str = Channel.CHAT, weeks: int = 8) -> None:
    """`contacts` at 10:00–10:30 on each of the `weeks` Sundays before DAY."""
    IntervalVolume.objects.bulk_create(
        IntervalVolume(channel=channel, start=at(DAY - timedelta(weeks=w), 10), contacts=contacts)
        for w in range(1, weeks + 1)
    )


def query(**kw: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "day": DAY.isoformat(),
        "channel": "chat",
        "volume_multiplier": "1",
        "aht_seconds": "180",
        "target_percent": "80",
        "target_seconds": "20",
        "shrinkage_percent": "30",
    }
    params.update(kw)
    return params


def agents_at_ten(page: str) -> str:
    rows = page.split('data-testid="interval"')
    return rows[21].split('data-testid="agents"><bdi dir="ltr">')[1].split("<")[0]


def test_only_supervisors_and_admins(world: Any) -> None:
    assert Client().get(PAGE).status_code == 302
    for user in (world.agent, world.vendor_agent, world.parent_user):
        client = world.client_for(user)
        assert client.get(PAGE).status_code == 404
        assert (
            client.post(
                f"{PAGE}peaks/new/",
                {"name": "x", "first_day": "2027-01-01", "last_day": "2027-01-01", "multiplier": "2"},
            ).status_code
            == 404
        )
    assert world.client_for(world.supervisor).get(PAGE).status_code == 200
    assert world.client_for(world.admin).get(PAGE).status_code == 200
    assert not PeakEvent.objects.exists()


def test_the_classic_example_through_the_page(world: Any) -> None:
    """100 contacts in the half-hour, AHT 180 s, 80/20 → 14 agents (the published Erlang C example), 20 to schedule
    with 30% shrinkage; twice the volume needs more."""
    seed_history(100)
    client = world.client_for(world.supervisor)
    page = client.get(PAGE, query()).content.decode()
    assert 'dir="rtl"' in page and "توقع الاحتياج من الموظفين" in page
    assert page.count('data-testid="interval"') == 48
    assert agents_at_ten(page) == "14"
    assert 'data-testid="peak-scheduled"><bdi dir="ltr">20<' in page
    doubled = client.get(PAGE, query(volume_multiplier="2")).content.decode()
    assert int(agents_at_ten(doubled)) > 14
    # Erlang A (callers abandon after 120 s on average) never needs more than Erlang C.
    erlang_a = client.get(PAGE, query(patience_seconds="120")).content.decode()
    assert int(agents_at_ten(erlang_a)) <= 14


def test_a_peak_multiplies_the_day(world: Any) -> None:
    seed_history(100)
    peak_create(
        actor=world.supervisor,
        name="إعلان النتائج",
        first_day=DAY,
        last_day=DAY,
        multiplier="2",
        channel="chat",
    )
    client = world.client_for(world.supervisor)
    page = client.get(PAGE, query()).content.decode()
    assert "إعلان النتائج" in page and ">200.0<" in page  # a decimal point in Arabic too (issue 13, defect 8)
    PeakEvent.objects.all().delete()
    doubled = client.get(PAGE, query(volume_multiplier="2")).content.decode()
    assert agents_at_ten(page) == agents_at_ten(doubled)
    assert int(agents_at_ten(page)) > 14


def test_no_history_says_so(world: Any) -> None:
    page = world.client_for(world.supervisor).get(PAGE, query()).content.decode()
    assert 'data-testid="no-history"' in page
    assert agents_at_ten(page) == "0"


def test_default_page_without_parameters(world: Any) -> None:
    page = world.client_for(world.supervisor).get(PAGE).content.decode()
    assert page.count('data-testid="interval"') == 48


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("volume_multiplier", "-1"),
        ("shrinkage_percent", "95"),
        ("aht_seconds", "0"),
        ("day", "not-a-day"),
        ("target_percent", "100"),
        ("patience_seconds", "1"),
    ],
)
def test_bad_what_if_input_is_explained(world: Any, field: str, value: str) -> None:
    page = world.client_for(world.supervisor).get(PAGE, query(**{field: value})).content.decode()
    assert 'data-testid="error"' in page
    assert 'data-testid="interval"' not in page


def test_peaks_added_and_deleted_through_the_page(world: Any) -> None:
    client = world.client_for(world.supervisor)
    ok = client.post(
        f"{PAGE}peaks/new/",
        {
            "name": "فتح التسجيل",
            "first_day": "2027-08-01",
            "last_day": "2027-08-10",
            "multiplier": "3",
            "channel": "",
        },
    )
    assert ok.status_code == 302
    peak = PeakEvent.objects.get()
    assert peak.multiplier == 3 and peak.channel == "" and peak.created_by == world.supervisor
    bad = client.post(
        f"{PAGE}peaks/new/",
        {"name": "x", "first_day": "2027-08-10", "last_day": "2027-08-01", "multiplier": "3"},
    )
    assert bad.status_code == 400
    assert "اليوم الأخير يسبق اليوم الأول" in bad.content.decode()
    too_big = client.post(
        f"{PAGE}peaks/new/",
        {"name": "x", "first_day": "2027-08-01", "last_day": "2027-08-01", "multiplier": "500"},
    )
    assert too_big.status_code == 400
    assert PeakEvent.objects.count() == 1
    assert world.client_for(world.agent).post(f"{PAGE}peaks/{peak.pk}/delete/").status_code == 404
    assert client.post(f"{PAGE}peaks/{peak.pk}/delete/").status_code == 302
    assert not PeakEvent.objects.exists()
    assert client.post(f"{PAGE}peaks/{peak.pk}/delete/").status_code == 404
    assert client.get(f"{PAGE}peaks/{peak.pk}/delete/").status_code == 405


def test_bounded_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    seed_history(100)
    for i in range(30):
        peak_create(
            actor=world.supervisor,
            name=f"ذروة {i}",
            first_day=DAY - timedelta(days=i),
            last_day=DAY - timedelta(days=i),
            multiplier="1.5",
        )
    client = world.client_for(world.supervisor)
    client.get("/workspace/")  # the session's first request starts its staff-session clocks (one write)
    with django_assert_max_num_queries(8):
        assert client.get(PAGE, query()).status_code == 200


def test_rollup_counts_tickets_per_channel_and_half_hour_idempotently(world: Any) -> None:
    times = [
        (datetime(2027, 3, 1, 7, 5, tzinfo=UTC), Channel.CHAT),
        (datetime(2027, 3, 1, 7, 29, 59, tzinfo=UTC), Channel.CHAT),
        (datetime(2027, 3, 1, 7, 30, tzinfo=UTC), Channel.CHAT),
        (datetime(2027, 3, 1, 7, 31, tzinfo=UTC), Channel.WHATSAPP),
    ]
    for moment, channel in times:
        ticket = world.ticket(channel=channel)
        Ticket.objects.filter(pk=ticket.pk).update(created_at=moment)
    since, until = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 2, tzinfo=UTC)
    for _ in range(2):
        assert volumes_rollup(since, until) == 3
        rows = {
            (r.channel, r.start.astimezone(UTC).strftime("%H:%M"), r.contacts)
            for r in IntervalVolume.objects.all()
        }
        assert rows == {("chat", "07:00", 2), ("chat", "07:30", 1), ("whatsapp", "07:30", 1)}
    # The periodic job backfills the forecast window the first time, then the last two days only.
    IntervalVolume.objects.all().delete()
    assert volumes_rollup_recent(now=datetime(2027, 3, 20, tzinfo=UTC)) == 3
    assert volumes_rollup_recent(now=datetime(2027, 3, 20, tzinfo=UTC)) == 0
    assert IntervalVolume.objects.count() == 3
