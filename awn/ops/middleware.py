"""Request metrics (count, latency and database queries by view) and the request id of structured logs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from .metrics import EXCEPTIONS, observe_request


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def view_name(request: HttpRequest) -> str:
    """The route's name (`workspace:queue`), never the path: ids in paths would make a label per ticket."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match._func_path


class ObservabilityMiddleware:
    """Times every request and counts its queries, labelled by the view that answered it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        observe_request(
            view_name(request),
            request.method or "",
            response.status_code,
            time.perf_counter() - started,
            counter.count,
        )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        EXCEPTIONS.labels(view_name(request)).inc()
