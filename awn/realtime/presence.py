"""Collision detection: who else has this ticket open, and who is typing a reply, shown live on the ticket page.

A protocol of the agent socket (awn/realtime/consumers.py), active while a ticket page is open. The socket's
subscription has already checked the ticket's policy (`services.socket_show`): a user who may not see the ticket
never gets its page, so never joins its group (`rt.t<id>`) and never hears who is on it. The permission is checked
again with each heartbeat past `RECHECK_SECONDS` (a category moved out of a vendor's contract): the socket then
leaves the group.

Nothing is stored. Each socket announces itself when the page opens (`hello`: the others answer with their own
state, so the newcomer learns who is there), on every heartbeat of the page (`presence` frames, every
`HEARTBEAT_SECONDS`), when its agent starts typing, and when it goes (`left`: the tab closed, the page changed).
Browsers forget a viewer not heard of for `TTL_SECONDS` (a process that died says nothing), and a typist after
`TYPING_TTL_SECONDS`. Frames carry the agent's id and display name and a key of the socket (several tabs of one
agent are one person on screen); never the ticket's content.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from channels.db import database_sync_to_async

from awn.tickets.policies import visible_tickets

from .consumers import AgentProtocol
from .groups import ticket_viewers_group
from .models import Page
from .services import message

PRESENCE = "presence"
HEARTBEAT_SECONDS = 10
TTL_SECONDS = 30
TYPING_TTL_SECONDS = 8
RECHECK_SECONDS = 30
STATES = frozenset({"viewing", "typing"})


def may_still_see(user: Any, ticket_id: int) -> bool:
    return visible_tickets(user).filter(pk=ticket_id).exists()


class TicketPresence(AgentProtocol):
    name = PRESENCE
    page = Page.TICKET
    kinds = frozenset({PRESENCE})

    async def activate(self) -> None:
        socket = self.socket
        self.ticket_id: int | None = socket.ticket_id
        if self.ticket_id is None:
            return
        self.group = ticket_viewers_group(self.ticket_id)
        self.state = "viewing"
        self.checked = time.monotonic()
        self.key = hashlib.sha256(socket.channel_name.encode()).hexdigest()[:12]
        user = socket.user
        self.display = user.get_full_name() or user.get_username()
        await socket.channel_layer.group_add(self.group, socket.channel_name)
        await self._announce("viewing", hello=True)

    async def deactivate(self) -> None:
        if self.ticket_id is None:
            return
        await self._announce("left")
        await self.socket.channel_layer.group_discard(self.group, self.socket.channel_name)
        self.ticket_id = None

    async def receive(self, kind: str, content: dict[str, Any]) -> None:
        if self.ticket_id is None:
            return
        if time.monotonic() - self.checked >= RECHECK_SECONDS:
            self.checked = time.monotonic()
            if not await database_sync_to_async(may_still_see)(self.socket.user, self.ticket_id):
                await self.deactivate()
                return
        state = str(content.get("state") or "")
        if state in STATES:
            self.state = state
            await self._announce(state)

    async def push(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if self.ticket_id is None or data.get("ticket") != self.ticket_id or data.get("key") == self.key:
            return
        if event.get("hello"):
            await self._announce(self.state)  # the newcomer learns who was already here
        if data.get("user") != self.socket.user.pk:  # the agent's own other tabs are not a collision
            await self.socket.send_json(data)

    async def _announce(self, state: str, *, hello: bool = False) -> None:
        data = {
            "type": PRESENCE,
            "ticket": self.ticket_id,
            "user": self.socket.user.pk,
            "name": self.display,
            "key": self.key,
            "state": state,
            "ttl": TYPING_TTL_SECONDS if state == "typing" else TTL_SECONDS,
        }
        body = message(data, protocol=PRESENCE, **({"hello": True} if hello else {}))
        await self.socket.channel_layer.group_send(self.group, body)
