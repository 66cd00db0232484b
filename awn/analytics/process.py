"""Process analytics (issue 17 item 4): where the resolved tickets spend their time (median and 90th percentile
of the time in each status, per category), how often tickets change hands (reassignments, transfers), the handoff
funnel (assistant -> person -> second tier) and the topics people contact about again. Read from the ticket facts
only (kpis.PROCESS_KPIS defines each figure); every number drills down to its tickets through kpis.BY_KEY."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from .kpis import BY_KEY, RESOLVED, STATUS_TIME_COLUMNS, Kpi, MedianAndP90, hit_filter, percentile
from .models import TicketFact
from .selectors import ReportFilter, report_facts

TOP_REPEAT_TOPICS = 10
FUNNEL_KEYS = ("volume", "bot_answered", "bot_then_human", "bot_human_second_tier")
RATE_KEYS = ("agent_changes", "transfers", "second_tier")


@dataclass(frozen=True)
class StatusCell:
    kpi: Kpi
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class StatusRow:
    category: str
    resolved: int
    cells: list[StatusCell]


@dataclass(frozen=True)
class Rate:
    kpi: Kpi
    population: int
    hits: int

    @property
    def share(self) -> float | None:
        return self.hits / self.population if self.population else None


@dataclass
class ProcessReport:
    flt: ReportFilter
    tickets: int
    status_rows: list[StatusRow] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    funnel: list[tuple[Kpi, int]] = field(default_factory=list)
    repeat_topics: list[tuple[str, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.tickets == 0


def build_process(flt: ReportFilter, *, only_team_id: int | None) -> ProcessReport:
    facts = report_facts(flt, only_team_id=only_team_id)
    counts = facts.aggregate(**_count_aggregates())
    report = ProcessReport(flt=flt, tickets=counts["n_volume"])
    if report.empty:
        return report
    report.funnel = [(BY_KEY[key], counts[f"n_{key}"]) for key in FUNNEL_KEYS]
    report.rates = [Rate(BY_KEY[key], counts["n_volume"], counts[f"n_{key}"]) for key in RATE_KEYS]
    report.status_rows = status_times(facts)
    report.repeat_topics = repeat_topics(facts)
    return report


def _count_aggregates() -> dict[str, Any]:
    keys = {*FUNNEL_KEYS, *RATE_KEYS}
    # Prefixed: an aggregate may not share its name with a fact column (bot_then_human).
    return {f"n_{key}": Count("pk", filter=BY_KEY[key].population & hit_filter(BY_KEY[key])) for key in keys}


def status_times(facts: QuerySet[TicketFact]) -> list[StatusRow]:
    """Median and 90th percentile of the time in each status of the resolved tickets, per category (on
    PostgreSQL percentile_cont in one grouped query; elsewhere the same interpolation in Python)."""
    resolved = facts.filter(RESOLVED).order_by()
    kpis = [BY_KEY[key] for key in STATUS_TIME_COLUMNS]
    if connection.vendor == "postgresql":
        aggregates: dict[str, Any] = {"n": Count("pk")}
        aggregates.update({k.key: MedianAndP90(STATUS_TIME_COLUMNS[k.key]) for k in kpis})
        rows: Any = resolved.values("category").annotate(**aggregates).order_by("category")
        return [
            StatusRow(
                row["category"],
                row["n"],
                [StatusCell(k, *(row[k.key] or (None, None))) for k in kpis],
            )
            for row in rows
        ]
    found: dict[str, dict[str, list[float]]] = {}
    for record in resolved.values("category", *STATUS_TIME_COLUMNS.values()):
        values = found.setdefault(record["category"], {k.key: [] for k in kpis})
        for k in kpis:
            values[k.key].append(record[STATUS_TIME_COLUMNS[k.key]])
    return [
        StatusRow(
            category,
            len(values[kpis[0].key]),
            [StatusCell(k, percentile(values[k.key], 0.5), percentile(values[k.key], 0.9)) for k in kpis],
        )
        for category, values in sorted(found.items())
    ]


def repeat_topics(facts: QuerySet[TicketFact]) -> list[tuple[str, int]]:
    """The categories with the most repeated contacts, most first (ties by category)."""
    rows = (
        facts.filter(BY_KEY["repeat_contacts"].population)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")[:TOP_REPEAT_TOPICS]
    )
    return [(row["category"], row["n"]) for row in rows]
