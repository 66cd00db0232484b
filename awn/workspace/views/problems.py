"""Top problems for supervisors: what people write about now, against the usual level."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from awn.accounts.policies import is_supervisor
from awn.assistant.tasks import NEW_PROBLEMS_JOB
from awn.assistant.topics import top_problems
from awn.core.tasks import dispatch

from ._common import current_user, staff_required


@staff_required()
@require_GET
def top_problems_page(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(current_user(request)):
        raise Http404()  # counts across every category: supervisors and admins only
    topics = top_problems(limit=15)
    peak = max((max(t.trend) for t in topics), default=0) or 1
    return render(request, "workspace/top_problems.html", {"topics": topics, "peak": peak})


QUEUED_KEY = "awn:new-problems:queued"


@staff_required()
@require_http_methods(["GET", "POST"])
def new_problems_page(request: HttpRequest) -> HttpResponse:
    """Recent tickets clustered on their own words; a supervisor saves an uncovered cluster's guide as a draft."""
    user = current_user(request)
    if not is_supervisor(user):
        raise Http404()
    # NumPy (the clustering) loads on a supervisor's first visit, not with the URLs (issue 14).
    from awn.assistant.clusters import REFRESH_SECONDS, latest_clusters, save_guide_draft

    latest = latest_clusters()
    if latest is None and cache.add(
        QUEUED_KEY, 1, REFRESH_SECONDS
    ):  # first visit: one job, not one per reload
        dispatch(NEW_PROBLEMS_JOB)
        latest = latest_clusters()  # there already when jobs run inline
    computed_at, clusters = latest or (None, [])
    if request.method == "POST":
        cluster = next((c for c in clusters if c.key == request.POST.get("cluster")), None)
        if cluster is None:
            messages.error(request, _("This group has changed; reload the page."))
            return redirect("workspace:new-problems")
        article = save_guide_draft(cluster, author=user)
        messages.success(request, _("The guide is saved as a draft article: review it before publishing."))
        return redirect("workspace:kb-edit", pk=article.pk)
    context = {"clusters": clusters, "computed_at": computed_at}
    return render(request, "workspace/new_problems.html", context)
