"""Phone (CTI) intake: signed call events from a PBX through the webhook, as the PBX would post them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.test import Client

from awn.accounts.services import api_token_create
from awn.connectors.enums import EventStatus
from awn.connectors.models import Conversation, InboundEvent, OutboundMessage
from awn.crm.models import Contact
from awn.notifications.models import Notification
from awn.realtime.groups import user_group
from awn.realtime.models import AgentNotification
from awn.tickets.enums import Channel, MessageKind, Priority, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message

from .conftest import sign

CALL = "1732291200.9001"
UNKNOWN = "+966555000111"


def _event(n: int, kind: str, *, call: str = CALL, caller: str = UNKNOWN, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"{call}-{n}",
        "type": kind,
        "call_id": call,
        "caller": caller,
        "at": "2026-11-22T16:00:00+03:00",
        **extra,
    }


def _call_ticket() -> Ticket:
    return Ticket.objects.get(channel=Channel.PHONE)


def test_forged_signature_is_401_and_writes_nothing(world, inboxes, deliver) -> None:
    contacts = Contact.objects.count()
    assert deliver(inboxes["phone"], _event(1, "ringing"), secret="wrong").status_code == 401
    assert deliver(inboxes["phone"], _event(1, "ringing"), signed=False).status_code == 401
    body = json.dumps(_event(1, "ringing")).encode()
    bare_hex = sign("phone", body)["X-Awn-Signature"].removeprefix("sha256=")  # the prefix is required
    response = Client().post(
        f"/hooks/{inboxes['phone'].uuid}/",
        data=body,
        content_type="application/json",
        headers={"X-Awn-Signature": bare_hex},
    )
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0
    assert not Ticket.objects.exists()
    assert Contact.objects.count() == contacts


def test_duplicate_event_is_a_no_op(world, inboxes, deliver) -> None:
    assert deliver(inboxes["phone"], _event(1, "ringing")).json() == {"stored": 1, "duplicates": 0}
    assert deliver(inboxes["phone"], _event(1, "ringing")).json() == {"stored": 0, "duplicates": 1}
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_ring_answer_end_logs_one_ticket_on_the_new_callers_timeline(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "ringing"))
    deliver(inboxes["phone"], _event(2, "answered", agent="agent"))
    deliver(inboxes["phone"], _event(3, "ended", duration=205))
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == 3
    ticket = _call_ticket()
    call = (
        Conversation.objects.get()
    )  # the call is the ticket's one conversation, threaded by the PBX's call id
    assert (call.ticket_id, call.inbox_id, call.external_id) == (ticket.pk, inboxes["phone"].pk, CALL)
    assert call.address == UNKNOWN  # the caller's number
    contact = Contact.objects.get(phone=UNKNOWN)  # an unknown caller gets a profile named by the number
    assert contact.name == UNKNOWN
    assert ticket.requester_id == contact.pk
    lines = list(ticket.messages.order_by("id").values_list("kind", "body"))
    assert lines == [
        (MessageKind.REPLY, f"مكالمة واردة من {UNKNOWN}"),
        (MessageKind.NOTE, "تم الرد من هند"),
        (MessageKind.NOTE, "انتهت المكالمة — المدة 3:25"),
    ]
    assert ticket.subject == f"مكالمة هاتفية من {UNKNOWN}"
    # The call shows on the contact's timeline (the CRM API an agent's screen reads).
    _token, key = api_token_create(user=world.agent, name="cti-test")
    timeline = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(
        f"/api/v1/crm/contacts/{contact.pk}/timeline", {"limit": 100}
    )
    assert timeline.status_code == 200
    details = [item["detail"] for item in timeline.json()["items"]]
    assert "تم الرد من هند" in details
    assert "انتهت المكالمة — المدة 3:25" in details
    # A second call from the same number is a new ticket for the same contact.
    deliver(inboxes["phone"], _event(1, "ringing", call="1732291999.1"))
    assert Ticket.objects.filter(channel=Channel.PHONE, requester=contact).count() == 2
    assert Contact.objects.filter(phone=UNKNOWN).count() == 1


def test_missed_call_becomes_a_call_back_task_in_the_queue(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "ringing"))
    deliver(inboxes["phone"], _event(2, "missed"))
    ticket = _call_ticket()
    assert ticket.status == Status.OPEN
    assert ticket.priority == Priority.HIGH
    assert list(ticket.tags.values_list("name", flat=True)) == ["معاودة الاتصال"]
    last = list(ticket.messages.order_by("id").values_list("body", flat=True))[-1]
    assert last == f"مكالمة فائتة — عاود الاتصال بالرقم {UNKNOWN}"
    queue = world.client_for(world.agent).get("/workspace/", {"status": "open"})
    assert queue.status_code == 200
    assert f"/workspace/tickets/{ticket.pk}/" in queue.content.decode()


def test_abandoned_call_alone_still_becomes_a_call_back_task(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "abandoned"))
    ticket = _call_ticket()
    assert (ticket.status, ticket.priority) == (Status.OPEN, Priority.HIGH)
    assert ticket.tags.filter(name="معاودة الاتصال").exists()


def test_ivr_digit_maps_to_the_category(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "ringing", ivr="2"))
    ticket = _call_ticket()
    assert ticket.category == "results_certificates"
    assert ticket.messages.get().body == f"مكالمة واردة من {UNKNOWN}\nخيار القائمة: 2"
    deliver(inboxes["phone"], _event(1, "ringing", call="c2", ivr="9"))  # a digit not in the map
    assert Ticket.objects.exclude(pk=ticket.pk).get(channel=Channel.PHONE).category == "other"
    deliver(inboxes["phone"], _event(1, "ringing", call="c3"))  # the menu choice comes with a later event
    deliver(inboxes["phone"], _event(2, "answered", call="c3", ivr="1", agent="ext-1"))
    assert Ticket.objects.get(subject__isnull=False, messages__body__contains="ext-1").category == (
        "account_access"
    )


def test_caller_matched_to_the_existing_contact_by_phone(world, inboxes, deliver) -> None:
    contacts = Contact.objects.count()
    deliver(inboxes["phone"], _event(1, "ringing", caller="+966501234567"))  # the parent's number
    assert _call_ticket().requester_id == world.parent.pk
    deliver(inboxes["phone"], _event(1, "ringing", call="c2", caller="966501234567"))  # without the plus
    assert Ticket.objects.filter(channel=Channel.PHONE, requester=world.parent).count() == 2
    assert Contact.objects.count() == contacts


def test_a_reply_on_a_call_ticket_goes_by_email_not_through_the_phone_inbox(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "ringing", caller="+966501234567"))  # the parent's number
    ticket = _call_ticket()
    assert Conversation.objects.get(ticket=ticket).external_id == CALL
    ticket_add_message(ticket=ticket, body="سنعاود الاتصال بك غدًا", actor=world.agent)
    assert not OutboundMessage.objects.exists()  # a phone inbox sends no written reply
    assert Notification.objects.filter(ticket_id=ticket.pk, to_email="parent@example.sa").count() == 1


async def _receive(layer: Any, channel: str) -> dict[str, Any]:
    return await asyncio.wait_for(layer.receive(channel), timeout=2)


def test_answer_pops_the_caller_on_the_answering_agents_screen(world, inboxes, deliver) -> None:
    layer = get_channel_layer()
    mine = async_to_sync(layer.new_channel)()
    someone_else = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(world.agent.pk), mine)
    async_to_sync(layer.group_add)(user_group(world.supervisor.pk), someone_else)
    try:
        deliver(inboxes["phone"], _event(1, "ringing", caller="+966501234567"))
        deliver(inboxes["phone"], _event(2, "answered", caller="+966501234567", agent="agent"))
        ticket = _call_ticket()
        received = async_to_sync(_receive)(layer, mine)
        assert received["type"] == "realtime.event"
        # Ids only: the page fetches the notification (the caller's name, the ticket's link) through a view.
        assert received["data"] == {"type": "notification", "kind": "call", "ticket": ticket.pk}
        pop = AgentNotification.objects.get()
        assert (pop.user_id, pop.kind, pop.ticket_id) == (world.agent.pk, "call", ticket.pk)
        try:
            extra = async_to_sync(_receive)(layer, someone_else)
        except TimeoutError:
            extra = None
        assert extra is None  # only the answering agent's screen
    finally:
        async_to_sync(layer.group_discard)(user_group(world.agent.pk), mine)
        async_to_sync(layer.group_discard)(user_group(world.supervisor.pk), someone_else)


def test_answer_by_an_extension_logs_it_without_a_pop(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "answered", agent="ext-204"))
    assert _call_ticket().messages.get().body == "تم الرد من ext-204"


def test_malformed_call_events_are_refused(world, inboxes, deliver) -> None:
    for bad in (
        {k: v for k, v in _event(1, "ringing").items() if k != "call_id"},
        _event(1, "transferred"),
        {**_event(1, "ringing"), "caller": ""},
    ):
        assert deliver(inboxes["phone"], bad).status_code == 400
    assert InboundEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_pop_reaches_the_agents_open_websocket(world, inboxes, deliver) -> None:
    """Through the real ASGI app: the agent's /ws/agent/ socket forwards the call frame to the browser."""
    from awn.chat.tests.conftest import agent_socket

    channel_layers.backends.clear()  # a fresh in-memory layer, as the chat tests use

    async def scenario() -> dict[str, Any]:
        ws = await sync_to_async(agent_socket)(world.agent)
        assert (await ws.connect())[0]
        try:
            await sync_to_async(deliver)(inboxes["phone"], _event(1, "answered", agent="agent"))
            while True:
                frame = await ws.receive_json_from(timeout=5)
                if frame.get("type") == "notification":
                    return frame
        finally:
            await ws.disconnect()

    frame = async_to_sync(scenario)()
    ticket = _call_ticket()
    assert frame == {"type": "notification", "kind": "call", "ticket": ticket.pk}
    channel_layers.backends.clear()


def test_the_pop_shows_in_the_agents_notifications_on_any_workspace_page(world, inboxes, deliver) -> None:
    deliver(inboxes["phone"], _event(1, "answered", caller="+966501234567", agent="agent"))
    ticket = _call_ticket()
    client = world.client_for(world.agent)
    page = client.get("/workspace/contacts/").content.decode()
    assert 'data-testid="notifications-menu"' in page and 'data-testid="toasts"' in page
    listing = client.get("/workspace/notifications/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert 'data-kind="call"' in html and "مكالمة واردة" in html and world.parent.name in html
    assert "افتح تذكرة المتصل" in html and f'href="/workspace/tickets/{ticket.pk}/"' in html
    # Nobody else is told of this call.
    other = world.client_for(world.supervisor).get("/workspace/notifications/").content.decode()
    assert 'data-kind="call"' not in other
