"""Reads of routing: known peaks, the forecast per half-hour and the what-if staffing plan built on it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Min, QuerySet, Sum

from . import erlang
from .forecast import DEFAULT_WEEKS, RIYADH, Peak, Profile, build_profile, forecast_day
from .models import IntervalVolume, PeakEvent

PEAKS_SHOWN = 50


def peak_list() -> QuerySet[PeakEvent]:
    """The latest peaks first (bounded: the page shows PEAKS_SHOWN)."""
    return PeakEvent.objects.order_by("-first_day", "-id")[:PEAKS_SHOWN]


def peaks_between(first: date, last: date) -> list[Peak]:
    rows = PeakEvent.objects.filter(first_day__lte=last, last_day__gte=first).values_list(
        "first_day", "last_day", "multiplier", "channel"
    )
    return [Peak(f, lday, float(m), c) for f, lday, m, c in rows]


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=RIYADH)


def channel_profile(channel: str, day: date, weeks: int = DEFAULT_WEEKS) -> tuple[Profile, list[Peak]]:
    """The hour-of-week profile of `channel` ("" = every channel) from the `weeks` before `day`, and the peaks
    that touch the history or the day. Two queries on the stored half-hourly counts, bounded by 336 × weeks rows
    per channel."""
    start = day - timedelta(weeks=weeks)
    volumes = IntervalVolume.objects.filter(start__gte=_local_midnight(start), start__lt=_local_midnight(day))
    first_seen = IntervalVolume.objects.all()
    if channel:
        volumes = volumes.filter(channel=channel)
        first_seen = first_seen.filter(channel=channel)
    counts: dict[datetime, float] = {}
    for moment, total in (
        volumes.values("start").annotate(total=Sum("contacts")).values_list("start", "total")
    ):
        counts[moment] = float(total)
    earliest = first_seen.aggregate(first=Min("start"))["first"]
    peaks = peaks_between(start, day)
    if channel:
        peaks = [p for p in peaks if not p.channel or p.channel == channel]
    else:
        # Every channel together: only the peaks of every channel apply to the sum.
        peaks = [p for p in peaks if not p.channel]
    history_starts = earliest.astimezone(RIYADH).date() if earliest else day
    profile = build_profile(
        counts, channel=channel, first_day=day, weeks=weeks, peaks=peaks, history_starts=history_starts
    )
    return profile, peaks


@dataclass(frozen=True)
class StaffingParams:
    day: date
    channel: str = ""
    volume_multiplier: float = 1.0
    aht_seconds: int = 180
    target_service_level: float = 0.8
    target_seconds: int = 20
    shrinkage: float = 0.3
    patience_seconds: int | None = None  # None: Erlang C; else Erlang A
    max_occupancy: float | None = None


@dataclass(frozen=True)
class IntervalPlan:
    start: datetime
    contacts: float
    peak_multiplier: float
    traffic: float
    agents: int
    scheduled: int
    service_level: float
    asa_seconds: float
    occupancy: float
    abandon_probability: float


@dataclass(frozen=True)
class StaffingPlan:
    params: StaffingParams
    profile: Profile
    rows: list[IntervalPlan]

    @property
    def contacts(self) -> float:
        return sum(r.contacts for r in self.rows)

    @property
    def peak_scheduled(self) -> int:
        return max((r.scheduled for r in self.rows), default=0)

    @property
    def peak_agents(self) -> int:
        return max((r.agents for r in self.rows), default=0)

    @property
    def scheduled_hours(self) -> float:
        return sum(r.scheduled for r in self.rows) * 0.5

    @property
    def has_history(self) -> bool:
        return self.profile.weeks_used > 0


def staffing_plan(params: StaffingParams) -> StaffingPlan:
    """Forecast the day's 48 half-hours, then the agents each needs for the target (Erlang C, or Erlang A when a
    patience is given), ASA and occupancy, and the agents to schedule once shrinkage is added."""
    profile, peaks = channel_profile(params.channel, params.day)
    rows = []
    for interval in forecast_day(profile, params.day, peaks, params.volume_multiplier):
        traffic = erlang.traffic_intensity(interval.contacts, 30 * 60, params.aht_seconds)
        if params.patience_seconds:
            plan = erlang.agents_for_service_level_erlang_a(
                traffic,
                params.aht_seconds,
                params.patience_seconds,
                params.target_service_level,
                params.target_seconds,
                params.shrinkage,
                params.max_occupancy,
            )
        else:
            plan = erlang.agents_for_service_level(
                traffic,
                params.aht_seconds,
                params.target_service_level,
                params.target_seconds,
                params.shrinkage,
                params.max_occupancy,
            )
        perf = plan.performance
        rows.append(
            IntervalPlan(
                start=interval.start,
                contacts=interval.contacts,
                peak_multiplier=interval.peak_multiplier,
                traffic=traffic,
                agents=plan.agents,
                scheduled=plan.scheduled,
                service_level=perf.service_level,
                asa_seconds=perf.asa_seconds if math.isfinite(perf.asa_seconds) else 0.0,
                occupancy=perf.occupancy,
                abandon_probability=perf.abandon_probability,
            )
        )
    return StaffingPlan(params, profile, rows)
