"""Who reacts to which domain event: the whole flow of Awn in one map, keyed by event class.

`sync`: inside the publishing transaction (outbox rows, clocks, counters, audit); an error rolls the write back.
`on_commit`: after the commit (pushes, jobs); an error is logged and the others still run.
Every event Awn publishes is a key here, even with no reaction yet (a test holds the map to that).
"""

from __future__ import annotations

from awn.accounts.events import UserSignedIn, UserSignedOut
from awn.analytics import handlers as analytics
from awn.assistant import handlers as assistant
from awn.automation import handlers as automation
from awn.chat import handlers as chat
from awn.chat.events import ChatStarted
from awn.connectors import handlers as connectors
from awn.connectors.events import CallAnswered, DeliveryStatusChanged
from awn.core.events import Subscriptions, on_commit, sync
from awn.crm.events import ContactErased, ContactMerged
from awn.identity import handlers as identity
from awn.incidents import handlers as incidents
from awn.incidents.events import SpikeDetected
from awn.incidents.services import recipient_delivery_update
from awn.notifications import handlers as notifications
from awn.outreach import handlers as outreach
from awn.realtime import handlers as realtime
from awn.routing import handlers as routing
from awn.routing.events import AgentStatusChanged
from awn.sla import handlers as sla
from awn.sla.events import BusinessCalendarChanged, SlaBreached, SlaWarning
from awn.surveys import handlers as surveys
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


def broadcast_delivery(event: DeliveryStatusChanged) -> None:
    """A broadcast recipient's row shows its reply's delivery status. Wired here: awn.incidents sits below the
    connectors and may not name their event."""
    recipient_delivery_update(event.message_id, event.status)


SUBSCRIPTIONS: Subscriptions = {
    TicketCreated: [
        sync(sla.on_ticket_created),  # the applied policy snapshotted, its clocks opened
        sync(analytics.on_ticket_created),  # event log row + the ticket's fact
        on_commit(assistant.on_ticket_created),  # triage job: category, priority, sentiment, dialect
        on_commit(realtime.on_ticket_created),  # queues of the agents who may see it refresh
        on_commit(routing.on_ticket_created),  # skills routing: to the best available agent (opt-in)
        # Automation rules, run after the commit (the sync part only captures the rule chain: the loop guard).
        sync(automation.on_ticket_created),
        # Surge mode: about an active incident? Linked and claimed in the transaction (the incident's reply is the
        # one automatic first message: the assistant's first line sees the link), answered by a job.
        sync(incidents.on_ticket_created),
    ],
    MessageReceived: [
        sync(sla.on_message_received),  # a customer's message starts next reply
        on_commit(realtime.on_message_received),  # open ticket pages append it, queues refresh, watchers
        # Before the assistant: a digit that answers a survey is folded into the surveyed ticket, not answered.
        on_commit(surveys.on_message_received),  # a digit on WhatsApp/Telegram may answer a survey (job)
        on_commit(assistant.on_message_received),  # the assistant answers first on messaging channels
        on_commit(outreach.on_message_received),  # "STOP" after an outreach message: opted out (job)
        sync(automation.on_message_received),  # rules on a customer's message, after the commit
    ],
    ReplySent: [
        sync(sla.on_reply_sent),  # fulfils first reply and next reply, restarts periodic update
        sync(analytics.on_reply_sent),  # first reply time, reply counts
        sync(notifications.on_reply_sent),  # outbox row: the email to a portal/email requester
        sync(connectors.on_reply_sent),  # outbox row: the reply on WhatsApp, Telegram, email thread
        sync(chat.on_reply_sent),  # the line in an open live chat (pushed to the visitor on commit)
        on_commit(realtime.on_reply_sent),  # other agents' open pages of the ticket, queues, watchers
    ],
    NoteAdded: [
        on_commit(realtime.on_note_added),  # staff screens only; @mentioned agents who may see it; watchers
    ],
    TicketAssigned: [
        sync(analytics.on_ticket_assigned),  # team, vendor kind, reassignments
        on_commit(realtime.on_ticket_assigned),  # ticket pages and queues; the new assignee is notified
        on_commit(chat.on_ticket_assigned),  # a waiting chat routed: onto its agent's panel, off others'
    ],
    TicketStatusChanged: [
        sync(sla.on_ticket_status_changed),  # pending pauses, resolving fulfils, reopening resumes the clocks
        sync(analytics.on_status_changed),  # resolution, reopenings, time pending
        sync(notifications.on_status_changed),  # outbox row: "your ticket was resolved"
        on_commit(realtime.on_ticket_status_changed),  # ticket pages' header, queues
        on_commit(surveys.on_ticket_status_changed),  # resolved: the satisfaction survey on its channel (job)
    ],
    TicketUpdated: [
        sync(sla.on_ticket_updated),  # a new priority, category or team: new targets from the original start
        sync(analytics.on_ticket_updated),  # category, priority
        on_commit(realtime.on_ticket_updated),  # ticket pages' header, queues
        sync(automation.on_ticket_updated),  # rules on updates (a rule's own changes do not re-trigger it)
    ],
    TicketMerged: [
        sync(analytics.on_ticket_merged),  # a merged ticket leaves the resolution figures
        sync(sla.on_ticket_merged),  # the closed source's clocks stop
        on_commit(realtime.on_ticket_merged),  # both tickets' pages and the queues
    ],
    TicketRated: [
        sync(analytics.on_ticket_rated),  # CSAT
        sync(surveys.on_ticket_rated),  # a portal rating answers the survey too (counted once)
    ],
    DeliveryStatusChanged: [
        on_commit(realtime.on_delivery_status_changed),  # the reply's sent/delivered/read/failed badge
        sync(broadcast_delivery),  # a broadcast recipient's delivery status (surge mode)
        sync(outreach.on_delivery_status_changed),  # an outreach recipient's delivery status (statistics)
    ],
    CallAnswered: [
        on_commit(realtime.on_call_answered),  # the screen pop: the answering agent's notification
    ],
    ContactMerged: [
        sync(analytics.on_contact_merged),  # facts follow the surviving contact
        sync(tickets.on_contact_merged),  # the merged contact's tickets and messages move to the survivor
    ],
    ContactErased: [
        sync(tickets.on_contact_erased),  # their messages, the tickets they opened, their files
        sync(connectors.on_contact_erased),  # their channel identities, masked wherever they appear
        sync(chat.on_contact_erased),  # what they typed in live chats, the name/email/phone they gave
        sync(
            notifications.on_contact_erased
        ),  # the emails written to them lose their text; unsent: never sent
        sync(surveys.on_contact_erased),  # their survey comments
        sync(identity.on_contact_erased),  # the phone/email they signed in with, their provider logins
    ],
    BusinessCalendarChanged: [
        sync(sla.on_calendar_changed),  # a recomputation of the open tickets' due times, its job after commit
    ],
    SlaWarning: [
        on_commit(realtime.on_sla_warning),  # the assignee's notification; due badges refresh
        sync(automation.on_sla_warning),  # rules on SLA warnings, after the scan's commit
    ],
    SlaBreached: [
        on_commit(realtime.on_sla_breached),  # the assignee's and the team supervisors' notifications
        sync(automation.on_sla_breached),  # rules on breaches, after the scan's commit
    ],
    UserSignedIn: [sync(routing.on_user_signed_in)],  # a staff member's presence: online
    UserSignedOut: [sync(routing.on_user_signed_out)],  # offline
    AgentStatusChanged: [sync(chat.on_agent_status_changed)],  # offline: their chats back to the line
    SpikeDetected: [
        on_commit(realtime.on_spike_detected),  # supervisors' screens: the alert and "declare an incident"
    ],
    ChatStarted: [],  # no reaction: chat_start opens the chat's thread itself (the session links to it)
}
