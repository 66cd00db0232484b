"""Reactions to ticket events (config/event_subscriptions.py): the tickets app never imports chat."""

from __future__ import annotations

from awn.crm.events import ContactErased
from awn.routing.events import AgentStatusChanged
from awn.tickets.events import ReplySent, TicketAssigned

from .services import chat_line_for_reply, chat_routed, chats_erase_contact, chats_return_to_queue


def on_reply_sent(event: ReplySent) -> None:
    """A reply written on the ticket page of a live chat also reaches the visitor's socket."""
    chat_line_for_reply(event.message_id)


def on_agent_status_changed(event: AgentStatusChanged) -> None:
    """An agent went offline: their chats go back to the line, none lost (away keeps the chats in hand)."""
    if event.state == "offline":
        chats_return_to_queue(event.user_id)


def on_ticket_assigned(event: TicketAssigned) -> None:
    """Routing offered a waiting chat to an agent, or took it back: the panels follow."""
    chat_routed(event.ticket_id)


def on_contact_erased(event: ContactErased) -> None:
    chats_erase_contact(event.contact_id)
