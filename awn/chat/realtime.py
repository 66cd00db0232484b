"""Pushes to open sockets through the channel layer, sent after the writing transaction commits.

Groups: `chat.v<id>` the visitor's sockets of one conversation; `chat.a<id>` the agents watching it;
`chat.agents` every agent socket (each filters by its user's coverage before forwarding); `chat.u<id>` one
agent's sockets (a transfer to them).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
EVENT = "chat.event"
AGENTS_GROUP = "chat.agents"


def visitor_group(conversation_id: int) -> str:
    return f"chat.v{conversation_id}"


def watchers_group(conversation_id: int) -> str:
    return f"chat.a{conversation_id}"


def user_group(user_id: int) -> str:
    return f"chat.u{user_id}"


def send_now(group: str, data: dict[str, Any], **scope: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": EVENT, "data": data, **scope})
    except Exception:  # a full channel or an unreachable Redis must not undo a committed chat write
        logger.exception("chat push to %s failed", group)


def push(group: str, data: dict[str, Any], **scope: Any) -> None:
    transaction.on_commit(lambda: send_now(group, data, **scope))
