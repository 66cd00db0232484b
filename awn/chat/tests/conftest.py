"""Live chat test helpers: real ASGI application, real channel layer, signed-in agents by session cookie."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from channels.layers import channel_layers

try:
    import daphne.testing  # noqa: F401
except ImportError:
    # channels.testing's package root imports its Daphne live-server class, unused here (the live tests run
    # uvicorn, the project's server); Daphne's Twisted stack wants a newer cryptography than the project pins.
    _stub = types.ModuleType("daphne.testing")
    _stub.DaphneProcess = object  # type: ignore[attr-defined]
    sys.modules.setdefault("daphne", types.ModuleType("daphne"))
    sys.modules.setdefault("daphne.testing", _stub)
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from awn.accounts.models import User
from awn.chat.models import LiveSession

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def _fresh_layer() -> Iterator[None]:
    # One in-memory layer per test: groups and queued frames of a previous test never leak in.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def start_chat(client: Client | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": "منى", "email": "mona@example.sa", "question": "ابني لا يظهر في حسابي", **fields}
    response = (client or Client()).post("/chat/start/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def conversation_of(token: str) -> LiveSession:
    from awn.chat.services import conversation_for_token

    conversation = conversation_for_token(token)
    assert conversation is not None
    return conversation


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def visitor_socket(token: str) -> WebsocketCommunicator:
    from config.asgi import application

    return WebsocketCommunicator(application, f"/ws/chat/{token}/", headers=[ORIGIN])


class LiveChatsPage(WebsocketCommunicator):
    """The agent socket of the live chats page: once connected, it says the page is open (as agent.js does) and
    waits until the server has taken note (frames before that are kept for the test to read)."""

    async def connect(self, timeout: float = 1) -> Any:
        self.kept: list[Any] = []
        connected, code = await super().connect(timeout)
        if connected:
            await self.send_json_to({"type": "subscribe", "page": "chats"})
            while True:
                frame = await super().receive_from(timeout=5)
                if json.loads(frame).get("type") == "subscribed":
                    break
                self.kept.append(frame)
        return connected, code

    async def receive_from(self, timeout: float = 1) -> Any:
        if getattr(self, "kept", None):
            return self.kept.pop(0)
        return await super().receive_from(timeout)

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        return not getattr(self, "kept", None) and await super().receive_nothing(timeout, interval)


def agent_socket(user: User | None) -> WebsocketCommunicator:
    from config.asgi import application

    headers = [ORIGIN] + ([(b"cookie", session_cookie(user))] if user else [])
    return LiveChatsPage(application, "/ws/agent/", headers=headers)


async def receive_until(
    ws: WebsocketCommunicator, kind: str, timeout: float = 5, **match: Any
) -> dict[str, Any]:
    """Frames until one of type `kind` (and matching fields) arrives; others are skipped."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame
