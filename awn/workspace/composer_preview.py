"""What the customer will see of a public reply on their channel, for the composer's preview: the channel's kind,
its length limit, and for email the sender and the subject the reply goes out with (the connector's own rule).
The text itself is rendered in the browser (workspace/composer.js), as plain text, as every channel sends it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from awn.connectors.providers.email.sending import reply_subject
from awn.tickets.models import Ticket

WHATSAPP_TEXT_MAX = 4096  # the Cloud API's text body (the connector cuts there)
WHATSAPP_TEMPLATE_MAX = 1000  # a template's parameter


@dataclass(frozen=True)
class ReplyPreview:
    kind: str  # "email", "whatsapp" or "portal" (the portal and anything else: the text on a page)
    label: str
    limit: int = 0  # characters the channel keeps (0: no limit)
    sender: str = ""
    subject: str = ""


def reply_preview(ticket: Ticket, channel_state: dict[str, Any] | None) -> ReplyPreview:
    inbox = channel_state["inbox"] if channel_state else None
    kind = inbox.kind if inbox is not None else ""
    if kind == "whatsapp":
        template = (
            channel_state is not None and not channel_state["window_open"] and channel_state["has_template"]
        )
        return ReplyPreview(
            kind="whatsapp",
            label=_("WhatsApp: plain text, as a chat message")
            if not template
            else _("WhatsApp: inside the approved template"),
            limit=WHATSAPP_TEMPLATE_MAX if template else WHATSAPP_TEXT_MAX,
        )
    if kind == "email" and inbox is not None:
        settings = inbox.settings
        address = settings.get("from_address", "")
        name = settings.get("from_name", "")
        return ReplyPreview(
            kind="email",
            label=_("Email: plain text, in a reply to the customer's thread"),
            sender=f"{name} <{address}>" if name else address,
            subject=reply_subject(ticket.subject, ticket.reference),
        )
    return ReplyPreview(kind="portal", label=_("Portal: the customer reads the reply on the ticket's page"))
