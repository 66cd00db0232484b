"""Top problems for supervisors: what people write about now, against the usual level."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from awn.accounts.policies import is_supervisor
from awn.assistant.topics import top_problems

from ._common import current_user, staff_required


@staff_required()
@require_GET
def top_problems_page(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(current_user(request)):
        raise Http404()  # counts across every category: supervisors and admins only
    topics = top_problems(limit=15)
    peak = max((max(t.trend) for t in topics), default=0) or 1
    return render(request, "workspace/top_problems.html", {"topics": topics, "peak": peak})
