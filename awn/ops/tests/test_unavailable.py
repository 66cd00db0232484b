"""R3 in-process: with the database unreachable, pages answer a bilingual 503 page and the API and webhooks a JSON
503, all with Retry-After and without a stack trace; liveness still answers; other errors stay 500."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from awn.ops.unavailable import replace_if_database_down, unavailable_response

pytestmark = pytest.mark.django_db


def _database_down() -> Any:
    return mock.patch.object(
        connection, "ensure_connection", side_effect=OperationalError("connection refused (test)")
    )


@pytest.mark.parametrize(
    ("path", "method", "json_answer"),
    [
        ("/workspace/", "get", False),
        ("/portal/", "get", False),
        ("/accounts/login/", "post", False),
        ("/api/v1/tickets/", "get", True),
        ("/hooks/6b1f3c1e-9a57-4c1e-8a3c-0d6a3b8e9f00/", "post", True),
    ],
)
def test_a_database_outage_answers_503_fast_without_a_trace(
    world: Any, path: str, method: str, json_answer: bool
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.agent)
    started = time.monotonic()
    with _database_down():
        response = getattr(client, method)(path)
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Traceback" not in body and "OperationalError" not in body and "connection refused" not in body
    if json_answer:
        assert response.json()["error"]["code"] == "unavailable"
    else:
        assert "الخدمة غير متاحة مؤقتًا" in body and 'dir="rtl"' in body


def test_liveness_does_not_need_the_database() -> None:
    with _database_down():
        assert Client(raise_request_exception=False).get("/health").status_code == 200


def test_other_server_errors_stay_500() -> None:
    request = RequestFactory().get("/workspace/")
    from django.http import HttpResponseServerError

    assert replace_if_database_down(request, HttpResponseServerError()).status_code == 500
    assert unavailable_response(request).status_code == 503
