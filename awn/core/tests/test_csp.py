"""Every response carries a Content-Security-Policy whose scripts come only from Awn's own files."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", ["/accounts/login/", "/portal/", "/api/docs", "/no-such-page/"])
def test_pages_allow_only_own_scripts_no_inline_no_eval(client: Client, path: str) -> None:
    response = client.get(path)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["default-src"]


def test_the_policy_covers_signed_in_staff_pages(world: Any) -> None:
    response = world.client_for(world.agent).get("/workspace/")
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


# A view's stricter policy is kept: attachments answer `sandbox` (awn/portal/tests/test_permissions.py).


def test_an_empty_setting_sends_no_policy(client: Client, settings: Any) -> None:
    settings.AWN_CSP = ""
    assert "Content-Security-Policy" not in client.get("/accounts/login/")
