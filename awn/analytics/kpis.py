"""Every KPI of Awn, defined once (issue 17 item 1): its written definition (shown on the reports page, in the
exports and in docs/kpis.md, in Arabic and English), the tickets it counts (its population, the drill-down behind
the number) and how it is computed from the ticket facts — never from the hot ticket tables.

Conventions shared by every KPI:
- A period selects tickets by their creation time (a cohort): a ticket created on the 3rd and resolved on the
  9th counts in the 3rd's figures. Drill-down lists exactly the tickets a number counts.
- A ticket merged into another is a duplicate: it leaves every figure except the repeat contacts of first-contact
  resolution (it was a new contact).
- Times are whole seconds, in calendar time and in business time (the working hours of the team's calendar, see
  awn/sla/business_time.py); a business time is unknown, not zero, when no calendar is configured.
- Distributions: mean, median and 90th percentile, by linear interpolation between the closest ranks (what
  PostgreSQL's percentile_cont computes); the same formula runs in Python on SQLite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Case,
    Count,
    Field,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import TicketFact

CSAT_SATISFIED = 4  # 4 and 5 on a 1–5 scale are satisfied answers


class Unit:
    COUNT = "count"
    SHARE = "share"
    DURATION = "duration"


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL percentile_cont): p in [0, 1]."""
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class MedianAndP90(Aggregate):
    """percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x): both figures from one sort, PostgreSQL only
    (SQLite computes the same in Python)."""

    function = "PERCENTILE_CONT"
    name = "MedianAndP90"
    template = "%(function)s(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = Field()  # a float8[] that psycopg hands over as a list


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Kpi:
    """One KPI. `population`: the tickets it is about (its denominator and its drill-down); `hit`: for a share,
    the tickets counted above the line (the numerator); `columns`: for a time, the calendar and business fact
    columns it describes."""

    key: str
    label: Promise
    definition: Promise
    unit: str
    population: Q
    hit: Q | None = None
    columns: tuple[str, str] | None = None


NOT_MERGED = Q(merged_into_id__isnull=True)
RESOLVED = NOT_MERGED & Q(resolved_at__isnull=False)


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "volume",
        _("Tickets"),
        _(
            "Tickets created in the period, on every channel; a duplicate merged into another ticket is not counted."
        ),
        Unit.COUNT,
        NOT_MERGED,
    ),
    Kpi(
        "first_reply",
        _("First reply time"),
        _(
            "Time from the ticket's creation to the first public reply by a person (an automatic answer of the "
            "assistant does not count), for the tickets that have one; in calendar time and in the team's "
            "business hours."
        ),
        Unit.DURATION,
        NOT_MERGED & Q(first_reply_at__isnull=False),
        columns=("first_reply_seconds", "first_reply_business_seconds"),
    ),
    Kpi(
        "resolution",
        _("Full resolution time"),
        _(
            "Time from the ticket's creation to its first move to resolved, for the resolved tickets; a reopened "
            "ticket keeps its first resolution time and counts in the reopen rate. In calendar time and in the "
            "team's business hours."
        ),
        Unit.DURATION,
        RESOLVED,
        columns=("resolution_seconds", "resolution_business_seconds"),
    ),
    Kpi(
        "waiting_on_customer",
        _("Time waiting on the customer"),
        _(
            "Time the resolved tickets spent in the status “pending (waiting on customer)”, all stays added up; "
            "in calendar time and in the team's business hours."
        ),
        Unit.DURATION,
        RESOLVED,
        columns=("pending_seconds", "pending_business_seconds"),
    ),
    Kpi(
        "reopen_rate",
        _("Reopen rate"),
        _("Share of the resolved tickets that were reopened at least once after being resolved."),
        Unit.SHARE,
        RESOLVED,
        hit=Q(reopen_count__gt=0),
    ),
    Kpi(
        "fcr",
        _("First-contact resolution"),
        _(
            "Share of the resolved tickets that were never reopened and after whose resolution the same contact "
            "opened no new ticket about the same category within 7 days."
        ),
        Unit.SHARE,
        RESOLVED,
        # repeat_contact is written by the facts' fold when the later ticket appears (facts.repeat_of).
        hit=Q(reopen_count=0, repeat_contact=False),
    ),
    Kpi(
        "csat",
        _("Customer satisfaction (CSAT)"),
        _("Share of 4 and 5 answers among the ratings (1 to 5) of the tickets."),
        Unit.SHARE,
        NOT_MERGED & Q(csat_score__isnull=False),
        hit=Q(csat_score__gte=CSAT_SATISFIED),
    ),
    Kpi(
        "csat_response",
        _("Survey response rate"),
        _(
            "Share of the tickets sent a satisfaction survey whose requester answered it, on any channel and "
            "counted once; a rating given without a survey (the portal's form) counts as asked and answered."
        ),
        Unit.SHARE,
        NOT_MERGED & (Q(surveyed_at__isnull=False) | Q(csat_score__isnull=False)),
        hit=Q(csat_score__isnull=False),
    ),
    Kpi(
        "reassigned",
        _("Reassigned tickets"),
        _("Share of the tickets moved from one agent or team to another at least once."),
        Unit.SHARE,
        NOT_MERGED,
        hit=Q(reassignment_count__gt=0),
    ),
)

# Process analytics (issue 17 item 4): where the time goes and how tickets move between people, teams and the
# assistant. Shown on the process page (/workspace/analytics/process/), drilled down like every KPI.
STATUS_TIME_COLUMNS: dict[str, str] = {
    "time_new": "new_seconds",
    "time_open": "open_seconds",
    "time_pending": "pending_seconds",
    "time_on_hold": "on_hold_seconds",
}
PROCESS_KPIS: tuple[Kpi, ...] = (
    Kpi(
        "time_new",
        _("Time in status new"),
        _(
            "Time the resolved tickets spent in the status “new” (not yet taken), "
            "every finished stay added up, in calendar time; a ticket that never had the status counts zero."
        ),
        Unit.DURATION,
        RESOLVED,
    ),
    Kpi(
        "time_open",
        _("Time in status open"),
        _(
            "Time the resolved tickets spent in the status “open” (being worked on), "
            "every finished stay added up, in calendar time; a ticket that never had the status counts zero."
        ),
        Unit.DURATION,
        RESOLVED,
    ),
    Kpi(
        "time_pending",
        _("Time in status pending"),
        _(
            "Time the resolved tickets spent in the status “pending” (waiting on the customer), "
            "every finished stay added up, in calendar time; a ticket that never had the status counts zero."
        ),
        Unit.DURATION,
        RESOLVED,
    ),
    Kpi(
        "time_on_hold",
        _("Time in status on hold"),
        _(
            "Time the resolved tickets spent in the status “on hold” (waiting on a third party), "
            "every finished stay added up, in calendar time; a ticket that never had the status counts zero."
        ),
        Unit.DURATION,
        RESOLVED,
    ),
    Kpi(
        "agent_changes",
        _("Reassignment rate"),
        _(
            "Share of the tickets handed from one agent straight to another agent at least once (the first "
            "assignment is not a reassignment)."
        ),
        Unit.SHARE,
        NOT_MERGED,
        hit=Q(agent_change_count__gt=0),
    ),
    Kpi(
        "transfers",
        _("Transfer rate"),
        _("Share of the tickets moved from one team to another team at least once."),
        Unit.SHARE,
        NOT_MERGED,
        hit=Q(transfer_count__gt=0),
    ),
    Kpi(
        "bot_answered",
        _("Answered by the assistant"),
        _("Tickets that received at least one automatic answer of the assistant."),
        Unit.COUNT,
        NOT_MERGED & Q(bot_reply_count__gt=0),
    ),
    Kpi(
        "bot_then_human",
        _("Assistant, then a person"),
        _("Tickets the assistant answered first and whose first reply by a person came after that answer."),
        Unit.COUNT,
        NOT_MERGED & Q(bot_then_human=True),
    ),
    Kpi(
        "second_tier",
        _("Escalated to a second tier"),
        _("Tickets moved to another team after the first reply by a person (a second tier took them over)."),
        Unit.COUNT,
        NOT_MERGED & Q(escalated=True),
    ),
    Kpi(
        "bot_human_second_tier",
        _("Assistant, then a person, then a second tier"),
        _("Tickets that went through the whole handoff: the assistant, a person, then another team."),
        Unit.COUNT,
        NOT_MERGED & Q(bot_then_human=True, escalated=True),
    ),
    Kpi(
        "repeat_contacts",
        _("Repeated contacts"),
        _(
            "Resolved tickets after which the same contact opened a new ticket of the same category within 7 "
            "days, merged duplicates included (they were new contacts)."
        ),
        Unit.COUNT,
        Q(repeat_contact=True),
    ),
)
BY_KEY = {kpi.key: kpi for kpi in (*KPIS, *PROCESS_KPIS)}

CONVENTIONS: tuple[Promise, ...] = (
    _(
        "A period selects tickets by their creation time: a ticket created on the 3rd and resolved on the 9th "
        "counts in the figures of the 3rd."
    ),
    _("A ticket merged into another is a duplicate: it leaves every figure except the repeat contacts."),
    _(
        "Times are whole seconds, in calendar time and in business time (the working hours of the team's "
        "calendar); a business time is unknown, not zero, when no calendar is configured."
    ),
    _(
        "Every time is shown as a mean, a median and a 90th percentile (linear interpolation between the closest "
        "ranks)."
    ),
    _(
        "Counts, shares and means are always exact. Medians and 90th percentiles are exact for a selection of at "
        "most AWN_REPORTS_EXACT_MAX_TICKETS tickets (5,000 by default), read from the ticket facts; above that they "
        "come from the daily rollups' histograms with fixed buckets, are within one bucket of the exact figure and "
        "are marked ≈."
    ),
)

SLA_DEFINITION = _(
    "Share of the tickets whose service-level targets were met, per metric; a paused clock does not run. "
    "Computed from the SLA clock rows once the service-levels app writes them."
)


def hit_filter(kpi: Kpi) -> Q:
    return kpi.hit if kpi.hit is not None else Q()


@dataclass
class KpiValue:
    kpi: Kpi
    population: int
    hits: int | None = None
    calendar: Distribution | None = None
    business: Distribution | None = None

    @property
    def share(self) -> float | None:
        if self.hits is None or not self.population:
            return None
        return self.hits / self.population


def _uses_percentile_cont() -> bool:
    return connection.vendor == "postgresql"


def _aggregates() -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for kpi in KPIS:
        aggregates[f"{kpi.key}__n"] = Count("pk", filter=kpi.population)
        if kpi.unit == Unit.SHARE:
            aggregates[f"{kpi.key}__hits"] = Count("pk", filter=kpi.population & hit_filter(kpi))
        for column in kpi.columns or ():
            present = kpi.population & Q(**{f"{column}__isnull": False})
            aggregates[f"{column}__count"] = Count(column, filter=present)
            aggregates[f"{column}__mean"] = Avg(column, filter=present)
            if _uses_percentile_cont():
                aggregates[f"{column}__pct"] = MedianAndP90(column, filter=present)
    return aggregates


def _values(row: dict[str, Any]) -> dict[str, KpiValue]:
    for name in [k for k in row if k.endswith("__pct")]:
        column = name.removesuffix("__pct")
        row[f"{column}__median"], row[f"{column}__p90"] = row.pop(name) or (None, None)
    values: dict[str, KpiValue] = {}
    for kpi in KPIS:
        value = KpiValue(kpi, row[f"{kpi.key}__n"], row.get(f"{kpi.key}__hits"))
        if kpi.columns:
            value.calendar, value.business = (
                Distribution(
                    row[f"{c}__count"], row[f"{c}__mean"], row.get(f"{c}__median"), row.get(f"{c}__p90")
                )
                for c in kpi.columns
            )
        values[kpi.key] = value
    return values


def compute(facts: QuerySet[TicketFact]) -> dict[str, KpiValue]:
    """Every KPI over these facts: one query on PostgreSQL, two on SQLite (the times' values for the percentiles)."""
    row = facts.aggregate(**_aggregates())
    if not _uses_percentile_cont():
        _percentiles_in_python(facts, None, {None: row})
    return _values(row)


def compute_grouped(facts: QuerySet[TicketFact], dimension: str) -> list[tuple[Any, dict[str, KpiValue]]]:
    """Every KPI per value of one fact column (team_id, channel, category…), in that column's order."""
    rows = list(facts.order_by().values(dimension).annotate(**_aggregates()).order_by(dimension))
    if not _uses_percentile_cont():
        _percentiles_in_python(facts, dimension, {row[dimension]: row for row in rows})
    return [(row[dimension], _values(row)) for row in rows]


def _percentiles_in_python(
    facts: QuerySet[TicketFact], dimension: str | None, rows: dict[Any, dict[str, Any]]
) -> None:
    timed = [kpi for kpi in KPIS if kpi.columns]
    columns = [c for kpi in timed for c in kpi.columns or ()]
    collected: dict[tuple[Any, str], list[float]] = {(g, c): [] for g in rows for c in columns}
    # One query: every time column plus, per timed KPI, whether the row is in its population.
    annotations = {f"in_{kpi.key}": _case(kpi.population) for kpi in timed}
    fields = [*([dimension] if dimension else []), *columns, *annotations]
    for record in facts.order_by().annotate(**annotations).values(*fields):
        group = record[dimension] if dimension else None
        for kpi in timed:
            if not record[f"in_{kpi.key}"]:
                continue
            for column in kpi.columns or ():
                if record[column] is not None:
                    collected[group, column].append(record[column])
    for (group, column), found in collected.items():
        rows[group][f"{column}__median"] = percentile(found, 0.5)
        rows[group][f"{column}__p90"] = percentile(found, 0.9)


def _case(condition: Q) -> Any:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def drill_filter(kpi: Kpi, part: str) -> Q:
    """The tickets behind a number: the population, or (part="hits") the ones above the line."""
    return kpi.population & hit_filter(kpi) if part == "hits" else kpi.population


def sla_clock_model() -> Any:
    """The seam for SLA compliance: the service-levels app's clock rows when they exist (issue 16 item 3)."""
    label = "sla.SlaClock"  # a name, not a lazy reference: the model may not exist yet
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def definitions_markdown() -> str:
    """docs/kpis.md: every definition in English and Arabic (a test keeps the file equal to this)."""
    from django.utils import translation

    lines = [
        "# KPIs of Awn — مؤشرات الأداء",
        "",
        "Generated from `awn/analytics/kpis.py` (`manage.py kpi_docs`); a test keeps this file in step with the code.",
        "",
        "## Conventions — الاصطلاحات",
        "",
    ]
    for convention in CONVENTIONS:
        with translation.override("en"):
            en_text = str(convention)
        with translation.override("ar"):
            ar_text = str(convention)
        lines += [f"- {en_text}", f"  {ar_text}"]
    lines.append("")
    entries = [(kpi.key, kpi.label, kpi.definition) for kpi in KPIS]
    entries.append(("sla_compliance", _("SLA compliance"), SLA_DEFINITION))
    entries += [(kpi.key, kpi.label, kpi.definition) for kpi in PROCESS_KPIS]
    for key, label, definition in entries:
        with translation.override("en"):
            en_label, en_text = str(label), str(definition)
        with translation.override("ar"):
            ar_label, ar_text = str(label), str(definition)
        lines += [f"## {en_label} — {ar_label} (`{key}`)", "", en_text, "", ar_text, ""]
    return "\n".join(lines)
