"""The house's page gate (awn.accounts.decorators.allowed_by): sign in, 404 for refused users, 404 for a service's
NotFound (a foreign or missing object) — the surge-mode and outreach pages use it (no gate of their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from awn.accounts.decorators import allowed_by
from awn.core.errors import NotFound
from awn.incidents import views as incident_views
from awn.outreach import views as outreach_views

pytestmark = pytest.mark.django_db


def _request(user: Any) -> HttpRequest:
    request = RequestFactory().get("/workspace/somewhere/")
    request.user = user
    return request


def _missing(request: HttpRequest) -> HttpResponse:
    raise NotFound()


def test_refused_users_get_404_and_anonymous_users_sign_in(world: Any) -> None:
    gate = allowed_by(lambda user: user.username == "supervisor")(lambda request: HttpResponse("ok"))
    assert gate(_request(world.supervisor)).content == b"ok"  # type: ignore[attr-defined]
    for user in (world.agent, world.parent_user):
        with pytest.raises(Http404):
            gate(_request(user))
    signed_out = gate(_request(AnonymousUser()))
    assert signed_out.status_code == 302 and "next=/workspace/somewhere/" in signed_out["Location"]


def test_a_services_not_found_is_a_404(world: Any) -> None:
    with pytest.raises(Http404):
        allowed_by(lambda user: True)(_missing)(_request(world.supervisor))


@pytest.mark.parametrize("module", [incident_views, outreach_views])
def test_surge_and_outreach_pages_use_the_house_gate(world: Any, module: Any) -> None:
    gate = module.supervisor_required(_missing)
    for user in (world.agent, world.vendor_agent, world.parent_user):
        with pytest.raises(Http404):
            gate(_request(user))
    with pytest.raises(Http404):  # let in, then the object is not theirs (or not there): 404, not 500
        gate(_request(world.supervisor))
    assert gate.__wrapped__ is _missing  # allowed_by's wrapper (functools.wraps), no gate of their own
    assert "def supervisor_required" not in Path(module.__file__).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "url",
    [
        "/workspace/incidents/999999/",
        "/workspace/incidents/broadcasts/999999/",
        "/workspace/outreach/campaigns/999999/",
    ],
)
def test_a_missing_object_is_a_404_for_a_supervisor_and_refused_users_get_404(world: Any, url: str) -> None:
    assert world.client_for(world.supervisor).get(url).status_code == 404
    assert world.client_for(world.agent).get(url).status_code == 404
    assert world.client_for(world.parent_user).get(url).status_code == 404
