"""The one webhook endpoint for every channel: verify, store raw items, answer fast. Work happens in jobs."""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .base import MalformedPayload, WebhookRequest
from .registry import connector_for
from .selectors import inbox_for_webhook
from .services import events_store

logger = logging.getLogger(__name__)


def _neutral(request: HttpRequest) -> WebhookRequest:
    return WebhookRequest(
        method=request.method or "GET",
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: str(v) for k, v in request.GET.items()},
        body=request.body,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, inbox_uuid: uuid.UUID) -> HttpResponse:
    inbox = inbox_for_webhook(inbox_uuid)
    if inbox is None:
        logger.warning("webhook for unknown or disabled inbox %s", inbox_uuid)
        return JsonResponse({"error": "not_found"}, status=404)
    connector = connector_for(inbox.kind)
    neutral = _neutral(request)
    if request.method == "GET":
        challenge = connector.handshake(inbox, neutral)
        if challenge is None:
            logger.warning("inbox %s: webhook verification refused", inbox.pk)
            return JsonResponse({"error": "forbidden"}, status=403)
        return HttpResponse(challenge, content_type="text/plain")
    if not connector.verify_request(inbox, neutral):
        logger.warning("inbox %s: webhook signature refused (%d bytes)", inbox.pk, len(neutral.body))
        return JsonResponse({"error": "bad_signature"}, status=401)
    try:
        items = connector.split_events(inbox, neutral.body)
    except MalformedPayload as exc:
        logger.warning("inbox %s: malformed webhook refused: %s", inbox.pk, exc)
        return JsonResponse({"error": "malformed", "detail": str(exc)}, status=400)
    stored, duplicates = events_store(inbox, items)
    return JsonResponse({"stored": stored, "duplicates": duplicates})
