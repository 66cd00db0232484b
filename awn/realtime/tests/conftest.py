"""Live screens test helpers: the real ASGI application and channel layer, agents signed in by session cookie,
WhatsApp webhooks signed as the provider signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from channels.layers import channel_layers
from django.test import Client

from awn.accounts.models import User

# channels.testing, through the chat helpers, which stand in for Daphne's live-server class it imports.
from awn.chat.tests.conftest import ORIGIN, WebsocketCommunicator, session_cookie
from awn.connectors.models import Inbox
from awn.connectors.services import inbox_save
from awn.realtime import services

WA_APP_SECRET = "rt-wa-app-secret"
WA_PHONE_ID = "106540352242922"


@pytest.fixture(autouse=True)
def _fresh_layer() -> Iterator[None]:
    channel_layers.backends.clear()
    services.forget_queue_frames()
    yield
    channel_layers.backends.clear()


class AgentPage(WebsocketCommunicator):
    """A workspace page's agent socket: connected, then subscribed to what the page shows."""

    async def open(self, page: str = "other", ticket: int | None = None) -> dict[str, Any]:
        connected, code = await self.connect()
        assert connected, code
        return await self.show(page, ticket)

    async def show(self, page: str, ticket: int | None = None) -> dict[str, Any]:
        await self.send_json_to({"type": "subscribe", "page": page, "ticket": ticket})
        frames = []
        while True:
            frame = await self.receive_json_from(timeout=5)
            frames.append(frame)
            if frame["type"] == "subscribed":
                return {"subscribed": frame, "before": frames[:-1]}

    async def frames(self, timeout: float = 0.5) -> list[dict[str, Any]]:
        """Every frame that arrives until none has for `timeout` seconds."""
        got = []
        while not await self.receive_nothing(timeout=timeout):
            got.append(await self.receive_json_from(timeout=1))
        return got

    async def until(self, kind: str, timeout: float = 5, **match: Any) -> dict[str, Any]:
        while True:
            frame = await self.receive_json_from(timeout=timeout)
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame


def agent_page(user: User | None, origin: tuple[bytes, bytes] = ORIGIN) -> AgentPage:
    from config.asgi import application

    headers = [origin] + ([(b"cookie", session_cookie(user))] if user else [])
    return AgentPage(application, "/ws/agent/", headers=headers)


@pytest.fixture
def whatsapp(db: None) -> Inbox:
    return inbox_save(
        inbox=None,
        name="واتساب الدعم",
        kind="whatsapp",
        api_base_url="http://127.0.0.1:9/wa/v21.0",  # replies are not sent in these tests
        settings={"phone_number_id": WA_PHONE_ID},
        secrets={"access_token": "unused", "app_secret": WA_APP_SECRET, "verify_token": "v"},
    )


def whatsapp_body(text: str, wamid: str, sender: str = "966501234567", name: str = "أحمد القحطاني") -> bytes:
    """A WhatsApp Cloud API text message webhook, as in awn/connectors/tests/fixtures/whatsapp/text.json."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "966920000000",
                                "phone_number_id": WA_PHONE_ID,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": wamid,
                                    "timestamp": "1763800000",
                                    "text": {"body": text},
                                    "type": "text",
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def whatsapp_signature(body: bytes, secret: str = WA_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_whatsapp(inbox: Inbox, text: str, wamid: str, **kw: Any) -> int:
    body = whatsapp_body(text, wamid, **kw)
    response = Client().post(
        f"/hooks/{inbox.uuid}/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": whatsapp_signature(body)},
    )
    return response.status_code
