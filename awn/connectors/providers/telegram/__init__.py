"""Telegram Bot API: webhooks carrying X-Telegram-Bot-Api-Secret-Token, `sendMessage` / `sendDocument`."""

from __future__ import annotations

import json
import mimetypes
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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
    WebhookRequest,
)
from ...http import post_multipart, request_bytes, request_json
from ...signatures import shared_token_valid

if TYPE_CHECKING:
    from ...models import Inbox


class TelegramConnector(Connector):
    kind = "telegram"
    label = _("Telegram")
    icon = "telegram"
    channel = "telegram"
    channel_kind = ChannelKind("telegram", _("Telegram"), "telegram", frozenset({INBOUND, REPLIES}), order=50)
    default_api_base = "https://api.telegram.org"
    api_base_env = "AWN_TELEGRAM_API_BASE"
    secret_fields = (
        SecretField("bot_token", _("Bot token")),
        SecretField(
            "secret_token",
            _("Webhook secret token"),
            _("The secret_token given to setWebhook; every webhook must carry it."),
        ),
    )

    def _bot(self, inbox: Inbox) -> str:
        return f"{self.api_base(inbox)}/bot{self.secret(inbox, 'bot_token')}"

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        return shared_token_valid(self.secret(inbox, "secret_token"), given)

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        try:
            update = json.loads(body)
            update_id = int(update["update_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedPayload("not a Telegram Update") from exc
        return [RawItem(str(update_id), update)]

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | None:
        message: dict[str, Any] | None = payload.get("message")
        text = ""
        if message is None and payload.get("callback_query"):
            query = payload["callback_query"]
            message = {**(query.get("message") or {}), "from": query.get("from") or {}}
            text = str(query.get("data", ""))
        if not isinstance(message, dict) or "chat" not in message or "from" not in message:
            return None  # edited messages, channel posts, member updates: not conversation
        sender = message["from"]
        if sender.get("is_bot"):
            return None
        text = text or message.get("text") or message.get("caption") or ""
        media: tuple[MediaRef, ...] = ()
        if message.get("document"):
            doc = message["document"]
            media = (MediaRef(doc.get("file_id", ""), doc.get("file_name", ""), doc.get("mime_type", "")),)
        elif message.get("photo"):
            largest = message["photo"][-1]
            media = (
                MediaRef(
                    largest.get("file_id", ""), f"{largest.get('file_unique_id', 'photo')}.jpg", "image/jpeg"
                ),
            )
        shared_phone = ""
        contact = message.get("contact")
        if contact and contact.get("user_id") == sender.get("id"):
            shared_phone = str(contact.get("phone_number", ""))
            text = text or shared_phone
        if not text and not media:
            return None
        name = " ".join(p for p in (sender.get("first_name", ""), sender.get("last_name", "")) if p)
        date = message.get("date")
        return InboundMessage(
            external_id=str(payload.get("update_id", "")),
            address=str(message["chat"]["id"]),
            identity=str(sender["id"]),
            name=name or str(sender.get("username", "")),
            text=text,
            media=media,
            shared_phone=shared_phone,
            sent_at=datetime.fromtimestamp(int(date), tz=UTC) if isinstance(date, int) else None,
        )

    def fetch_media(self, inbox: Inbox, media: MediaRef) -> IncomingFile:
        answer = request_json("GET", f"{self._bot(inbox)}/getFile?file_id={quote(media.ref)}")
        path = (answer or {}).get("result", {}).get("file_path") if isinstance(answer, dict) else None
        if not path:
            raise SendError("getFile returned no file_path", retryable=False)
        url = f"{self.api_base(inbox)}/file/bot{self.secret(inbox, 'bot_token')}/{path}"
        content = request_bytes(url, limit=settings.AWN_ATTACHMENT_MAX_BYTES + 1)
        return IncomingFile(name=media.filename or path.rsplit("/", 1)[-1], content=content)

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        answer = request_json(
            "POST",
            f"{self._bot(inbox)}/sendMessage",
            payload={"chat_id": outgoing.address, "text": outgoing.text[:4096]},
        )
        first = _message_id(answer)
        for attachment in outgoing.attachments:
            mime = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
            _message_id(
                post_multipart(
                    f"{self._bot(inbox)}/sendDocument",
                    {"chat_id": outgoing.address},
                    "document",
                    attachment.name,
                    attachment.content,
                    mime,
                )
            )
        return first


def _message_id(answer: Any) -> str:
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise SendError(f"Telegram refused: {str(answer)[:200]}", retryable=False)
    try:
        return str(answer["result"]["message_id"])
    except (KeyError, TypeError) as exc:
        raise SendError("the Bot API answer has no message_id", retryable=False) from exc
