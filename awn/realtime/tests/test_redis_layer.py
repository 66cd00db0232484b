"""With several processes (Celery workers, several ASGI servers) pushes go through channels-redis: a change made
in a thread outside any event loop (as in a Celery worker) reaches an agent socket served elsewhere."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers

from awn.tickets.models import Message
from awn.tickets.services import ticket_add_message

from .conftest import agent_page

pytestmark = pytest.mark.django_db(transaction=True)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_layer(settings: Any) -> Iterator[None]:
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (required when CI=true)")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:6379/15", "socket_timeout": None}],
                "prefix": f"awn-rt-test-{os.getpid()}",
            },
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_a_push_from_a_worker_thread_reaches_the_socket_through_redis(world: Any, redis_layer: None) -> None:
    from channels_redis.core import RedisChannelLayer

    assert isinstance(channel_layers["default"], RedisChannelLayer)
    ticket = world.ticket()

    def worker_job() -> None:
        """What a Celery task does: a service call in a plain thread, no event loop; the push leaves on commit."""
        ticket_add_message(ticket=ticket, body="من العامل", actor=world.parent_user)

    async def scenario() -> list[dict]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        thread = threading.Thread(target=worker_job)
        thread.start()
        await sync_to_async(thread.join)()
        frame = await agent.until("message", timeout=10)
        await agent.disconnect()
        return [frame]

    frames = async_to_sync(scenario)()
    assert frames == [
        {"type": "message", "ticket": ticket.pk, "message": Message.objects.get(body="من العامل").pk}
    ]
