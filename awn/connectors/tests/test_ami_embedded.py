"""One-process mode (`bin/awn up`): the AMI listener runs inside the web process, so the pop for the answering
agent reaches a socket of this process through the in-memory channel layer — no Redis, no second process."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from awn.connectors.providers.asterisk.embedded import start_embedded_listener, stop_embedded_listener
from awn.connectors.services import inbox_save
from awn.realtime.groups import user_group
from awn.tickets.enums import Channel
from awn.tickets.models import Ticket

from .ami_server import AmiServer
from .mailservers import free_port
from .test_ami import AMI_SECRET, AMI_USER, answered_call


@pytest.mark.django_db(transaction=True)
def test_the_listener_in_the_web_process_pops_the_caller_on_its_own_sockets(world: Any) -> None:
    port = free_port()
    inbox_save(
        inbox=None,
        name="مقسم أستريسك",
        kind="asterisk",
        settings={
            "ami_host": "127.0.0.1",
            "ami_port": str(port),
            "ami_username": AMI_USER,
            "inbound_contexts": "from-trunk",
            "ivr_categories": '{"2": "results_certificates"}',
            "agent_extensions": '{"PJSIP/1001": "agent"}',
        },
        secrets={"ami_secret": AMI_SECRET},
    )
    server = AmiServer(username=AMI_USER, secret=AMI_SECRET, script=answered_call(), port=port)
    layer = get_channel_layer()

    async def agent_screen() -> dict[str, Any]:
        """An agent's socket in this process waits for the pop while the PBX reports an answered call."""
        await server.start()
        mine = await layer.new_channel()
        await layer.group_add(user_group(world.agent.pk), mine)
        assert start_embedded_listener(reload_seconds=0.05, backoff_start=0.02, timeout=5)
        assert not start_embedded_listener()  # one listener per process
        try:
            return await asyncio.wait_for(layer.receive(mine), timeout=30)
        finally:
            await asyncio.get_running_loop().run_in_executor(None, stop_embedded_listener)
            await layer.group_discard(user_group(world.agent.pk), mine)
            await server.stop()

    pop = async_to_sync(agent_screen)()
    ticket = Ticket.objects.get(channel=Channel.PHONE)
    assert pop["data"] == {"type": "notification", "kind": "call", "ticket": ticket.pk}
    assert ticket.requester_id == world.parent.pk
