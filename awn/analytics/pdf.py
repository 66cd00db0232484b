"""Tables to a PDF report (issue 17 item 5): WeasyPrint lays out an HTML page, Pango shapes the Arabic (joined
letter forms, right-to-left runs, digits and ids isolated left-to-right). Nothing is fetched while rendering: the
page carries its own styles and no URL is ever followed (names come from users)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from awn.core import formatting
from awn.core.text.arabic import without_diacritics

from .reports import (
    Report,
    Table,
    breakdown_table,
    bucket_edges_text,
    duration_text,
    exact_max_tickets,
    heatmap_table,
    kpi_table,
    share_text,
    trend_table,
)
from .selectors import REPORT_TZ


def cell_text(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "seconds":
        return duration_text(value)
    if kind == "share":
        return share_text(value)
    if isinstance(value, datetime):
        return formatting.digits(value.astimezone(REPORT_TZ).strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return formatting.digits(value.isoformat())
    if kind == "float":
        return formatting.number(value, 2)
    if kind == "int":
        return formatting.number(value)
    return str(value)


# Cells set left-to-right and isolated (digits, dates, percentages); durations are words ("5 min") and follow the
# page's direction like any text.
NUMBER_KINDS = ("int", "float", "share", "date", "datetime")


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the PDF report fetches nothing: {url[:80]}")


def plain(text: str) -> str:
    """Every string of the PDF loses its Arabic vowel marks: WeasyPrint writes one text per glyph, so an alef
    drawn once with a mark over it (أُ) would read back without its letter everywhere else in the file (copy,
    search, screen readers). The letters themselves, hamzas included, stay."""
    return without_diacritics(str(text))


def to_pdf(tables: list[Table], *, title: str, lines: list[str]) -> bytes:
    """One PDF with a title, a few lines about what it covers, then every table (A4 landscape)."""
    from weasyprint import HTML

    context = {
        "title": plain(title),
        "lines": [plain(line) for line in lines],
        "generated_label": plain(_("Generated")),
        "empty_label": plain(_("No data for this period.")),
        "tables": [
            (
                plain(table.title),
                [plain(column.label) for column in table.columns],
                [
                    [
                        (plain(cell_text(value, column.kind)), column.kind in NUMBER_KINDS)
                        for column, value in zip(table.columns, row, strict=True)
                    ]
                    for row in table.rows
                ],
            )
            for table in tables
        ],
        "generated": timezone.now().astimezone(REPORT_TZ).strftime("%Y-%m-%d %H:%M"),
        "language": get_language() or "ar",
        "direction": "rtl" if get_language_bidi() else "ltr",
    }
    html = render_to_string("analytics/report.pdf.html", context)
    return bytes(HTML(string=html, url_fetcher=_no_fetch).write_pdf())


def report_lines(report: Report) -> list[str]:
    flt = report.flt
    lines = [
        _("Period: %(start)s – %(end)s (Hijri %(hstart)s – %(hend)s)")
        % {
            "start": flt.start.isoformat(),
            "end": flt.end.isoformat(),
            "hstart": report.hijri_start,
            "hend": report.hijri_end,
        }
    ]
    if report.approximate:
        lines.append(
            _(
                "More than %(n)s tickets: medians and 90th percentiles come from histograms with fixed buckets "
                "and are within one bucket of the exact figure (bucket edges: %(buckets)s)."
            )
            % {"n": exact_max_tickets(), "buckets": bucket_edges_text()}
        )
    return lines


def report_pdf(report: Report) -> bytes:
    """The KPI report as one PDF: the indicators with their definitions, the breakdown, the days, the hours."""
    tables = [kpi_table(report), breakdown_table(report), trend_table(report), heatmap_table(report)]
    return to_pdf(tables, title=_("Awn — indicators report"), lines=report_lines(report))
