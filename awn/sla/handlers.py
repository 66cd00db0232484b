"""Reactions of the SLA clocks to what happens to tickets (config/event_subscriptions.py, all `sync`: inside the
write's transaction, so a ticket and its clocks never disagree). Each loads the ticket's clocks (at most five rows),
changes them in memory and writes them back with their metric events."""

from __future__ import annotations

import threading

from awn.tickets.enums import Status
from awn.tickets.events import (
    MessageReceived,
    ReplySent,
    TicketCreated,
    TicketMerged,
    TicketStatusChanged,
    TicketUpdated,
)

from . import clocks
from .enums import Metric
from .events import BusinessCalendarChanged
from .recompute import CALENDAR, recompute_start

# A change of one of these may change which policy applies, its targets or the calendar.
RETARGETING_FIELDS = frozenset({"priority", "category", "team_id", "organization_id", "channel"})
# The ticket this thread just opened clocks for, when its first reply is owed: the customer's first message,
# published right after TicketCreated in the same transaction, then needs no query (it starts nothing).
_just_created = threading.local()


def on_ticket_created(event: TicketCreated) -> None:
    """Snapshot the policy that applies and open its clocks (first reply, resolution, requester wait)."""
    ticket_clocks = clocks.load(event.ticket_id, clocks=())
    if ticket_clocks is None:
        return
    ticket_clocks.apply_policy()
    ticket_clocks.created_now()
    ticket_clocks.save()
    _just_created.ticket_id = event.ticket_id if ticket_clocks.is_running(Metric.FIRST_REPLY) else None


def on_reply_sent(event: ReplySent) -> None:
    """An agent's public reply fulfils first reply and next reply and restarts periodic update. The assistant's
    answer (no actor) is no agent's reply."""
    if event.actor_id is None:
        return
    ticket_clocks = clocks.load(event.ticket_id)
    if ticket_clocks is None or not (ticket_clocks.clocks or ticket_clocks.snapshot):
        return
    ticket_clocks.reply_sent()
    ticket_clocks.save()


def on_message_received(event: MessageReceived) -> None:
    """A customer's message on any channel (a portal note too) starts next reply."""
    if getattr(_just_created, "ticket_id", None) == event.ticket_id:
        _just_created.ticket_id = None
        return
    ticket_clocks = clocks.load(event.ticket_id)
    if ticket_clocks is not None and ticket_clocks.snapshot:
        ticket_clocks.customer_message()
        ticket_clocks.save()


def on_ticket_status_changed(event: TicketStatusChanged) -> None:
    """Pending pauses resolution and requester wait, resolving fulfils them, reopening resumes them. The event
    carries the new status: a reply's status change is published before the ticket row is written."""
    ticket_clocks = clocks.load(event.ticket_id)
    if ticket_clocks is None or not ticket_clocks.clocks:
        return
    ticket_clocks.ticket.status = event.new_status
    ticket_clocks.settle(event.new_status, old_status=event.old_status)
    ticket_clocks.save()


def on_ticket_updated(event: TicketUpdated) -> None:
    """A new priority (or category, team) may change the policy and its targets, counted from the start."""
    if not RETARGETING_FIELDS & set(event.fields):
        return
    ticket_clocks = clocks.load(event.ticket_id)
    if ticket_clocks is None:
        return
    ticket_clocks.apply_policy()
    ticket_clocks.retarget()
    ticket_clocks.save()


def on_ticket_merged(event: TicketMerged) -> None:
    """A merge closes its source ticket without a status event: its clocks stop as on closing (fulfilled), so the
    scan never reports a breach on a ticket nobody can answer any more."""
    ticket_clocks = clocks.load(event.source_id)
    if ticket_clocks is None or not ticket_clocks.clocks:
        return
    ticket_clocks.ticket.status = Status.CLOSED
    ticket_clocks.settle(Status.CLOSED, old_status=None)
    ticket_clocks.save()


def on_calendar_changed(event: BusinessCalendarChanged) -> None:
    """Hours, an override or a holiday changed: every open ticket's due times are recomputed in the background."""
    recompute_start(CALENDAR)
