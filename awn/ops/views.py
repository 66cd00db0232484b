"""Transport for operations: liveness, readiness, metrics, the operations page and the dead-letter list of
replies not delivered (its one write, "send again", is the connectors' service)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from awn.connectors.outbound import outbound_retry
from awn.core.addresses import client_address
from awn.core.ratelimit import allow
from awn.tickets.enums import Channel

from .health import readiness
from .metrics import metrics_response
from .policies import can_read_metrics, can_see_failed_deliveries, can_see_operations
from .selectors import check_rows, failed_delivery_for, overview
from .selectors import failed_deliveries as failed_deliveries_for_user


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches neither the database nor the network."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when this process can serve, 503 naming the failing checks otherwise."""
    result = readiness()
    return JsonResponse(result.as_json(), status=200 if result.ready else 503)


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper with the AWN_METRICS_TOKEN bearer token or a supervisor's session."""
    if not can_read_metrics(request.user, _bearer(request)):
        if not allow(f"metrics-auth:{client_address(request)}", limit=30, window_seconds=60):
            return JsonResponse({"error": "rate_limited"}, status=429)
        response = JsonResponse({"error": "unauthorized"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="awn-metrics"'
        return response
    return metrics_response(request)


WORK_LABELS = {
    "inbound_events": _("Inbound channel events"),
    "outgoing_messages": _("Replies to customers"),
    "notifications": _("Email notifications"),
}


def clock(seconds: float) -> str:
    """A duration as h:mm:ss (shown left to right)."""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


@never_cache
@require_safe
def operations(request: HttpRequest) -> HttpResponse:
    """Health at a glance for supervisors and admins: readiness, queues and work waiting, backups."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_see_operations(user):
        raise Http404()
    view = overview()
    channel_labels = dict(Channel.choices)
    waiting = [
        (channel_labels.get(channel, channel), int(count), clock(oldest))
        for (channel, count), (_c, oldest) in zip(
            view.by_label("awn_contacts_waiting", "channel"),
            view.by_label("awn_contacts_waiting_oldest_seconds", "channel"),
            strict=True,
        )
    ]
    context = {
        "view": view,
        "checks": check_rows(view.readiness),
        "waiting": waiting,
        "lag": [
            (WORK_LABELS.get(work, work), clock(seconds), seconds)
            for work, seconds in view.by_label("awn_worker_lag_seconds", "work")
        ],
        "chat_oldest": clock(view.gauge("awn_chat_queue_oldest_seconds")),
        "chat_waiting": int(view.gauge("awn_chat_queue_waiting")),
        "inbound_pending": int(view.gauge("awn_inbound_events_pending")),
        "outgoing_failed": int(view.gauge("awn_outgoing_messages_failed")),
        "notifications_failed": int(view.gauge("awn_notifications_failed")),
        "inbound_oldest": clock(view.gauge("awn_inbound_events_oldest_seconds")),
        "handoff_percent": round(view.gauge("awn_assistant_handoff_ratio") * 100),
        "has_metrics_token": bool(getattr(settings, "AWN_METRICS_TOKEN", "")),
    }
    return render(request, "ops/operations.html", context)


@never_cache
@require_safe
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """The dead-letter list: replies to customers that were not delivered, on the tickets this agent may see."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_see_failed_deliveries(user):
        raise Http404()
    rows = failed_deliveries_for_user(user)
    return render(request, "ops/failed_deliveries.html", {"rows": rows})


@require_POST
def failed_delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed reply again, from a fresh set of attempts (only on a ticket this agent may see)."""
    user = request.user
    if not user.is_authenticated or not can_see_failed_deliveries(user):
        raise Http404()
    if failed_delivery_for(user, pk) is None:
        raise Http404()
    if outbound_retry(pk):
        messages.success(request, gettext("The reply is being sent again."))
    return redirect("ops:failed_deliveries")
