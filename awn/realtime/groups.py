"""Every channel-layer group of Awn, named in one place.

`rt.u<id>`: every agent socket of one user (ticket screens, the queue, notifications, a transferred chat).
`rt.t<id>`: the agent sockets showing one ticket's page (collision detection: awn/realtime/presence.py).
`chat.v<id>`: the visitor's sockets of one live chat; `chat.a<id>`: the agents watching it;
`chat.agents`: the agent sockets with the live chats page open (each filters by its user's coverage).
"""

from __future__ import annotations

# The layer message type every push carries: consumers handle it in `realtime_event`.
EVENT = "realtime.event"
CHAT_AGENTS_GROUP = "chat.agents"


def user_group(user_id: int) -> str:
    return f"rt.u{user_id}"


def chat_visitor_group(conversation_id: int) -> str:
    return f"chat.v{conversation_id}"


def chat_watchers_group(conversation_id: int) -> str:
    return f"chat.a{conversation_id}"


def ticket_viewers_group(ticket_id: int) -> str:
    """The agent sockets with one ticket's page open (each allowed to see it): who is viewing, who is typing."""
    return f"rt.t{ticket_id}"
