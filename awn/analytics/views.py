"""The supervisor's reports (issue 17 items 2 and 5): /workspace/analytics/ with KPI tiles, the trend by day, the
hour-of-week heatmap and a breakdown; every number links to the tickets behind it; every table exports to CSV and
XLSX. Thin: the figures come from reports.py over the facts; nothing here writes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from awn.accounts.models import User

from .exports import to_csv, to_xlsx
from .forms import BREAKDOWNS, DEFAULT_DAYS, CompareForm, ReportFilterForm, ReportSubscriptionForm, today
from .kpis import BY_KEY, KPIS, drill_filter
from .pdf import report_pdf, to_pdf
from .policies import can_view_reports, restricted_team_id
from .process import build_process
from .reports import (
    Report,
    before_after,
    breakdown_table,
    bucket_edges_text,
    build_report,
    exact_max_tickets,
    heatmap_table,
    kpi_table,
    tickets_table,
    trend_table,
)
from .scheduled import subscription_create
from .scheduled import subscription_delete as subscription_delete_service
from .selectors import (
    report_facts,
    requester_identities,
    subscriptions_for,
    team_choices,
    ticket_subjects,
)

logger = logging.getLogger("awn.analytics.exports")
View = Callable[..., HttpResponse]
PAGE_SIZE = 50
EXPORT_MAX_ROWS = 50_000
# A PDF is for reading: laying out tens of thousands of rows takes minutes and hundreds of MB; CSV/XLSX hold them.
PDF_MAX_ROWS = 2_000
TABLE_LABELS = {
    "kpis": _("Indicators"),
    "trend": _("Tickets by day"),
    "heatmap": _("Tickets by hour of the week"),
    "breakdown": _("Breakdown"),
    "tickets": _("Tickets"),
}
TABLES = tuple(TABLE_LABELS)


def reports_required(view: View) -> View:
    """Anonymous users sign in; anyone but a supervisor or an admin gets a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_reports(user):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


def _form(request: HttpRequest) -> tuple[ReportFilterForm, int | None]:
    user = cast(User, request.user)
    only = restricted_team_id(user)
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        # The default period, written into the form so its date fields show what the figures cover.
        data["end"] = today().isoformat()
        data["start"] = (today() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    return ReportFilterForm(data, teams=team_choices(only), restricted=only is not None), only


def _query(request: HttpRequest, *drop: str) -> str:
    params = request.GET.copy()
    for name in ("page", "kpi", "part", *drop):
        params.pop(name, None)
    return params.urlencode()


@reports_required
def reports(request: HttpRequest) -> HttpResponse:
    form, only = _form(request)
    report: Report | None = None
    if form.is_valid():
        report = build_report(
            form.report_filter(), only_team_id=only, by=form.cleaned_data.get("by") or "team_id"
        )
    context = {
        "form": form,
        "report": report,
        "tiles": [(kpi, report.values[kpi.key]) for kpi in KPIS] if report else [],
        "query": _query(request, "day", "weekday", "hour"),
        "breakdown_label": BREAKDOWNS.get(report.by) if report else "",
        "tables": TABLE_LABELS.items(),
        "drill_url": reverse("analytics:drill"),  # once: the page links every number to it
        "restricted": only is not None,
        "exact_max": exact_max_tickets(),
        "bucket_edges": bucket_edges_text() if report and report.approximate else "",
    }
    return render(request, "analytics/reports.html", context, status=200 if form.is_valid() else 400)


def _drill_facts(request: HttpRequest, form: ReportFilterForm, only: int | None) -> Any:
    facts = report_facts(form.report_filter(), only_team_id=only)
    kpi = BY_KEY.get(request.GET.get("kpi", "volume"), BY_KEY["volume"])
    return kpi, facts.filter(drill_filter(kpi, request.GET.get("part", "all"))).order_by(
        "-created_at", "-ticket_id"
    )


@reports_required
def drill(request: HttpRequest) -> HttpResponse:
    form, only = _form(request)
    if not form.is_valid():
        return render(request, "analytics/drill.html", {"form": form, "page": None}, status=400)
    kpi, facts = _drill_facts(request, form, only)
    page = Paginator(facts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    subjects = ticket_subjects(cast(User, request.user), [f.ticket_id for f in rows])
    context = {
        "form": form,
        "kpi": kpi,
        "part": request.GET.get("part", "all"),
        "page": page,
        "rows": [(f, subjects.get(f.ticket_id)) for f in rows],
        "query": _query(request),
        "full_query": _query(request, "page"),
    }
    return render(request, "analytics/drill.html", context)


@reports_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    # Every table to CSV, XLSX or PDF; "report" (every table of the page) to PDF only.
    if fmt not in ("csv", "xlsx", "pdf") or (table not in TABLES and (table, fmt) != ("report", "pdf")):
        raise Http404()
    user = cast(User, request.user)
    form, only = _form(request)
    if not form.is_valid():
        return render(request, "analytics/drill.html", {"form": form, "page": None}, status=400)
    # National ids are masked unless an administrator asks for them; every export is logged (who, what).
    unmask = request.GET.get("unmask") == "1" and user.role == "admin"
    pdf: bytes | None = None
    if table == "report":
        report = build_report(
            form.report_filter(), only_team_id=only, by=form.cleaned_data.get("by") or "team_id"
        )
        pdf = report_pdf(report)
        result = kpi_table(report)  # for the log line: the rows of the indicators
    elif table == "tickets":
        _kpi, facts = _drill_facts(request, form, only)
        rows = list(facts[: PDF_MAX_ROWS if fmt == "pdf" else EXPORT_MAX_ROWS])
        result = tickets_table(rows, requester_identities(f.requester_id for f in rows), unmask=unmask)
    else:
        report = build_report(
            form.report_filter(), only_team_id=only, by=form.cleaned_data.get("by") or "team_id"
        )
        result = {
            "kpis": kpi_table,
            "trend": trend_table,
            "heatmap": heatmap_table,
            "breakdown": breakdown_table,
        }[table](report)
    logger.info(
        "analytics export",
        extra={
            "user_id": user.pk,
            "table": table,
            "format": fmt,
            "unmasked": unmask,
            "rows": len(result.rows),
        },
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if fmt == "pdf":
        lines = []
        if table == "tickets" and len(result.rows) >= PDF_MAX_ROWS:
            lines.append(
                str(
                    _("The first %(n)s tickets only: export CSV or XLSX for all of them.")
                    % {"n": PDF_MAX_ROWS}
                )
            )
        body = pdf if pdf is not None else to_pdf([result], title=str(result.title), lines=lines)
        response = HttpResponse(body, content_type="application/pdf")
    elif fmt == "csv":
        response = HttpResponse(to_csv(result), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            to_xlsx(result), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="awn-{table}-{stamp}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@reports_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    """The reader's scheduled reports and the form to add one (POST)."""
    user = cast(User, request.user)
    only = restricted_team_id(user)
    form = ReportSubscriptionForm(
        request.POST if request.method == "POST" else None,
        teams=team_choices(only),
        restricted=only is not None,
    )
    if request.method == "POST" and form.is_valid():
        subscription_create(owner=user, **form.subscription_fields())
        messages.success(request, _("The scheduled report is saved: it goes out after each period ends."))
        return redirect("analytics:subscriptions")
    teams = {pk: name for pk, name, _kind in team_choices(only)}
    context = {
        "form": form,
        "rows": subscriptions_for(user),
        "teams": teams,
        "breakdowns": BREAKDOWNS,
        "languages": dict(settings.LANGUAGES),
    }
    return render(request, "analytics/subscriptions.html", context, status=400 if form.is_bound else 200)


@reports_required
@require_POST
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not subscription_delete_service(owner=cast(User, request.user), subscription_id=pk):
        raise Http404()
    messages.success(request, _("The scheduled report is stopped."))
    return redirect("analytics:subscriptions")


@reports_required
def compare(request: HttpRequest) -> HttpResponse:
    """Before and after a change: one category's figures on each side of a day (process analytics)."""
    user = cast(User, request.user)
    only = restricted_team_id(user)
    form = CompareForm(request.GET or None)
    comparison = None
    if form.is_valid():
        d = form.cleaned_data
        comparison = before_after(d["category"], d["changed_on"], d["days"], only_team_id=only)
    context = {"form": form, "comparison": comparison, "drill_url": reverse("analytics:drill")}
    return render(
        request,
        "analytics/compare.html",
        context,
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@reports_required
def process(request: HttpRequest) -> HttpResponse:
    """Process analytics: time in each status per category, reassignments and transfers, the handoff funnel and
    the topics people contact about again; every number drills down to its tickets."""
    form, only = _form(request)
    report = build_process(form.report_filter(), only_team_id=only) if form.is_valid() else None
    context = {
        "form": form,
        "report": report,
        "query": _query(request),
        "query_any_category": _query(request, "category"),
        "drill_url": reverse("analytics:drill"),
        "restricted": only is not None,
    }
    return render(request, "analytics/process.html", context, status=200 if form.is_valid() else 400)
