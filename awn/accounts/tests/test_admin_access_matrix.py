"""Every administration route, found by walking the URL configuration (not a hand list), × every role that is
not an administrator: GET and POST are refused (404; anonymous callers are sent to sign in) and nothing changes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from awn.accounts.enums import Role
from awn.accounts.models import AdminAuditEntry, ApiToken, Invitation, OrganizationSettings, Team, User
from awn.accounts.services import api_token_create, invitation_create


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern


def admin_routes() -> list[str]:
    return sorted({r for r in _routes(get_resolver()) if r.startswith("workspace/admin/")})


def _snapshot() -> tuple[object, ...]:
    return (
        AdminAuditEntry.objects.count(),
        list(User.objects.order_by("pk").values_list("role", "team_id", "is_active", "session_epoch")),
        list(Team.objects.order_by("pk").values_list("name", "kind", "categories")),
        list(ApiToken.objects.order_by("pk").values_list("revoked", flat=True)),
        list(Invitation.objects.order_by("pk").values_list("revoked_at", flat=True)),
        OrganizationSettings.objects.count(),
    )


def test_the_walk_finds_the_administration():
    routes = admin_routes()
    assert len(routes) >= 15, routes
    assert "workspace/admin/users/<id:pk>/deactivate/" in routes
    assert "workspace/admin/teams/<id:pk>/" in routes


@pytest.mark.parametrize(
    "who", ["supervisor", "agent", "vendor_agent", "parent_user", "teacher_user", "anonymous"]
)
def test_no_one_but_an_admin_reaches_any_administration_route(world, who):
    invitation, _token = invitation_create(actor=world.admin, email="i@example.sa", role=Role.AGENT)
    token, _key = api_token_create(user=world.agent, name="t")
    ids = {
        "users": world.agent.pk,
        "teams": world.vendor.pk,
        "tokens": token.pk,
        "invitations": invitation.pk,
    }
    client = Client() if who == "anonymous" else world.client_for(getattr(world, who))
    before = _snapshot()
    checked = 0
    for route in admin_routes():
        section = route.split("/")[2]
        path = "/" + re.sub(r"<id:\w+>", str(ids.get(section, world.agent.pk)), route)
        for method in ("get", "post"):
            response = getattr(client, method)(path, {"role": "admin", "name": "x", "kind": "in_house"})
            if who == "anonymous":
                assert response.status_code in (302, 405), (method, path, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/login/")
            else:
                assert response.status_code in (404, 405), (who, method, path, response.status_code)
            checked += 1
    assert checked >= 30
    assert _snapshot() == before
