"""The agent's notifications (assigned to them, @mentions, watched tickets, the call pop): the list the navbar's
badge opens, fetched when a push says there is something new (or by the fallback poll)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from awn.realtime.selectors import notifications_for, unread_count
from awn.realtime.services import notifications_read

from ._common import current_user, staff_required


def _list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    context = {"notifications": notifications_for(user), "unread": unread_count(user)}
    return render(request, "workspace/partials/notifications.html", context)


@staff_required()
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@staff_required()
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    notifications_read(current_user(request))
    return _list(request)
