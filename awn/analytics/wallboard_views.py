"""The live wallboard page (/workspace/wallboard/): supervisors and admins only; the board refreshes itself every
few seconds (an htmx poll of its fragment). Thin: the figures come from wallboard.py; nothing here writes."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from awn.accounts.models import User

from .policies import restricted_team_id
from .views import reports_required
from .wallboard import wallboard

REFRESH_SECONDS = 5


def _context(request: HttpRequest) -> dict[str, object]:
    only = restricted_team_id(cast(User, request.user))
    return {"board": wallboard(only_team_id=only), "restricted": only is not None, "refresh": REFRESH_SECONDS}


@reports_required
@require_safe
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/wallboard.html", _context(request))


@reports_required
@require_safe
def board(request: HttpRequest) -> HttpResponse:
    response = render(request, "analytics/_wallboard_board.html", _context(request))
    response["Cache-Control"] = "no-store"
    return response
