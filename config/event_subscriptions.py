"""Who reacts to which domain event: the whole flow of Awn in one map, keyed by event class.

`sync`: inside the publishing transaction (outbox rows, clocks, counters, audit); an error rolls the write back.
`on_commit`: after the commit (pushes, jobs); an error is logged and the others still run.
Every event Awn publishes is a key here, even with no reaction yet (a test holds the map to that).
"""

from __future__ import annotations

from awn.assistant import handlers as assistant
from awn.chat import handlers as chat
from awn.connectors import handlers as connectors
from awn.connectors.events import DeliveryStatusChanged
from awn.core.events import Subscriptions, on_commit, sync
from awn.crm.events import ContactMerged
from awn.notifications import handlers as notifications
from awn.sla.events import BusinessCalendarChanged
from awn.tickets import handlers as tickets
from awn.tickets.events import (
    MessageReceived,
    NoteAdded,
    ReplySent,
    TicketAssigned,
    TicketCreated,
    TicketMerged,
    TicketRated,
    TicketStatusChanged,
    TicketUpdated,
)

SUBSCRIPTIONS: Subscriptions = {
    TicketCreated: [
        on_commit(assistant.on_ticket_created),  # triage job: category, priority, sentiment, dialect
    ],
    MessageReceived: [
        on_commit(assistant.on_message_received),  # the assistant answers first on messaging channels
    ],
    ReplySent: [
        sync(notifications.on_reply_sent),  # outbox row: the email to a portal/email requester
        sync(connectors.on_reply_sent),  # outbox row: the reply on WhatsApp, Telegram, email thread
        sync(chat.on_reply_sent),  # the line in an open live chat (pushed to the visitor on commit)
    ],
    NoteAdded: [],
    TicketAssigned: [],
    TicketStatusChanged: [
        sync(notifications.on_status_changed),  # outbox row: "your ticket was resolved"
    ],
    TicketUpdated: [],
    TicketMerged: [],
    TicketRated: [],
    DeliveryStatusChanged: [],
    ContactMerged: [
        sync(tickets.on_contact_merged),  # the merged contact's tickets and messages move to the survivor
    ],
    BusinessCalendarChanged: [],  # later: recompute the due times of open tickets on these calendars
}
