"""The supervisors' access-audit pages (/workspace/privacy/): search and CSV export. Transport only: reads
through selectors; the export is itself audited through services. Anyone else gets a 404."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from awn.accounts.decorators import allowed_by
from awn.core.pagination import CappedPaginator

from .enums import AccessAction, ObjectKind
from .forms import AuditFilterForm
from .policies import can_search_audit
from .selectors import AuditFilter, audit_csv_rows, audit_search
from .services import Access, record_request_accesses

View = Callable[..., HttpResponseBase]
EXPORT_MAX_ROWS = 100_000


supervisor_required = allowed_by(can_search_audit)


def _form(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter | None]:
    form = AuditFilterForm(request.GET or None)
    if not request.GET:
        return form, AuditFilter()
    return form, form.to_filter() if form.is_valid() else None


@supervisor_required
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    form, audit_filter = _form(request)
    page = None
    if audit_filter is not None:
        paginator = CappedPaginator(audit_search(audit_filter), settings.AWN_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=200 if audit_filter is not None else 400,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list[str]]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet programs read the Arabic as UTF-8
    for row in rows:
        yield writer.writerow(row)


@supervisor_required
@require_safe
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """The rows the filter finds, newest first, at most 100,000, as CSV. The export is recorded in the audit."""
    form, audit_filter = _form(request)
    if audit_filter is None:
        return render(request, "privacy/audit.html", {"form": form, "page": None, "query": ""}, status=400)
    record_request_accesses(
        request,
        Access(AccessAction.EXPORT, ObjectKind.AUDIT, None, audit_filter.subject_id, audit_filter.describe()),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        _csv_lines(audit_csv_rows(audit_filter, limit=EXPORT_MAX_ROWS)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="access-audit-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
