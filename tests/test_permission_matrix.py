"""Who may do what to which ticket, through the REST API: every role × object × action.

A refused request must answer the right status (401 anonymous, 404 for a ticket the caller may not see — no
existence leak — and 403 for a staff-only action on a ticket the caller can see) and change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from awn.accounts.services import api_token_create
from awn.tickets.enums import Category, Status
from awn.tickets.models import AuditEntry, Message, Ticket
from awn.tickets.services import ticket_update

STAFF = {"admin", "supervisor", "agent", "vendor_agent"}
ROLES = [
    "admin",
    "supervisor",
    "agent",
    "vendor_agent",
    "parent",
    "other_parent",
    "teacher",
    "anonymous",
    "parent_token",
]
OBJECTS = ["own", "child", "other_parent", "other_child", "outside_vendor"]
ACTIONS = ["list", "detail", "patch", "message", "note", "rating"]

# Which tickets each role can see. `own`/`child` belong to the parent's family; `outside_vendor` is the
# parent's too, in a category the outsourced team does not cover.
VISIBLE: dict[str, set[str]] = {
    "admin": set(OBJECTS),
    "supervisor": set(OBJECTS),
    "agent": set(OBJECTS),
    "vendor_agent": {"own", "child", "other_parent", "other_child"},
    "parent": {"own", "child", "outside_vendor"},
    "parent_token": {"own", "child", "outside_vendor"},
    "other_parent": {"other_parent", "other_child"},
    "teacher": set(),
    "anonymous": set(),
}
# Whose contact opened each ticket: only that customer may rate it.
REQUESTER_ROLE = {"own": "parent", "outside_vendor": "parent", "other_parent": "other_parent"}


def expected(role: str, obj: str, action: str) -> int | bool:
    if role == "anonymous":
        return 401
    visible = obj in VISIBLE[role]
    if action == "list":
        return visible
    if not visible:
        return 404
    staff = role in STAFF
    customer = role.removesuffix("_token")
    return {
        "detail": 200,
        "patch": 200 if staff else 403,
        "message": 201,
        "note": 201 if staff else 403,
        "rating": 200 if not staff and REQUESTER_ROLE.get(obj) == customer else 403,
    }[action]


def _ticket(world: Any, obj: str) -> Ticket:
    requester, category = {
        "own": (world.parent, Category.ACCOUNT_ACCESS),
        "child": (world.child, Category.ACCOUNT_ACCESS),
        "other_parent": (world.other_parent, Category.ACCOUNT_ACCESS),
        "other_child": (world.other_child, Category.ACCOUNT_ACCESS),
        "outside_vendor": (world.parent, Category.TRANSFER),
    }[obj]
    return world.ticket(requester=requester, category=category)


def _client(world: Any, role: str) -> Client:
    if role == "anonymous":
        return Client()
    if role == "parent_token":
        _token, key = api_token_create(user=world.parent_user, name="matrix")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    user = {
        "admin": world.admin,
        "supervisor": world.supervisor,
        "agent": world.agent,
        "vendor_agent": world.vendor_agent,
        "parent": world.parent_user,
        "other_parent": world.other_parent_user,
        "teacher": world.teacher_user,
    }[role]
    return world.client_for(user)


def _snapshot(ticket: Ticket) -> tuple[Any, ...]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.version,
        fresh.status,
        fresh.priority,
        fresh.csat_score,
        Message.objects.count(),
        AuditEntry.objects.count(),
        Ticket.objects.count(),
    )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role, obj, action):
    ticket = _ticket(world, obj)
    if action == "rating":
        ticket_update(ticket=ticket, actor=world.supervisor, changes={"status": Status.RESOLVED})
    client = _client(world, role)
    want = expected(role, obj, action)
    url = f"/api/v1/tickets/{ticket.pk}"
    before = _snapshot(ticket)

    if action == "list":
        response = client.get("/api/v1/tickets/", {"limit": 100})
        if want == 401:
            assert response.status_code == 401
        else:
            assert response.status_code == 200
            ids = {item["id"] for item in response.json()["items"]}
            assert (ticket.pk in ids) is want
        assert _snapshot(ticket) == before
        return

    if action == "detail":
        response = client.get(url)
    elif action == "patch":
        response = client.patch(url, {"priority": "high"}, content_type="application/json")
    elif action == "message":
        response = client.post(f"{url}/messages", {"body": "رد"}, content_type="application/json")
    elif action == "note":
        response = client.post(
            f"{url}/messages", {"body": "ملاحظة", "kind": "note"}, content_type="application/json"
        )
    else:
        response = client.post(f"{url}/rating", {"score": 5}, content_type="application/json")

    assert response.status_code == want, (role, obj, action, response.content)
    assert response["Content-Type"].startswith("application/json")
    if want >= 400:
        assert set(response.json()["error"]) >= {"code", "message", "message_ar", "message_en", "field"}
        assert _snapshot(ticket) == before, "a refused request changed the database"
        if want == 404:
            # Same answer as for a ticket that does not exist: nothing leaks.
            missing = client.get("/api/v1/tickets/999999")
            assert (
                missing.status_code == 404
                and missing.json()["error"]["code"] == response.json()["error"]["code"]
            )
    elif action == "detail":
        body = response.json()
        assert body["id"] == ticket.pk
        assert all(m["kind"] != "note" for m in body["messages"]) or role in STAFF
    else:
        assert _snapshot(ticket) != before


def test_customers_never_receive_internal_notes_anywhere(world):
    from awn.tickets.services import ticket_add_message

    ticket = world.ticket(requester=world.child)
    ticket_add_message(ticket=ticket, actor=world.agent, body="سري", kind="note")
    for role in ("parent", "parent_token"):
        client = _client(world, role)
        detail = client.get(f"/api/v1/tickets/{ticket.pk}").json()
        listed = client.get(f"/api/v1/tickets/{ticket.pk}/messages").json()
        assert "سري" not in str(detail) and "سري" not in str(listed)
        assert client.get(f"/api/v1/tickets/{ticket.pk}/audit").status_code == 403
