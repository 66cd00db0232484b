"""A reply's delivery status reaches the open ticket page's socket as the provider reports it (sent by the
channel, then WhatsApp's "delivered" and "read" callbacks): ids only, the page fetches the message again."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers

from awn.connectors.models import OutboundMessage
from awn.realtime.tests.conftest import agent_page
from awn.tickets.models import Ticket

from .conftest import load


def _status(name: str, provider_id: str) -> dict:
    payload = load(name)
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = provider_id
    return payload


@pytest.mark.django_db(transaction=True)
def test_delivery_statuses_reach_the_open_ticket_page(
    world: Any, inboxes: Any, deliver: Any, reply: Any
) -> None:
    channel_layers.backends.clear()
    deliver(inboxes["whatsapp"], load("whatsapp/text.json"))
    ticket = Ticket.objects.get(channel="whatsapp")
    client = world.client_for(world.agent)

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        page = await sync_to_async(agent_page)(world.supervisor)
        await page.open("ticket", ticket.pk)
        await sync_to_async(reply)(client, ticket.pk, "تمت المعالجة")
        on_reply = await page.frames()
        outbound = await sync_to_async(OutboundMessage.objects.get)()
        await sync_to_async(deliver)(
            inboxes["whatsapp"], _status("whatsapp/status_delivered.json", outbound.provider_message_id)
        )
        delivered = await page.frames()
        await sync_to_async(deliver)(
            inboxes["whatsapp"], _status("whatsapp/status_read.json", outbound.provider_message_id)
        )
        read = await page.frames()
        await page.disconnect()
        return on_reply, delivered, read

    on_reply, delivered, read = async_to_sync(scenario)()
    message = OutboundMessage.objects.get().message_id
    t = ticket.pk
    delivery = {"type": "delivery", "ticket": t, "message": message}
    assert {"type": "message", "ticket": t, "message": message} in on_reply
    assert delivery in on_reply  # sent by the channel
    assert delivered == [delivery]
    assert read == [delivery]
    page = client.get(f"/workspace/tickets/{t}/messages/{message}/").content.decode()
    assert 'data-status="read"' in page
    channel_layers.backends.clear()
