"""Web chat: the site's chat widget, as a connector like the others (issue 11 item 4).

The widget talks to Awn over its own socket (awn/chat: consumers, the live session, the assistant's answers), not
through webhooks, so this connector refuses every webhook and sends nothing: an agent's reply reaches the visitor
through the live session. What it brings is the rest of a connector's place in Awn: the "chat" channel on
tickets, an inbox kind (one web-chat inbox, created on first use), and each chat's thread as a conversation of
that inbox (`external_id` = the live session's id), like a WhatsApp chat or a phone call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from awn.core.channels import INBOUND, LIVE, REPLIES, ChannelKind

from ...base import Connector, InboundMessage, MalformedPayload, Outgoing, RawItem, SendError, StatusUpdate

if TYPE_CHECKING:
    from ...base import WebhookRequest
    from ...models import Inbox

KIND = "web_chat"
# Replies in a chat are said live (awn/chat pushes them to the visitor's socket): REPLIES is the channel's.
CHAT_CHANNEL = ChannelKind("chat", _("Live chat"), "chat-dots", frozenset({INBOUND, LIVE, REPLIES}), order=30)


class WebChatConnector(Connector):
    kind = KIND
    label = _("Live chat")
    icon = "chat-dots"
    channel = CHAT_CHANNEL.code
    channel_kind = CHAT_CHANNEL
    sends_replies = False  # through the live session, not the outbox
    threads_by_address = False
    added_by_admins = False  # one inbox, created on first use (services.web_chat_inbox)

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        return False  # no webhook: the widget's socket (awn/chat) is this channel's transport

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        raise MalformedPayload("web chat receives its messages over the widget's socket, not by webhook")

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | StatusUpdate | None:
        return None

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        raise SendError("a web chat reply is said in the live session", retryable=False)
