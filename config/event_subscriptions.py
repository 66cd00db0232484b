"""The one place that says who reacts to which domain event.

Keys are event class names (awn/*/events.py); values are dotted paths of handlers. Handlers run after the
publishing transaction commits. Routing, SLA, realtime and the assistant add their lines here.
"""

SUBSCRIPTIONS: dict[str, list[str]] = {
    "TicketCreated": ["awn.assistant.handlers.on_ticket_created"],
    "MessageReceived": [],
    "ReplySent": [
        "awn.notifications.handlers.on_reply_sent",
        "awn.connectors.handlers.on_reply_sent",
        "awn.chat.handlers.on_reply_sent",
    ],
    "NoteAdded": [],
    "TicketAssigned": [],
    "TicketStatusChanged": ["awn.notifications.handlers.on_status_changed"],
    "TicketUpdated": [],
    "TicketMerged": [],
    "TicketRated": [],
    "DeliveryStatusChanged": [],
}
