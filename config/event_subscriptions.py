"""Who reacts to which domain event: the whole flow of Awn in one map, keyed by event class.

`sync`: inside the publishing transaction (outbox rows, clocks, counters, audit); an error rolls the write back.
`on_commit`: after the commit (pushes, jobs); an error is logged and the others still run.
Every event Awn publishes is a key here, even with no reaction yet (a test holds the map to that).
"""

from __future__ import annotations

from awn.assistant import handlers as assistant
from awn.chat import handlers as chat
from awn.connectors import handlers as connectors
from awn.connectors.events import CallAnswered, DeliveryStatusChanged
from awn.core.events import Subscriptions, on_commit, sync
from awn.crm.events import ContactMerged
from awn.notifications import handlers as notifications
from awn.realtime import handlers as realtime
from awn.sla import handlers as sla
from awn.sla.events import BusinessCalendarChanged, SlaBreached, SlaWarning
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
        sync(sla.on_ticket_created),  # the applied policy snapshotted, its clocks opened
        on_commit(assistant.on_ticket_created),  # triage job: category, priority, sentiment, dialect
        on_commit(realtime.on_ticket_created),  # queues of the agents who may see it refresh
    ],
    MessageReceived: [
        sync(sla.on_message_received),  # a customer's message starts next reply
        on_commit(realtime.on_message_received),  # open ticket pages append it, queues refresh, watchers
        on_commit(assistant.on_message_received),  # the assistant answers first on messaging channels
    ],
    ReplySent: [
        sync(sla.on_reply_sent),  # fulfils first reply and next reply, restarts periodic update
        sync(notifications.on_reply_sent),  # outbox row: the email to a portal/email requester
        sync(connectors.on_reply_sent),  # outbox row: the reply on WhatsApp, Telegram, email thread
        sync(chat.on_reply_sent),  # the line in an open live chat (pushed to the visitor on commit)
        on_commit(realtime.on_reply_sent),  # other agents' open pages of the ticket, queues, watchers
    ],
    NoteAdded: [
        on_commit(realtime.on_note_added),  # staff screens only; @mentioned agents who may see it; watchers
    ],
    TicketAssigned: [
        on_commit(realtime.on_ticket_assigned),  # ticket pages and queues; the new assignee is notified
    ],
    TicketStatusChanged: [
        sync(sla.on_ticket_status_changed),  # pending pauses, resolving fulfils, reopening resumes the clocks
        sync(notifications.on_status_changed),  # outbox row: "your ticket was resolved"
        on_commit(realtime.on_ticket_status_changed),  # ticket pages' header, queues
    ],
    TicketUpdated: [
        sync(sla.on_ticket_updated),  # a new priority, category or team: new targets from the original start
        on_commit(realtime.on_ticket_updated),  # ticket pages' header, queues
    ],
    TicketMerged: [
        sync(sla.on_ticket_merged),  # the closed source's clocks stop
        on_commit(realtime.on_ticket_merged),  # both tickets' pages and the queues
    ],
    TicketRated: [],
    DeliveryStatusChanged: [
        on_commit(realtime.on_delivery_status_changed),  # the reply's sent/delivered/read/failed badge
    ],
    CallAnswered: [
        on_commit(realtime.on_call_answered),  # the screen pop: the answering agent's notification
    ],
    ContactMerged: [
        sync(tickets.on_contact_merged),  # the merged contact's tickets and messages move to the survivor
    ],
    BusinessCalendarChanged: [
        sync(sla.on_calendar_changed),  # a recomputation of the open tickets' due times, its job after commit
    ],
    SlaWarning: [
        on_commit(realtime.on_sla_warning),  # the assignee's notification; due badges refresh
    ],
    SlaBreached: [
        on_commit(realtime.on_sla_breached),  # the assignee's and the team supervisors' notifications
    ],
}
