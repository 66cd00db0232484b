"""Saved views of the queue: save the current filters under a name, open one, delete one's own."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from awn.core.errors import DomainError, NotFound
from awn.core.ids import is_id
from awn.queueviews import selectors, services
from awn.queueviews.policies import can_share_views

from ..forms import QueueParams
from ..queue_chrome import cached_saved_views, refresh_counts, selected, team_options
from ._common import current_user, report_error, staff_required


@staff_required()
@require_GET
def saved_views_bar(request: HttpRequest) -> HttpResponse:
    """The queue's bar of saved views (loaded by the queue page with its own query, to save it as a view)."""
    user = current_user(request)
    query = urlencode([(k, v) for k, values in request.GET.lists() if k not in _NOT_SAVED for v in values])
    current = request.GET.get("view", "")
    context = {
        "saved_views": cached_saved_views(user, request.session),
        "current_view": int(current) if is_id(current) else None,
        "query_key": query,
        "may_share_views": can_share_views(user),
        "team_choices": lambda: selected(team_options(), None),
    }
    return render(request, "workspace/partials/saved_views.html", context)


_NOT_SAVED = ("page", "fragment", "view")


def _queue_url(query: str = "") -> str:
    return reverse("workspace:queue") + (f"?{query}" if query else "")


@staff_required()
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """The queue's current query (posted as `query`) under the posted name; shared with `team` (supervisors)."""
    user = current_user(request)
    query = str(request.POST.get("query") or "")[:2000]
    params = QueueParams.from_query(QueryDict(query))
    try:
        view = services.saved_view_create(
            actor=user,
            name=request.POST.get("name", ""),
            queue=params.queue,
            sort=params.sort,
            filters=params.filters,
            team_id=request.POST.get("team") or None,
        )
    except DomainError as exc:
        report_error(request, exc)
        return redirect(_queue_url(query))
    refresh_counts(request.session)
    messages.success(request, _("View saved."))
    return redirect(_queue_url(selectors.view_query(view)))


@staff_required()
@require_GET
def saved_view_open(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        view = selectors.view_for(current_user(request), pk)
    except NotFound as exc:
        raise Http404() from exc
    return redirect(_queue_url(selectors.view_query(view)))


@staff_required()
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        services.saved_view_delete(actor=user, view=selectors.view_for(user, pk))
    except NotFound as exc:
        raise Http404() from exc
    refresh_counts(request.session)
    messages.success(request, _("View deleted."))
    return redirect(_queue_url())
