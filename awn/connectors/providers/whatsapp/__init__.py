"""WhatsApp Cloud API: webhooks signed with X-Hub-Signature-256, Graph API `POST /{phone-number-id}/messages`."""

from __future__ import annotations

import json
import mimetypes
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from awn.core.channels import INBOUND, REPLIES, ChannelKind
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
    SettingField,
    StatusUpdate,
    WebhookRequest,
)
from ...http import post_multipart, request_bytes, request_json
from ...signatures import hmac_sha256_valid, shared_token_valid

if TYPE_CHECKING:
    from ...models import Inbox

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


class WhatsAppConnector(Connector):
    kind = "whatsapp"
    label = _("WhatsApp")
    icon = "whatsapp"
    channel = "whatsapp"
    channel_kind = ChannelKind("whatsapp", _("WhatsApp"), "whatsapp", frozenset({INBOUND, REPLIES}), order=40)
    default_api_base = "https://graph.facebook.com/v21.0"
    api_base_env = "AWN_WHATSAPP_API_BASE"
    reply_window_hours = 24
    secret_fields = (
        SecretField("access_token", _("Access token")),
        SecretField("app_secret", _("App secret"), _("Checks the X-Hub-Signature-256 of every webhook.")),
        SecretField("verify_token", _("Verify token"), _("Answers the webhook subscription check.")),
    )
    setting_fields = (
        SettingField("phone_number_id", _("Phone number id"), required=True),
        SettingField(
            "template_name",
            _("Approved template"),
            _("Sent instead of a free-form reply outside the 24-hour window; its body has one parameter."),
        ),
        SettingField("template_language", _("Template language"), choices=["ar", "en"]),
    )

    def _auth(self, inbox: Inbox) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret(inbox, 'access_token')}"}

    def handshake(self, inbox: Inbox, request: WebhookRequest) -> str | None:
        expected = self.secret(inbox, "verify_token")
        given = request.query.get("hub.verify_token", "")
        if request.query.get("hub.mode") != "subscribe" or not shared_token_valid(expected, given):
            return None
        return request.query.get("hub.challenge", "")

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        header = request.headers.get("x-hub-signature-256", "")
        return hmac_sha256_valid(self.secret(inbox, "app_secret"), request.body, header, prefix="sha256=")

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        try:
            data = json.loads(body)
            changes = [c for entry in data["entry"] for c in entry["changes"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedPayload("not a WhatsApp Business Account webhook") from exc
        if data.get("object") != "whatsapp_business_account":
            raise MalformedPayload("object is not whatsapp_business_account")
        our_number = inbox.settings.get("phone_number_id", "")
        items: list[RawItem] = []
        for change in changes:
            value = change.get("value") or {}
            if not isinstance(value, dict):
                raise MalformedPayload("change value is not an object")
            number = (value.get("metadata") or {}).get("phone_number_id", "")
            if our_number and number and number != our_number:
                continue  # another number of the same business account
            names = {
                c.get("wa_id"): (c.get("profile") or {}).get("name", "") for c in value.get("contacts", [])
            }
            for message in value.get("messages", []):
                if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
                    raise MalformedPayload("message without id or sender")
                payload = {"kind": "message", "message": message, "name": names.get(message["from"], "")}
                items.append(RawItem(str(message["id"])[:200], payload))
            for status in value.get("statuses", []):
                if not isinstance(status, dict) or not status.get("id") or not status.get("status"):
                    raise MalformedPayload("status without id")
                key = f"status:{status['id']}:{status['status']}"[:200]
                items.append(RawItem(key, {"kind": "status", "status": status}))
        return items

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | StatusUpdate | None:
        if payload.get("kind") == "status":
            status = payload["status"]
            mapped = STATUSES.get(status.get("status", ""))
            if mapped is None:
                return None
            errors = status.get("errors") or []
            error = "; ".join(f"{e.get('code', '')} {e.get('title', '')}".strip() for e in errors)
            return StatusUpdate(provider_message_id=status["id"], status=mapped, error=error)
        message: dict[str, Any] = payload["message"]
        kind = message.get("type", "")
        text, media = "", cast(tuple[MediaRef, ...], ())
        if kind == "text":
            text = (message.get("text") or {}).get("body", "")
        elif kind in MEDIA_TYPES:
            item = message.get(kind) or {}
            text = item.get("caption", "")
            media = (
                MediaRef(
                    ref=item.get("id", ""),
                    filename=item.get("filename", ""),
                    mime_type=item.get("mime_type", ""),
                ),
            )
        elif kind == "interactive":
            interactive = message.get("interactive") or {}
            reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
            text = reply.get("title", "")
        elif kind == "button":
            text = (message.get("button") or {}).get("text", "")
        elif kind == "location":
            location = message.get("location") or {}
            text = f"{location.get('name', '')} {location.get('latitude', '')},{location.get('longitude', '')}".strip()
        elif kind == "contacts":
            phones = [p.get("phone", "") for c in message.get("contacts", []) for p in c.get("phones", [])]
            text = " ".join(phones)
        else:
            return None  # reactions, unsupported and system messages are not conversation
        sender = str(message["from"])
        timestamp = message.get("timestamp")
        return InboundMessage(
            external_id=message["id"],
            address=sender,
            identity=sender,
            name=payload.get("name", ""),
            phone="+" + sender if sender.isdigit() else "",
            text=text,
            media=media,
            sent_at=datetime.fromtimestamp(int(str(timestamp)), tz=UTC)
            if str(timestamp or "").isdigit()
            else None,
        )

    def fetch_media(self, inbox: Inbox, media: MediaRef) -> IncomingFile:
        info = request_json("GET", f"{self.api_base(inbox)}/{media.ref}", headers=self._auth(inbox))
        if not isinstance(info, dict) or not info.get("url"):
            raise SendError("media lookup returned no URL", retryable=False)
        content = request_bytes(
            info["url"], headers=self._auth(inbox), limit=settings.AWN_ATTACHMENT_MAX_BYTES + 1
        )
        mime = media.mime_type or info.get("mime_type", "")
        name = media.filename or f"{media.ref}{_extension(mime)}"
        return IncomingFile(name=name, content=content)

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        base = f"{self.api_base(inbox)}/{inbox.settings.get('phone_number_id', '')}"
        envelope = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": outgoing.address}
        if outgoing.template:
            body: dict[str, Any] = {
                "type": "template",
                "template": {
                    "name": outgoing.template,
                    "language": {"code": outgoing.template_language or "ar"},
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": outgoing.text[:1000]}]}
                    ],
                },
            }
        else:
            body = {"type": "text", "text": {"preview_url": False, "body": outgoing.text[:4096]}}
        first = _message_id(
            request_json("POST", f"{base}/messages", payload={**envelope, **body}, headers=self._auth(inbox))
        )
        for attachment in outgoing.attachments:
            mime = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
            uploaded = post_multipart(
                f"{base}/media",
                {"messaging_product": "whatsapp", "type": mime},
                "file",
                attachment.name,
                attachment.content,
                mime,
                headers=self._auth(inbox),
            )
            document = {
                "type": "document",
                "document": {"id": uploaded.get("id", ""), "filename": attachment.name},
            }
            request_json(
                "POST", f"{base}/messages", payload={**envelope, **document}, headers=self._auth(inbox)
            )
        return first


def _message_id(answer: Any) -> str:
    try:
        return str(answer["messages"][0]["id"])
    except (KeyError, IndexError, TypeError) as exc:
        raise SendError("the Graph API answer has no message id", retryable=False) from exc


def _extension(mime: str) -> str:
    base = mime.split(";")[0].strip()
    return (
        {"image/jpeg": ".jpg", "application/pdf": ".pdf"}.get(base) or mimetypes.guess_extension(base) or ""
    )
