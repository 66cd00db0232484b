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
    rows = _per_category(facts)
    counts = {name: sum(row[name] for row in rows) for name in _count_aggregates()}
    report = ProcessReport(flt=flt, tickets=counts["n_volume"])
    if report.empty:
        return report
    report.funnel = [(BY_KEY[key], counts[f"n_{key}"]) for key in FUNNEL_KEYS]
    report.rates = [Rate(BY_KEY[key], counts["n_volume"], counts[f"n_{key}"]) for key in RATE_KEYS]
    report.status_rows = (
        _status_rows_from(rows) if connection.vendor == "postgresql" else _status_rows_in_python(facts)
    )
    repeats = sorted((-row["n_repeat_contacts"], row["category"]) for row in rows if row["n_repeat_contacts"])
    report.repeat_topics = [(category, -n) for n, category in repeats[:TOP_REPEAT_TOPICS]]
    return report


def _count_aggregates() -> dict[str, Any]:
    # Prefixed: an aggregate may not share its name with a fact column (bot_then_human).
    keys = (*FUNNEL_KEYS, *RATE_KEYS, "repeat_contacts")
    aggregates: dict[str, Any] = {
        f"n_{key}": Count("pk", filter=BY_KEY[key].population & hit_filter(BY_KEY[key])) for key in keys
    }
    aggregates["n_resolved"] = Count("pk", filter=RESOLVED)
    return aggregates


def _status_kpis() -> list[Kpi]:
    return [BY_KEY[key] for key in STATUS_TIME_COLUMNS]


def _per_category(facts: QuerySet[TicketFact]) -> list[dict[str, Any]]:
    """Every count of the page per category in one scan of the period's facts; on PostgreSQL the medians and
    90th percentiles of the time in each status too (percentile_cont over the resolved tickets)."""
    aggregates = _count_aggregates()
    if connection.vendor == "postgresql":
        for k in _status_kpis():
            aggregates[f"pct_{k.key}"] = MedianAndP90(STATUS_TIME_COLUMNS[k.key], filter=RESOLVED)
    rows: Any = facts.order_by().values("category").annotate(**aggregates).order_by("category")
    return list(rows)


def _status_rows_from(rows: list[dict[str, Any]]) -> list[StatusRow]:
    kpis = _status_kpis()
    return [
        StatusRow(
            row["category"],
            row["n_resolved"],
            [StatusCell(k, *(row[f"pct_{k.key}"] or (None, None))) for k in kpis],
        )
        for row in rows
        if row["n_resolved"]
    ]


def _status_rows_in_python(facts: QuerySet[TicketFact]) -> list[StatusRow]:
    """The same figures as percentile_cont, by linear interpolation in Python (SQLite has no percentile)."""
    kpis = _status_kpis()
    found: dict[str, dict[str, list[float]]] = {}
    resolved = facts.filter(RESOLVED).order_by()
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
