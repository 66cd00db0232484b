"""Macros and canned responses through HTTP and the API: a macro's reply + status + tag + assignment at once (from
the ticket page and on a selection), who sees which (personal, team, everyone), the «/» picker's Arabic search."""

from __future__ import annotations

import json
from typing import Any

import pytest

from awn.automation import macros
from awn.automation.enums import Scope
from awn.automation.models import CannedScope, Macro
from awn.tickets.enums import Category, Direction, MessageKind, Status
from awn.tickets.models import AuditEntry, CannedResponse, Message

pytestmark = pytest.mark.django_db
BASE = "/workspace/automation/"


@pytest.fixture
def waiting(world: Any) -> tuple[CannedResponse, Macro]:
    canned = macros.canned_save(
        actor=world.supervisor,
        title="بانتظار ردكم",
        body="عزيزي {{contact.first_name}}، نحتاج رقم الهوية لإكمال طلبك {{ticket.reference}}.",
        scope=Scope.GLOBAL,
    )
    macro = macros.macro_save(
        actor=world.supervisor,
        name="طلب معلومات",
        scope=Scope.GLOBAL,
        actions=[
            {"type": "send_canned_reply", "value": canned.pk},
            {"type": "set_status", "value": "pending"},
            {"type": "add_tag", "value": "بانتظار-العميل"},
            {"type": "set_assignee", "value": world.agent.pk},
        ],
    )
    return canned, macro


def test_a_macro_from_the_ticket_page_replies_sets_status_tags_and_assigns(
    world: Any, waiting: tuple[CannedResponse, Macro]
) -> None:
    _, macro = waiting
    ticket = world.ticket()
    client = world.client_for(world.agent)
    panel = client.get(f"{BASE}tickets/{ticket.pk}/macros/").content.decode()
    assert "طلب معلومات" in panel
    response = client.post(f"{BASE}tickets/{ticket.pk}/macros/{macro.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/workspace/tickets/{ticket.pk}/"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == (Status.PENDING, world.agent.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["بانتظار-العميل"]
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND, kind=MessageKind.REPLY)
    assert reply.body == f"عزيزي أحمد، نحتاج رقم الهوية لإكمال طلبك {ticket.reference}."
    assert reply.author_user_id == world.agent.pk
    assert ticket.first_response_at is not None  # the agent's reply, sent by their macro
    assert AuditEntry.objects.filter(
        ticket=ticket, action="macro", new_value="طلب معلومات", actor=world.agent
    ).exists()


def test_a_macro_on_a_selection_skips_the_tickets_the_agent_may_not_see(
    world: Any, waiting: tuple[CannedResponse, Macro]
) -> None:
    _, macro = waiting
    macro.actions = [{"type": "set_status", "value": "pending"}, {"type": "add_tag", "value": "جماعي"}]
    macro.save()
    covered = world.ticket(category=Category.ACCOUNT_ACCESS)
    hidden = world.ticket(category=Category.TRANSFER)  # the vendor team does not cover transfers
    client = world.client_for(world.vendor_agent)
    response = client.post(
        f"{BASE}macros/bulk/", {"macro": macro.pk, "ids": [covered.pk, hidden.pk], "next": "/workspace/"}
    )
    assert response.status_code == 302
    covered.refresh_from_db()
    hidden.refresh_from_db()
    assert covered.status == Status.PENDING and hidden.status == Status.NEW
    assert not hidden.tags.exists()
    bar = client.get(f"{BASE}macros/bulk-bar/").content.decode()
    assert 'form="bulk-form"' in bar and "طلب معلومات" in bar


def test_personal_and_team_items_are_seen_only_by_their_owner_and_team(world: Any) -> None:
    mine = macros.macro_save(actor=world.agent, name="خاص بي", actions=[{"type": "add_tag", "value": "x"}])
    canned = macros.canned_save(actor=world.supervisor, title="فريقي", body="نص", scope=Scope.TEAM)
    ticket = world.ticket()
    assert (
        world.client_for(world.vendor_agent).post(f"{BASE}tickets/{ticket.pk}/macros/{mine.pk}/").status_code
        == 404
    )
    assert world.client_for(world.supervisor).get(f"{BASE}macros/{mine.pk}/").status_code == 404
    assert list(macros.canned_for(world.agent)) == [canned]  # the supervisor's team (in-house)
    assert list(macros.canned_for(world.vendor_agent)) == []
    assert world.client_for(world.parent_user).get(f"{BASE}canned/").status_code == 404


def test_an_agent_cannot_write_everyones_responses_and_nothing_is_saved(world: Any) -> None:
    response = world.client_for(world.agent).post(
        f"{BASE}canned/new/", {"title": "عام", "body": "نص", "category": "", "scope": "global"}
    )
    assert response.status_code == 400
    assert not CannedResponse.objects.exists()
    ok = world.client_for(world.agent).post(
        f"{BASE}canned/new/", {"title": "خاص", "body": "نص", "category": "", "scope": "personal"}
    )
    assert ok.status_code == 302
    assert CannedScope.objects.get().owner == world.agent


def test_an_invalid_macro_says_why_and_saves_nothing(world: Any) -> None:
    response = world.client_for(world.agent).post(
        f"{BASE}macros/new/",
        {"name": "سيئ", "scope": "personal", "a0_type": "set_status", "a0_value": "deleted"},
    )
    assert response.status_code == 400
    assert "ليست من القيم المسموح" in response.content.decode()
    assert not Macro.objects.exists()


def test_the_slash_picker_searches_arabic_normalized_and_fills_placeholders(
    world: Any, waiting: tuple[CannedResponse, Macro]
) -> None:
    macros.canned_save(
        actor=world.agent,
        title="إعادة تعيين كلمة المرور",
        body="مرحبًا {{contact.name}}",
        scope=Scope.PERSONAL,
    )
    ticket = world.ticket()
    client = world.client_for(world.agent)
    results = client.get(f"{BASE}tickets/{ticket.pk}/canned/", {"q": "كلمه المرور"}).json()["results"]
    assert [r["title"] for r in results] == ["إعادة تعيين كلمة المرور"]
    assert results[0]["text"] == "مرحبًا أحمد القحطاني"
    assert len(client.get(f"{BASE}tickets/{ticket.pk}/canned/").json()["results"]) == 2
    transfer = world.ticket(category=Category.TRANSFER)
    assert world.client_for(world.vendor_agent).get(f"{BASE}tickets/{transfer.pk}/canned/").status_code == 404
    page = client.get(f"/workspace/tickets/{ticket.pk}/").content.decode()
    assert (
        f'data-canned-picker="{BASE}tickets/{ticket.pk}/canned/"' in page and "automation/picker.js" in page
    )


def test_the_api_lists_creates_and_refuses_in_both_languages(world: Any) -> None:
    client = world.client_for(world.agent)
    created = client.post(
        "/api/v1/automation/canned-responses",
        json.dumps({"title": "شكر", "body": "شكرًا لتواصلك", "scope": "personal"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listed = client.get("/api/v1/automation/canned-responses", {"q": "شكرا"}).json()
    assert [(c["title"], c["scope"]) for c in listed] == [("شكر", "personal")]
    refused = client.post(
        "/api/v1/automation/canned-responses",
        json.dumps({"title": "عام", "body": "نص", "scope": "global"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message_ar"] and refused.json()["error"]["message_en"]
    assert (
        world.client_for(world.parent_user).get("/api/v1/automation/canned-responses").status_code == 403
    )  # refused before anything is read (config/api.py STAFF_AUTH)
    canned_id = created.json()["id"]
    assert (
        world.client_for(world.vendor_agent)
        .delete(f"/api/v1/automation/canned-responses/{canned_id}")
        .status_code
        == 404
    )
    assert client.delete(f"/api/v1/automation/canned-responses/{canned_id}").status_code == 204
