"""The supervisor's report, assembled from the facts (reads only): KPI tiles, the trend by day, the hour-of-week
heatmap and a breakdown, each also as a plain table for the CSV/XLSX exports. Four queries on PostgreSQL whatever
the period or the number of tickets (KPIs, trend and heatmap, breakdown, its labels); SQLite adds two for the
percentiles it computes in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from awn.accounts.enums import TeamKind
from awn.core import formatting
from awn.core.channels import ChoiceSet
from awn.tickets.enums import Category, Channel, Status

from .forms import BREAKDOWNS
from .kpis import BY_KEY, KPIS, KpiValue, Unit, compute, compute_grouped
from .models import TicketFact
from .rollup_schema import BUCKET_EDGES
from .rollups import kpi_values, summed
from .selectors import (
    ReportFilter,
    organization_names,
    report_facts,
    rollup_breakdown,
    rollup_volume_by_day_and_hour_of_week,
    rollups_cover,
    team_choices,
    volume_by_day_and_hour_of_week,
)

# ISO weekdays in the order a Saudi week is read: Sunday first.
WEEK = (7, 1, 2, 3, 4, 5, 6)


def weekday_name(iso: int) -> str:
    names = {1: _("Monday"), 2: _("Tuesday"), 3: _("Wednesday"), 4: _("Thursday"), 5: _("Friday")}
    names |= {6: _("Saturday"), 7: _("Sunday")}
    return str(names[iso])


def hijri(day: date) -> str:
    """The Umm al-Qura date in the one format of awn.core.formatting: «11 جمادى الأولى 1448هـ»; "" outside."""
    return formatting.hijri(day)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        text = _("%(n)d s") % {"n": s}
    elif s < 3600:
        text = _("%(n)d min") % {"n": s // 60}
    elif s < 86400:
        text = _("%(h)d h %(m)d min") % {"h": s // 3600, "m": s % 3600 // 60}
    else:
        text = _("%(d)d d %(h)d h") % {"d": s // 86400, "h": s % 86400 // 3600}
    return formatting.digits(text)  # compact, for tables; in the reader's digits like every figure


def share_text(share: float | None) -> str:
    return formatting.percent(share, 1)


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, float, share (0–1), seconds, date, datetime


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class TrendBar:
    day: date
    hijri: str
    count: int
    resolved: int
    x: float = 0
    y: float = 0
    height: float = 0


@dataclass
class Report:
    flt: ReportFilter
    by: str
    values: dict[str, KpiValue]
    trend: list[TrendBar]
    trend_max: int
    heatmap: list[tuple[int, str, list[tuple[int, int, float]]]]  # (weekday, name, [(hour, n, intensity)])
    breakdown: list[tuple[str, str, dict[str, KpiValue]]]  # (filter value, label, values)
    # Medians and 90th percentiles from the rollups' histograms (within one bucket), not from the facts.
    approximate: bool = False

    @property
    def bar_width(self) -> float:
        return round(TREND_WIDTH / max(len(self.trend), 1) * 0.85, 2)

    @property
    def hijri_start(self) -> str:
        return hijri(self.flt.start)

    @property
    def hijri_end(self) -> str:
        return hijri(self.flt.end)

    @property
    def is_empty(self) -> bool:
        return self.values["volume"].population == 0 and not any(b.count for b in self.trend)


TREND_WIDTH, TREND_HEIGHT = 720.0, 160.0


def _trend(flt: ReportFilter, daily: dict[date, tuple[int, int]]) -> tuple[list[TrendBar], int]:
    days = (flt.end - flt.start).days + 1
    bars = [
        TrendBar(d, hijri(d), *daily.get(d, (0, 0)))
        for d in (flt.start + timedelta(days=i) for i in range(days))
    ]
    top = max((b.count for b in bars), default=0)
    step = TREND_WIDTH / max(days, 1)
    for i, bar in enumerate(bars):
        bar.x = round(i * step, 2)
        bar.height = round(TREND_HEIGHT * bar.count / top, 2) if top else 0
        bar.y = round(TREND_HEIGHT - bar.height, 2)
    return bars, top


def _group_labels(by: str, keys: list[Any], only_team_id: int | None) -> dict[Any, str]:
    if by == "team_id":
        return {pk: name for pk, name, _kind in team_choices(only_team_id)}
    if by in ("school_id", "education_office_id"):
        return organization_names(keys)
    sets: dict[str, ChoiceSet] = {"team_kind": TeamKind, "channel": Channel, "category": Category}
    choices = sets[by]
    return {value: str(label) for value, label in choices.choices}


def exact_max_tickets() -> int:
    """The rule for exact percentiles: a selection of at most this many tickets is read from the facts."""
    return int(getattr(settings, "AWN_REPORTS_EXACT_MAX_TICKETS", 5000))


def bucket_edges_text() -> str:
    return ", ".join(duration_text(edge) for edge in BUCKET_EDGES[1:])


def build_report(flt: ReportFilter, *, only_team_id: int | None, by: str = "team_id") -> Report:
    """The report from the daily rollups (two queries: the breakdown, whose rows add up to the totals, and the
    days), or from the facts when the rollups cannot answer (a school or office breakdown, an hour of the week)
    or when the selection is small enough for exact percentiles (exact_max_tickets)."""
    by = by if by in BREAKDOWNS else "team_id"
    if rollups_cover(flt, by):
        rows = rollup_breakdown(flt, only_team_id=only_team_id, by=by)
        total = summed(rows)
        if total.get("tickets", 0) > exact_max_tickets():
            daily, cells = rollup_volume_by_day_and_hour_of_week(flt, only_team_id=only_team_id)
            grouped = [(row[by], kpi_values(row)) for row in rows if row["tickets"]]
            return _assemble(
                flt, by, only_team_id, kpi_values(total), daily, cells, grouped, approximate=True
            )
    facts = report_facts(flt, only_team_id=only_team_id)
    daily, cells = volume_by_day_and_hour_of_week(facts)
    return _assemble(flt, by, only_team_id, compute(facts), daily, cells, compute_grouped(facts, by))


def _assemble(
    flt: ReportFilter,
    by: str,
    only_team_id: int | None,
    values: dict[str, KpiValue],
    daily: dict[date, tuple[int, int]],
    cells: dict[tuple[int, int], int],
    grouped: list[tuple[Any, dict[str, KpiValue]]],
    *,
    approximate: bool = False,
) -> Report:
    trend, top = _trend(flt, daily)
    peak = max(cells.values(), default=0)
    heatmap = [
        (
            wd,
            weekday_name(wd),
            [(h, cells.get((wd, h), 0), (cells.get((wd, h), 0) / peak) if peak else 0.0) for h in range(24)],
        )
        for wd in WEEK
    ]
    labels = _group_labels(by, [key for key, _v in grouped], only_team_id)
    none_label = _("No team") if by in ("team_id", "team_kind") else _("Not set")
    breakdown = [
        (
            "none" if key in (None, "") else str(key),
            labels.get(key, none_label if key in (None, "") else str(key)),
            v,
        )
        for key, v in grouped
    ]
    return Report(flt, by, values, trend, top, heatmap, breakdown, approximate)


@dataclass
class Comparison:
    """One category's figures over `days` days before a change and as many days from it."""

    category: str
    changed_on: date
    days: int
    before: Report
    after: Report

    def rows(self) -> list[tuple[str, str, Any, Any, str]]:
        """(KPI key, label, before, after, unit) for the table: volumes, per-day volumes, medians, shares."""
        out: list[tuple[str, str, Any, Any, str]] = []
        b, a = self.before.values, self.after.values
        out.append(("volume", _("Tickets"), b["volume"].population, a["volume"].population, "count"))
        out.append(
            (
                "volume",
                _("Tickets per day"),
                round(b["volume"].population / self.days, 1),
                round(a["volume"].population / self.days, 1),
                "count",
            )
        )
        for key in ("first_reply", "resolution"):
            kb, ka = b[key].business, a[key].business
            label = _("%(kpi)s, median (business hours)") % {"kpi": BY_KEY[key].label}
            out.append((key, label, kb.median if kb else None, ka.median if ka else None, "duration"))
            label = _("%(kpi)s, 90th percentile (business hours)") % {"kpi": BY_KEY[key].label}
            out.append((key, label, kb.p90 if kb else None, ka.p90 if ka else None, "duration"))
        for key in ("reopen_rate", "fcr", "reassigned", "csat"):
            out.append((key, str(BY_KEY[key].label), b[key].share, a[key].share, "share"))
        return out

    def table(self) -> list[tuple[str, str, str, list[tuple[Any, Report]]]]:
        """rows() for the page: (key, label, unit, [(before, its report), (after, its report)])."""
        return [
            (key, label, unit, [(b, self.before), (a, self.after)]) for key, label, b, a, unit in self.rows()
        ]


def before_after(category: str, changed_on: date, days: int, *, only_team_id: int | None) -> Comparison:
    """The same report, restricted to one category, over the `days` days before `changed_on` and the `days` days
    from it: read from the rollups (or the facts, by the exact rule) like any report."""
    before = ReportFilter(
        start=changed_on - timedelta(days=days), end=changed_on - timedelta(days=1), category=category
    )
    after = ReportFilter(start=changed_on, end=changed_on + timedelta(days=days - 1), category=category)
    return Comparison(
        category,
        changed_on,
        days,
        build_report(before, only_team_id=only_team_id, by="channel"),
        build_report(after, only_team_id=only_team_id, by="channel"),
    )


# --- the same figures as tables (exports) -----------------------------------------------------------------------


def kpi_table(report: Report) -> Table:
    table = Table(
        "kpis",
        _("Indicators"),
        [
            Column(_("Indicator")),
            Column(_("Definition")),
            Column(_("Tickets counted"), "int"),
            Column(_("Above the line"), "int"),
            Column(_("Share"), "share"),
            Column(_("Mean (calendar)"), "seconds"),
            Column(_("Median (calendar)"), "seconds"),
            Column(_("90th percentile (calendar)"), "seconds"),
            Column(_("Mean (business hours)"), "seconds"),
            Column(_("Median (business hours)"), "seconds"),
            Column(_("90th percentile (business hours)"), "seconds"),
        ],
    )
    for kpi in KPIS:
        v = report.values[kpi.key]
        times: list[Any] = [None] * 6
        if kpi.unit == Unit.DURATION and v.calendar and v.business:
            times = [
                v.calendar.mean,
                v.calendar.median,
                v.calendar.p90,
                v.business.mean,
                v.business.median,
                v.business.p90,
            ]
        table.rows.append([str(kpi.label), str(kpi.definition), v.population, v.hits, v.share, *times])
    return table


def trend_table(report: Report) -> Table:
    table = Table(
        "trend",
        _("Tickets by day"),
        [
            Column(_("Day"), "date"),
            Column(_("Hijri date")),
            Column(_("Tickets"), "int"),
            Column(_("Resolved"), "int"),
        ],
    )
    table.rows = [[b.day, b.hijri, b.count, b.resolved] for b in report.trend]
    return table


def heatmap_table(report: Report) -> Table:
    table = Table(
        "heatmap",
        _("Tickets by hour of the week"),
        [Column(_("Day")), *(Column(f"{h:02d}:00", "int") for h in range(24))],
    )
    table.rows = [[name, *(n for _h, n, _i in cells)] for _wd, name, cells in report.heatmap]
    return table


def breakdown_table(report: Report) -> Table:
    table = Table(
        "breakdown",
        _("Breakdown by %(dimension)s") % {"dimension": BREAKDOWNS[report.by]},
        [
            Column(str(BREAKDOWNS[report.by])),
            Column(_("Tickets"), "int"),
            Column(_("First reply, median (business hours)"), "seconds"),
            Column(_("First reply, 90th percentile (business hours)"), "seconds"),
            Column(_("Resolution, median (business hours)"), "seconds"),
            Column(_("Resolution, 90th percentile (business hours)"), "seconds"),
            Column(_("Reopen rate"), "share"),
            Column(_("First-contact resolution"), "share"),
            Column(_("CSAT"), "share"),
        ],
    )
    for _key, label, v in report.breakdown:
        fr, res = v["first_reply"].business, v["resolution"].business
        table.rows.append(
            [
                label,
                v["volume"].population,
                fr.median if fr else None,
                fr.p90 if fr else None,
                res.median if res else None,
                res.p90 if res else None,
                v["reopen_rate"].share,
                v["fcr"].share,
                v["csat"].share,
            ]
        )
    return table


def tickets_table(facts: list[TicketFact], identities: dict[int, tuple[str, str]], *, unmask: bool) -> Table:
    table = Table(
        "tickets",
        _("Tickets"),
        [
            Column(_("Ticket")),
            Column(_("Created"), "datetime"),
            Column(
                _("Created (Hijri)")
            ),  # beside the Gregorian date, in the one format (awn.core.formatting)
            Column(_("Channel")),
            Column(_("Category")),
            Column(_("Status")),
            Column(_("Requester")),
            Column(_("National id")),
            Column(_("First reply (calendar)"), "seconds"),
            Column(_("First reply (business hours)"), "seconds"),
            Column(_("Resolution (calendar)"), "seconds"),
            Column(_("Resolution (business hours)"), "seconds"),
            Column(_("Reopened"), "int"),
            Column(_("Rating"), "int"),
        ],
    )
    labels = {**dict(Channel.choices), **dict(Category.choices), **dict(Status.choices)}
    for f in facts:
        name, nid = identities.get(f.requester_id or 0, ("", ""))
        table.rows.append(
            [
                f"AWN-{f.ticket_id:06d}",
                f.created_at,
                formatting.hijri(f.created_at),
                str(labels.get(f.channel, f.channel)),
                str(labels.get(f.category, f.category)),
                str(labels.get(f.status, f.status)),
                name,
                nid if unmask else _masked(nid),
                f.first_reply_seconds,
                f.first_reply_business_seconds,
                f.resolution_seconds,
                f.resolution_business_seconds,
                f.reopen_count,
                f.csat_score,
            ]
        )
    return table


def _masked(national_id: str) -> str:
    """crm's mask (first two and last two digits) for a well-formed id; anything else keeps its last two only."""
    from awn.crm.validators import mask_national_id

    if not national_id:
        return ""
    masked = mask_national_id(national_id)
    return masked if masked != national_id else "*" * max(len(national_id) - 2, 0) + national_id[-2:]


def as_local(moment: datetime) -> datetime:
    from .selectors import REPORT_TZ

    return moment.astimezone(REPORT_TZ)
