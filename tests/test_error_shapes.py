"""Integrations and providers get JSON errors in Arabic and English, never Django's English HTML pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/v1/tickets/1/nothing-here", "/hooks/not-a-uuid/"]
)
def test_an_unknown_path_under_the_api_or_the_hooks_is_a_json_404(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message_en"] == "Not found." and error["message_ar"] and error["message_ar"] != "Not found."


def test_elsewhere_a_404_is_still_a_page(db: None) -> None:
    response = Client().get("/portal/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_webhook_body_past_the_limit_is_a_json_413(db: None, settings: Any) -> None:
    from awn.connectors.services import inbox_save

    inbox = inbox_save(inbox=None, name="big", kind="fake", secrets={"signing_secret": "s"})
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
    body = b'{"x": "' + b"a" * (5 * 1024 * 1024 + 10) + b'"}'
    response = Client().post(f"/hooks/{inbox.uuid}/", data=body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and "5 MB" in error["message_en"]


def test_an_unknown_filter_value_is_a_422_that_lists_the_allowed_ones(world: Any) -> None:
    response = world.client_for(world.agent).get("/api/v1/tickets/?status=bogus")
    assert response.status_code == 422  # it used to be 200 with an empty list
    error = response.json()["error"]
    assert error["field"] == "status"
    assert "new" in error["message_en"] and "resolved" in error["message_en"]
    assert error["message_ar"] != error["message_en"]


def test_a_too_long_subject_says_the_limit(world: Any) -> None:
    response = world.client_for(world.parent_user).post(
        "/api/v1/tickets/",
        {"subject": "س" * 100_000, "body": "نص", "category": "other"},
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "subject"
    assert "1000" in error["message_en"] and "1000" in error["message_ar"]
