"""Every route of the URLconf (pages and the REST API) × every role: who is let in, who is refused.

The audience of each route comes from the table below, by path prefix, first match wins; a route that matches no
line fails the test until someone declares who may use it — a new page cannot ship without saying so. A role
outside a route's audience must be refused, by GET and by POST, whatever object the URL names: signed out it is
sent to sign in (401 for the API), signed in it gets 404 (or 403 from the API) or, for a customer on a staff page,
the portal — never a page, a form error or a redirect elsewhere. A role inside the audience is served on the
routes without parameters (the per-object rules are the permission matrix's and each app's tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ("anonymous", "parent", "vendor_agent", "agent", "supervisor", "admin")
LEVEL = {"anonymous": 0, "parent": 1, "vendor_agent": 2, "agent": 2, "supervisor": 3, "admin": 4}
# audience -> the lowest level let in
PUBLIC, SIGNED_IN, STAFF, SUPERVISOR, ADMIN = 0, 1, 2, 3, 4
METRICS = "metrics"  # a bearer token, or a supervisor's or an administrator's session
SIGN_IN_STEP = "sign-in step"  # only reachable in the middle of signing in: refused to everyone here
WEBHOOK = "webhook"  # anyone may call it; an unsigned call is refused
HOME = "home"  # sends each visitor where they belong (sign-in, portal or workspace)
# Served to the right people, but empty here: no logo uploaded; the API's root lists nothing (its docs do);
# the new-inbox form needs ?kind=; single sign-on answers 404 while no provider is set (tests/oidc opens it).
EMPTY_HERE = {
    "accounts/logo/",
    "api/v1/",
    "workspace/inboxes/new/",
    "portal/account/oidc/",
    "portal/account/oidc/callback/",
}

AUDIENCE: tuple[tuple[str, int | str], ...] = (
    ("accounts/2fa/setup/", STAFF),
    ("accounts/2fa/", SIGN_IN_STEP),
    ("accounts/password/", SIGNED_IN),
    ("accounts/security/", STAFF),  # a staff member's own second steps: authenticator app and passkeys
    ("accounts/", PUBLIC),
    ("i18n/", PUBLIC),
    ("api/v1/openapi.json", PUBLIC),
    ("api/v1/docs", PUBLIC),
    ("api/docs", PUBLIC),
    ("api/v1/tickets", SIGNED_IN),
    ("api/v1/me", SIGNED_IN),
    ("api/v1/assistant/", PUBLIC),
    ("api/v1/crm/", STAFF),
    ("api/v1/routing/", STAFF),
    ("api/v1/sla/", STAFF),
    ("api/v1/automation/", STAFF),
    ("api/v1/incidents", SUPERVISOR),
    ("api/v1/outreach/", SUPERVISOR),  # awn/outreach/api.py: segments, campaigns, statistics
    ("api/v1/", PUBLIC),
    ("portal/kb/", PUBLIC),
    ("portal/account/", PUBLIC),  # customers sign in or sign up here (awn/identity)
    ("portal/", SIGNED_IN),
    ("workspace/admin/", ADMIN),
    ("workspace/inboxes/", ADMIN),
    ("workspace/calendars/", SUPERVISOR),
    ("workspace/sla/", SUPERVISOR),
    ("workspace/analytics/", SUPERVISOR),
    ("workspace/routing/me/", STAFF),
    ("workspace/routing/", SUPERVISOR),
    ("workspace/privacy/", SUPERVISOR),
    ("workspace/top-problems/", SUPERVISOR),
    ("workspace/top-problems/new/", SUPERVISOR),
    (
        "workspace/ops/failed-deliveries/",
        STAFF,
    ),  # each agent sees the undelivered replies of tickets they see
    ("workspace/ops/", SUPERVISOR),
    ("workspace/wallboard/", SUPERVISOR),
    ("workspace/surveys/", SUPERVISOR),
    (
        "workspace/quality/",
        SUPERVISOR,
    ),  # awn/quality; an agent's own reviews are /workspace/my-reviews/ (STAFF)
    ("workspace/incidents/", SUPERVISOR),
    ("workspace/outreach/", SUPERVISOR),  # awn/outreach: segments, campaigns, statistics
    ("workspace/automation/canned/", STAFF),
    ("workspace/automation/macros/", STAFF),
    ("workspace/automation/tickets/", STAFF),
    ("workspace/automation/", SUPERVISOR),
    (
        "workspace/views/",
        STAFF,
    ),  # saved views of the queue: each agent's own and their team's (awn/queueviews)
    # A person's data (PDPL export, JSON and PDF): supervisors and administrators only.
    ("workspace/contacts/<id:pk>/export.", SUPERVISOR),
    ("workspace/", STAFF),
    ("chat/", PUBLIC),
    ("survey/", PUBLIC),  # each link carries its own signed token
    ("hooks/", WEBHOOK),
    ("attachments/", SIGNED_IN),
    ("health", PUBLIC),
    ("ready", PUBLIC),
    ("metrics", METRICS),
    ("", HOME),
)


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _every_route() -> list[str]:
    return sorted({path for path, _ in _routes(get_resolver())})


def audience_of(path: str) -> int | str | None:
    for prefix, audience in AUDIENCE:
        if path.startswith(prefix) and (prefix or path == ""):
            return audience
    return None


def _fill(path: str, object_id: int) -> str:
    """A concrete URL: ids name an object that exists, the rest are well-formed values."""
    import re

    path = re.sub(r"<uuid:[^>]+>", str(uuid.uuid4()), path)
    path = re.sub(r"<(?:id|int):[^>]+>", str(object_id), path)
    path = re.sub(r"<slug:fmt>", "csv", path)
    path = re.sub(r"<(?:slug|str|path):[^>]+>", "x", path)
    return re.sub(r"<[a-z_]+>", str(object_id), path)


def _client(world: Any, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, "parent_user" if role == "parent" else role))
    return client


def _refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return "/accounts/login/" in location or location.rstrip("/").endswith("/portal")


def _lets_in(audience: int | str, role: str) -> bool:
    if audience == METRICS:
        return role in ("supervisor", "admin")
    if audience in (SIGN_IN_STEP, WEBHOOK):
        return False
    if audience == HOME:
        return True
    assert isinstance(audience, int)
    return LEVEL[role] >= audience


def test_every_route_declares_its_audience() -> None:
    undeclared = [path for path in _every_route() if audience_of(path) is None]
    assert undeclared == []


def test_the_table_has_no_line_that_no_route_uses() -> None:
    paths = _every_route()
    unused = [prefix for prefix, _ in AUDIENCE if prefix and not any(p.startswith(prefix) for p in paths)]
    assert unused == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_outside_its_audience_and_served_inside(world: Any, role: str) -> None:
    ticket = world.ticket()
    wrong: list[str] = []
    for path in _every_route():
        audience = audience_of(path)
        assert audience is not None, path
        url = "/" + _fill(path, ticket.pk)
        if _lets_in(audience, role):
            if "<" not in path and audience != HOME and path not in EMPTY_HERE:
                response = _client(world, role).get(url)
                if _refused(response) and response.status_code != 405:
                    wrong.append(f"GET {url}: {response.status_code}, expected to be served")
            continue
        for method in ("get", "post"):
            response = getattr(_client(world, role), method)(url)
            if not _refused(response):
                wrong.append(f"{method.upper()} {url}: {response.status_code} {response.get('Location', '')}")
    assert wrong == [], f"{role}: " + "; ".join(wrong)
