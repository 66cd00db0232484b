"""A minimal channel for tests and demos: HMAC-signed JSON in, `POST {base}/messages` out.

It also documents the smallest connector a new channel needs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from awn.tickets.attachments import IncomingFile

from ...base import (
    Connector,
    InboundMessage,
    MalformedPayload,
    MediaRef,
    Outgoing,
    RawItem,
    SecretField,
    SendError,
    StatusUpdate,
    WebhookRequest,
)
from ...http import request_bytes, request_json
from ...signatures import hmac_sha256_valid

if TYPE_CHECKING:
    from ...models import Inbox


class FakeConnector(Connector):
    kind = "fake"
    label = _("Test channel")
    icon = "bug"
    channel = "api"
    api_base_env = "AWN_FAKE_API_BASE"
    polls = True  # both pushed (webhook) and fetched (GET {base}/updates), like a mailbox
    secret_fields = (SecretField("signing_secret", _("Signing secret")),)

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        given = request.headers.get("x-fake-signature", "")
        return hmac_sha256_valid(self.secret(inbox, "signing_secret"), request.body, given)

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        try:
            events = json.loads(body)["events"]
            return [RawItem(str(e["id"]), e) for e in events]
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedPayload("expected {events: [{id, ...}]}") from exc

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | StatusUpdate | None:
        if "status" in payload:
            return StatusUpdate(
                str(payload["message_id"]), str(payload["status"]), str(payload.get("error", ""))
            )
        sender = str(payload.get("from", ""))
        if not sender:
            return None
        media = tuple(MediaRef(ref=str(m)) for m in payload.get("media", []))
        return InboundMessage(
            external_id=str(payload["id"]),
            address=sender,
            identity=sender,
            name=str(payload.get("name", "")),
            phone=str(payload.get("phone", "")),
            text=str(payload.get("text", "")),
            media=media,
        )

    def fetch_media(self, inbox: Inbox, media: MediaRef) -> IncomingFile:
        content = request_bytes(
            f"{self.api_base(inbox)}/media/{media.ref}", limit=settings.AWN_ATTACHMENT_MAX_BYTES + 1
        )
        return IncomingFile(name=media.ref, content=content)

    def poll(self, inbox: Inbox) -> list[RawItem]:
        if not self.api_base(inbox):
            return []
        answer = request_json("GET", f"{self.api_base(inbox)}/updates")
        try:
            return [RawItem(str(e["id"]), e) for e in answer["events"]]
        except (KeyError, TypeError) as exc:
            raise MalformedPayload("expected {events: [{id, ...}]}") from exc

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        answer = request_json(
            "POST",
            f"{self.api_base(inbox)}/messages",
            payload={"to": outgoing.address, "text": outgoing.text},
        )
        if not isinstance(answer, dict) or not answer.get("id"):
            raise SendError("no id in the answer", retryable=False)
        return str(answer["id"])
