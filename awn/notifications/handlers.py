"""Email the customer when an agent replies or resolves their ticket.

Both react inside the publishing transaction (`sync`): the outgoing row is written with the reply, so a crash
between the commit and the send loses nothing; the send itself is a job enqueued on commit."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from awn.core import formatting
from awn.core.channels import REPLIES, InboxKind
from awn.crm.events import ContactErased
from awn.tickets.enums import Channel, Status
from awn.tickets.events import ReplySent, TicketStatusChanged
from awn.tickets.models import Message, Ticket

from .services import notification_enqueue, notifications_erase_contact


def _requester_email(ticket: Ticket) -> tuple[str, str]:
    return ticket.requester.email, ticket.requester.language or "ar"


def _requester_digits(ticket: Ticket) -> str:
    """The digits the requester chose in the portal (kept on their user), "" for their language's default."""
    user = ticket.requester.user
    return user.digits if user is not None else ""


def on_reply_sent(event: ReplySent) -> None:
    message = Message.objects.select_related("ticket__requester").get(pk=event.message_id)
    if message.channel == Channel.CHAT:
        return  # said live in a chat window: the visitor gets the whole transcript by email when it ends
    ticket = message.ticket
    if Ticket.objects.filter(
        pk=ticket.pk, channel_conversation__inbox__kind__in=InboxKind.with_capability(REPLIES)
    ).exists():
        # A channel thread (email, WhatsApp, Telegram): the connector sends the reply itself, where the
        # customer wrote; a second copy by email would only be noise.
        return
    email, language = _requester_email(ticket)
    with translation.override(language):
        subject = _("[%(ref)s] New reply: %(subject)s") % {"ref": ticket.reference, "subject": ticket.subject}
        body = message.body + "\n\n" + _("Reply from the portal or answer this email.")
    notification_enqueue(
        dedupe_key=f"reply:{message.pk}", to_email=email, subject=subject, body=body, ticket_id=ticket.pk
    )


def on_status_changed(event: TicketStatusChanged) -> None:
    if event.new_status != Status.RESOLVED or not event.notify_requester:
        return  # not resolved, or the requester is told otherwise (an incident's resolution broadcast)
    ticket = Ticket.objects.select_related("requester__user").get(pk=event.ticket_id)
    email, language = _requester_email(ticket)
    with translation.override(language), formatting.override_digits(_requester_digits(ticket)):
        subject = _("[%(ref)s] Your ticket was resolved") % {"ref": ticket.reference}
        body = _("Your ticket “%(subject)s” was resolved. Please rate our help from the portal.") % {
            "subject": ticket.subject
        }
        body += "\n\n" + _("Opened: %(opened)s\nResolved: %(resolved)s") % {
            "opened": formatting.moment(ticket.created_at),
            "resolved": formatting.moment(event.occurred_at),
        }
    notification_enqueue(
        dedupe_key=f"resolved:{ticket.pk}:{event.occurred_at.isoformat()}",
        to_email=email,
        subject=subject,
        body=body,
        ticket_id=ticket.pk,
    )


def on_contact_erased(event: ContactErased) -> None:
    notifications_erase_contact(event.contact_id)
