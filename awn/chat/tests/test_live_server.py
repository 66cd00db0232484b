"""Live chat against a real uvicorn server with real `websockets` clients; the Redis channel layer too."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from typing import Any

import httpx
import pytest
import websockets
from asgiref.sync import async_to_sync

from awn.chat.enums import ChatStatus
from awn.chat.models import LiveSession
from awn.tickets.enums import Direction
from awn.tickets.models import Message

from .conftest import session_cookie
from .live import uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


async def _until(ws: Any, kind: str, timeout: float = 10, **match: Any) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame


def _journey(base: str, cookie: str, idle: float = 0) -> None:
    ws_base = base.replace("http", "ws")

    async def scenario() -> None:
        headers = {"Cookie": cookie, "Origin": base}
        async with websockets.connect(f"{ws_base}/ws/agent/", additional_headers=headers) as agent:
            await agent.send(json.dumps({"type": "subscribe", "page": "chats"}))
            await _until(agent, "chats")
            async with httpx.AsyncClient(base_url=base) as http:
                response = await http.post(
                    "/chat/start/",
                    json={"name": "منى", "email": "mona@example.sa", "question": "ابني لا يظهر في حسابي"},
                )
            assert response.status_code == 200, response.text
            token = response.json()["token"]
            queued = await _until(agent, "chat")
            cid = queued["chat"]["id"]
            assert queued["chat"]["status"] == ChatStatus.QUEUED
            async with websockets.connect(
                f"{ws_base}/ws/chat/{token}/", additional_headers={"Origin": base}
            ) as visitor:
                history = await _until(visitor, "history")
                assert history["status"]["position"] == 1
                await asyncio.sleep(idle)  # idle sockets must survive the layer's blocking reads
                await agent.send(json.dumps({"type": "accept", "conversation": cid}))
                await _until(agent, "lines", conversation=cid)
                await _until(visitor, "status", status=ChatStatus.ASSIGNED)
                await visitor.send(json.dumps({"type": "message", "text": "اسمه فهد"}))
                seen = await _until(agent, "line", conversation=cid)
                assert seen["line"]["body"] == "اسمه فهد"
                await agent.send(json.dumps({"type": "reply", "conversation": cid, "text": "تم الربط"}))
                got = await _until(visitor, "line")
                while got["line"]["sender"] != "agent":
                    got = await _until(visitor, "line")
                assert got["line"]["body"] == "تم الربط" and got["line"]["sender"] == "agent"

    async_to_sync(scenario)()


def test_visitor_and_agent_over_a_real_uvicorn_server(world: Any) -> None:
    cookie = session_cookie(world.agent).decode()
    with uvicorn_server() as base:
        _journey(base, cookie)
    ticket = LiveSession.objects.select_related("thread__ticket").get().ticket
    assert Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND, body="تم الربط").exists()


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_the_redis_channel_layer_carries_the_same_journey(world: Any, settings: Any) -> None:
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (required when CI=true)")
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:6379/15", "socket_timeout": None}],
                "prefix": f"awn-test-{os.getpid()}",
            },
        }
    }
    channel_layers.backends.clear()
    from channels_redis.core import RedisChannelLayer

    assert isinstance(channel_layers["default"], RedisChannelLayer)
    cookie = session_cookie(world.agent).decode()
    with uvicorn_server() as base:
        _journey(base, cookie, idle=6)  # longer than redis-py 8's default 5 s read timeout
