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
from awn.chat.models import Conversation

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


def conversation_of(token: str) -> Conversation:
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


def agent_socket(user: User | None) -> WebsocketCommunicator:
    from config.asgi import application

    headers = [ORIGIN] + ([(b"cookie", session_cookie(user))] if user else [])
    return WebsocketCommunicator(application, "/ws/agent/", headers=headers)


async def receive_until(
    ws: WebsocketCommunicator, kind: str, timeout: float = 5, **match: Any
) -> dict[str, Any]:
    """Frames until one of type `kind` (and matching fields) arrives; others are skipped."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame
