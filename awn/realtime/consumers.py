"""The agent's one WebSocket, `/ws/agent/`, opened by every workspace page.

A signed-in staff session only (else closed with 4401). The socket joins its user's group (`rt.u<id>`); the page
says what it shows (`{"type": "subscribe", "page": "ticket", "ticket": 12}`, or "queue", "chats", "other"), a
ticket page only for a ticket the user may see. Pushes are computed on the server (awn/realtime/services.py) and
forwarded as they come: a type and ids, never content.

Features with their own conversation over this socket (live chat: accept, reply, transfer…) are protocols
(`AgentProtocol`), given to the route by config/asgi.py; one is active while the page that uses it is open, and
gets the pushes marked with its name.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext as _

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import DomainError
from awn.routing import services as routing_services

from . import services
from .groups import user_group
from .models import Page

logger = logging.getLogger(__name__)
MAX_FRAME = 16_000
SEEN_EVERY_SECONDS = 60.0


class AgentProtocol:
    """One feature's part of the agent socket. Subclasses name the page that activates them, the frame types
    they take from the browser, and the protocol name their pushes carry."""

    name: ClassVar[str]
    page: ClassVar[str]
    kinds: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, socket: AgentConsumer) -> None:
        self.socket = socket

    async def activate(self) -> None:
        """The page that uses this protocol is open."""

    async def deactivate(self) -> None:
        """That page is gone (another subscription, or the socket closed)."""

    async def receive(self, kind: str, content: dict[str, Any]) -> None:
        """A frame of one of `kinds` from the browser."""

    async def push(self, event: dict[str, Any]) -> None:
        """A push marked with this protocol's name."""
        await self.socket.send_json(event["data"])

    async def ping(self) -> None:
        """The page's keep-alive."""


class AgentConsumer(AsyncJsonWebsocketConsumer):
    user: User
    language = "ar"

    def __init__(self, *args: Any, protocols: tuple[type[AgentProtocol], ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocols = protocols  # per route: AgentConsumer.as_asgi(protocols=(…,))

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not is_staff_member(user):
            await self.close(code=4401)
            return
        self.user = user
        self.language = user.preferred_language if user.preferred_language in ("ar", "en") else "ar"
        self.page: str = Page.OTHER
        self.ticket_id: int | None = None
        self.active: list[AgentProtocol] = []
        self.last_seen = time.monotonic()
        self.was_active = True  # opening a page is activity
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        await database_sync_to_async(services.socket_open)(user=user, channel_name=self.channel_name)
        await database_sync_to_async(routing_services.activity_seen)(user.pk)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        await self._deactivate_all()
        await database_sync_to_async(services.socket_close)(self.channel_name)

    # ---- from the browser -------------------------------------------------------------------------------

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.error(_("The message is too long."))
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.error(_("Unknown request."))
            return
        kind = str(content.get("type") or "")
        if kind == "ping":
            self.was_active = self.was_active or content.get("active") is True
            await self._ping()
        elif kind == "subscribe":
            await self._subscribe(content)
        else:
            protocol = next((p for p in self.active if kind in p.kinds), None)
            if protocol is None:
                await self.error(_("Unknown request."))
                return
            with translation.override(self.language):
                await protocol.receive(kind, content)

    async def _ping(self) -> None:
        now = time.monotonic()
        if now - self.last_seen >= SEEN_EVERY_SECONDS:
            self.last_seen = now
            await database_sync_to_async(services.socket_seen)(
                user=self.user, channel_name=self.channel_name, page=self.page, ticket_id=self.ticket_id
            )
            # Routing's presence: the page is open, and whether the agent did anything since the last tick.
            await database_sync_to_async(routing_services.activity_seen)(
                self.user.pk, connected_only=not self.was_active
            )
            self.was_active = False
        for protocol in self.active:
            await protocol.ping()
        await self.send_json({"type": "pong"})

    async def _subscribe(self, content: dict[str, Any]) -> None:
        page: str = str(content.get("page") or Page.OTHER)
        if page not in Page.values:
            page = Page.OTHER
        ticket_id = _positive_int(content.get("ticket")) if page == Page.TICKET else None
        allowed = await database_sync_to_async(services.socket_show)(
            user=self.user, channel_name=self.channel_name, page=page, ticket_id=ticket_id
        )
        if not allowed:
            page, ticket_id = str(Page.OTHER), None
        self.page, self.ticket_id = page, ticket_id
        await self._deactivate_all()
        for protocol_class in self.protocols:
            if protocol_class.page == page:
                protocol = protocol_class(self)
                self.active.append(protocol)
                await protocol.activate()
        if not allowed:
            with translation.override(self.language):
                await self.error(_("Not found."), "not_found")
        await self.send_json({"type": "subscribed", "page": page, "ticket": ticket_id})

    async def _deactivate_all(self) -> None:
        active, self.active = self.active, []
        for protocol in active:
            try:
                await protocol.deactivate()
            except Exception:
                logger.exception("protocol %s failed to stop", protocol.name)

    # ---- from the server --------------------------------------------------------------------------------

    async def realtime_event(self, event: dict[str, Any]) -> None:
        name = event.get("protocol")
        if name is None:
            await self.send_json(event["data"])
            return
        for protocol in self.active:
            if protocol.name == name:
                await protocol.push(event)
                return  # a feature whose page is not open gets nothing

    # ---- helpers for protocols --------------------------------------------------------------------------

    async def error(self, message: str, code: str = "invalid") -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a service in a worker thread; a refused request becomes an error frame, not a closed socket."""
        try:
            return await database_sync_to_async(func)(*args, **kwargs)
        except DomainError as exc:
            with translation.override(self.language):
                await self.error(str(exc.message), exc.code)
            return None


def _positive_int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
