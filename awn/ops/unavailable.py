"""The database is unreachable: answer 503 at once (with Retry-After), never a 500 with a stack trace.

A request whose database connection fails raises OperationalError/InterfaceError wherever it first touches the
database (a middleware reading the session, or the view). Django turns that into its 500 page and sends
`got_request_exception` inside the `except` block; we note there that the cause was the database, and the
observability middleware (outermost) swaps the 500 for this 503: a short bilingual page, or JSON for the API and
the channel webhooks (a provider retries a non-2xx). Nothing here touches the database.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_SECONDS = 30
DATABASE_DOWN = "_awn_database_down"
JSON_PREFIXES = ("/api/", "/hooks/", "/chat/")

PAGE = """<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>الخدمة غير متاحة مؤقتًا</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>الخدمة غير متاحة مؤقتًا</h1>
<p>نعمل على إعادتها خلال دقائق. لم يُحفظ شيء من طلبك الأخير؛ أعد المحاولة بعد قليل.</p>
<hr><p dir="ltr" lang="en">Awn is briefly unavailable. Nothing from your last request was saved; please try again in a
moment.</p>
</body></html>
"""


def note_database_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """`got_request_exception` receiver: runs in the `except` block, so the exception is still current."""
    error = sys.exc_info()[1]
    if request is not None and _is_database_unreachable(error):
        setattr(request, DATABASE_DOWN, True)


def _is_database_unreachable(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith(JSON_PREFIXES):
        response = JsonResponse(
            {
                "error": {
                    "code": "unavailable",
                    "message": "الخدمة غير متاحة مؤقتًا، أعد المحاولة بعد قليل.",
                    "message_ar": "الخدمة غير متاحة مؤقتًا، أعد المحاولة بعد قليل.",
                    "message_en": "The service is briefly unavailable; try again in a moment.",
                    "field": None,
                }
            },
            status=503,
        )
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def replace_if_database_down(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code == 500 and getattr(request, DATABASE_DOWN, False):
        return unavailable_response(request)
    return response
