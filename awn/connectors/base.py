"""The one interface every channel implements, and the neutral shapes that cross it.

A connector is stateless code for one channel kind; an Inbox row holds one account's settings and secrets.
Webhook channels implement verify_request + split_events; polled channels (email) implement poll; both
implement parse_inbound (raw item → InboundMessage / StatusUpdate / None) and send.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise

from awn.core.channels import REPLIES, ChannelKind
from awn.tickets.attachments import IncomingFile

if TYPE_CHECKING:
    from awn.crm.models import Contact
    from awn.tickets.models import Message, Ticket

    from .models import Inbox


class MalformedPayload(Exception):
    """The body is not what the provider sends: refused with 400, nothing stored."""


class SendError(Exception):
    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the provider asked us to wait (HTTP 429/503 Retry-After)


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class RawItem:
    """One unit of work cut from a webhook body (a message, a status, an update), keyed for dedupe."""

    external_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class MediaRef:
    ref: str  # provider media id / file id
    filename: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class InboundMessage:
    external_id: str
    address: str  # where replies go: wa_id, Telegram chat id
    identity: str  # who wrote: wa_id, Telegram user id
    name: str = ""
    phone: str = ""  # E.164 or raw digits when the channel knows it
    text: str = ""
    media: tuple[MediaRef, ...] = ()
    shared_phone: str = ""  # a phone number the user shared about themself (Telegram contact)
    sent_at: datetime | None = None
    # Email: the sender's address, the subject, Message-IDs this one answers (In-Reply-To, References, newest
    # first) and attachments carried inside the message itself (checked like downloaded media).
    email: str = ""
    subject: str = ""
    thread_refs: tuple[str, ...] = ()
    files: tuple[IncomingFile, ...] = ()


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str  # a DeliveryStatus value
    error: str = ""


@dataclass(frozen=True)
class Outgoing:
    address: str
    text: str
    attachments: tuple[IncomingFile, ...] = ()
    template: str = ""  # send as this approved template (WhatsApp, outside the 24-hour window)
    template_language: str = "ar"
    ticket_id: int | None = None  # the thread the reply belongs to (email: subject and threading headers)
    message_id: int | None = None  # the reply (email: its Message-ID stays the same across retries)


@dataclass(frozen=True)
class SecretField:
    name: str
    label: object
    help: object = ""


@dataclass
class SettingField:
    name: str
    label: object
    help: object = ""
    required: bool = False
    choices: list[str] = field(default_factory=list)
    max_length: int = 200  # longer values (a JSON map) get a text area


class Connector:
    # The inbox kind this connector serves: its code (stored on Inbox.kind), label and icon on the inbox pages.
    kind: ClassVar[str]
    label: ClassVar[str | Promise]
    icon: ClassVar[str] = "plug"
    channel: ClassVar[str]  # the registered channel code written on tickets and messages
    # The channel this connector brings, registered when Django starts (None: one registered elsewhere, e.g. the
    # fake connector's "api"). Several connectors may bring the same one (CTI and Asterisk: phone).
    channel_kind: ClassVar[ChannelKind | None] = None
    default_api_base: ClassVar[str] = ""
    api_base_env: ClassVar[str] = ""
    secret_fields: ClassVar[tuple[SecretField, ...]] = ()
    setting_fields: ClassVar[tuple[SettingField, ...]] = ()
    # WhatsApp's customer-service window: free-form replies only within this many hours of the last inbound.
    reply_window_hours: ClassVar[int | None] = None
    polls: ClassVar[bool] = False  # True for channels fetched by the worker (email), not pushed by webhooks
    # Chat channels thread a message into the open ticket of its address; email threads by headers only.
    threads_by_address: ClassVar[bool] = True
    # Channels whose raw items are not conversation messages (phone call events) apply them with apply_event
    # instead of parse_inbound + threading.
    applies_events: ClassVar[bool] = False
    # An agent's public reply goes back through this channel (not a phone inbox: its tickets are answered by
    # the portal/email notification).
    sends_replies: ClassVar[bool] = True
    # An admin adds inboxes of this kind (not web chat: its one inbox is created with it).
    added_by_admins: ClassVar[bool] = True

    def inbox_kind(self, order: int = 100) -> ChannelKind:
        """This connector's entry in the inbox-kind registry; its capabilities say how it works."""
        flags = {
            "polls": self.polls,
            "threads_by_address": self.threads_by_address,
            "applies_events": self.applies_events,
            "reply_window": self.reply_window_hours is not None,
            REPLIES: self.sends_replies,
        }
        return ChannelKind(
            self.kind, self.label, self.icon, frozenset(k for k, on in flags.items() if on), order=order
        )

    def api_base(self, inbox: Inbox) -> str:
        return (inbox.api_base_url or os.environ.get(self.api_base_env, "") or self.default_api_base).rstrip(
            "/"
        )

    def secret(self, inbox: Inbox, name: str) -> str:
        from .secrets import decrypt_secrets

        return decrypt_secrets(inbox.secrets_encrypted).get(name, "")

    def clean_settings(self, settings: dict[str, str]) -> None:
        """Raise ValidationError(field=…) for a setting value this connector cannot use (a broken JSON map)."""

    def handshake(self, inbox: Inbox, request: WebhookRequest) -> str | None:
        """Answer to a provider's GET verification (WhatsApp hub.challenge), or None to refuse."""
        return None

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        raise NotImplementedError

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        """Cut a verified webhook body into raw items; raise MalformedPayload when it is not one."""
        raise NotImplementedError

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | StatusUpdate | None:
        raise NotImplementedError

    def fetch_media(self, inbox: Inbox, media: MediaRef) -> IncomingFile:
        raise NotImplementedError

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        """Send and return the provider's message id; raise SendError."""
        raise NotImplementedError

    def find_ticket(self, inbox: Inbox, parsed: InboundMessage, contact: Contact) -> Ticket | None:
        """The ticket a message continues by the channel's own threading (email headers), else None."""
        return None

    def apply_event(self, inbox: Inbox, payload: dict[str, Any]) -> Message | None:
        """Apply one raw item inside the transaction that marks it done (applies_events channels only)."""
        raise NotImplementedError

    def poll(self, inbox: Inbox) -> list[RawItem]:
        """Fetch new raw items for channels without webhooks (email). Webhook channels return nothing."""
        return []
