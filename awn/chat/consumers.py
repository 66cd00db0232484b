"""WebSocket consumers: thin, they call services and forward pushes.

VisitorConsumer `/ws/chat/<token>/`: the signed token names one conversation; the socket sees only it.
ChatProtocol: live chat over the agent's socket `/ws/agent/` (awn/realtime/consumers.py), a signed-in staff
session; chats are filtered by the agent's coverage, and every action is checked again against the ticket's policy
in the service.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext as _

from awn.core.errors import DomainError
from awn.realtime.consumers import AgentProtocol
from awn.realtime.groups import CHAT_AGENTS_GROUP, chat_visitor_group, chat_watchers_group
from awn.realtime.services import message

from . import selectors, services
from .enums import ChatStatus

logger = logging.getLogger(__name__)
MAX_FRAME = 16_000


class _Base(AsyncJsonWebsocketConsumer):
    language = "ar"

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
            await self._error(_("The message is too long."))
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    async def _error(self, message: str, code: str = "invalid") -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a service in a worker thread; a refused request becomes an error frame, not a closed socket."""
        try:
            return await database_sync_to_async(func)(*args, **kwargs)
        except DomainError as exc:
            with translation.override(self.language):
                await self._error(str(exc.message), exc.code)
            return None

    async def realtime_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["data"])


class VisitorConsumer(_Base):
    conversation_id: int

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        conversation = await database_sync_to_async(services.conversation_for_token)(token)
        if conversation is None:
            await self.close(code=4403)
            return
        self.conversation_id = conversation.pk
        self.language = conversation.language
        # Join before reading the history: a line pushed in between arrives twice (the widget drops repeats by
        # id) rather than never.
        await self.channel_layer.group_add(chat_visitor_group(conversation.pk), self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(services.visitor_snapshot)(conversation.pk)
        self.queued = snapshot["status"]["status"] == ChatStatus.QUEUED
        await self.send_json(snapshot)
        self.queue_watch = asyncio.create_task(self._watch_queue())

    async def _watch_queue(self) -> None:
        """While this visitor waits, check that someone is still online to take the chat (else: a ticket).
        Runs in the server's event loop, so the push reaches sockets through the in-memory layer too."""
        while True:
            await asyncio.sleep(services.QUEUE_CHECK_SECONDS)
            if not self.queued:
                continue  # with the assistant or an agent: nothing to check, no query
            try:
                await database_sync_to_async(services.chat_queue_check)(self.conversation_id)
            except Exception:
                logger.exception("queue check of chat %s failed", self.conversation_id)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "queue_watch"):
            self.queue_watch.cancel()
        if hasattr(self, "conversation_id"):
            await self.channel_layer.group_discard(
                chat_visitor_group(self.conversation_id), self.channel_name
            )

    async def realtime_event(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if data.get("type") == "status":
            self.queued = data.get("status") == ChatStatus.QUEUED
        await self.send_json(data)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error(_("Unknown request."))
            return
        kind = content.get("type")
        cid = self.conversation_id
        with translation.override(self.language):
            if kind == "message":
                if not await database_sync_to_async(services.rate_ok)(cid):
                    await self._error(
                        _("You are sending messages too fast. Please wait a moment."), "rate_limited"
                    )
                    return
                line = await self._call(services.chat_visitor_message, cid, content.get("text"))
                if line is not None:
                    await self._call(services.chat_bot_answer, cid, line.body)
            elif kind == "typing":
                await self.channel_layer.group_send(
                    chat_watchers_group(cid),
                    message(
                        {"type": "typing", "conversation": cid, "from": "visitor"}, protocol=services.CHAT
                    ),
                )
            elif kind == "human" or (kind == "feedback" and content.get("solved") is False):
                await self._call(services.chat_bot_declined, cid)
            elif kind == "feedback" and content.get("solved") is True:
                await self._call(services.chat_bot_solved, cid)
            elif kind == "close":
                await self._call(services.chat_close, cid)
            elif kind == "ping":
                await self.send_json({"type": "pong"})
            else:
                await self._error(_("Unknown request."))


class ChatProtocol(AgentProtocol):
    """Live chat over the agent socket (awn/realtime/consumers.py), active while the live chats page is open:
    the agent counts as online for chat, gets the queue and the chats their coverage allows, and works them."""

    name = services.CHAT
    page = "chats"
    kinds = frozenset({"watch", "accept", "reply", "typing", "transfer", "close"})

    async def activate(self) -> None:
        socket = self.socket
        self.watching: set[int] = set()
        self.coverage = await database_sync_to_async(selectors.agent_scope)(socket.user)
        self.routed: bool = await database_sync_to_async(selectors.routed)(socket.user)
        await socket.channel_layer.group_add(CHAT_AGENTS_GROUP, socket.channel_name)
        await database_sync_to_async(services.presence_join)(socket.user, socket.channel_name)
        await socket.send_json(await database_sync_to_async(selectors.agent_snapshot)(socket.user))

    async def deactivate(self) -> None:
        socket = self.socket
        await socket.channel_layer.group_discard(CHAT_AGENTS_GROUP, socket.channel_name)
        for cid in self.watching:
            await socket.channel_layer.group_discard(chat_watchers_group(cid), socket.channel_name)
        await database_sync_to_async(services.presence_leave)(socket.channel_name)

    async def ping(self) -> None:
        await database_sync_to_async(services.presence_seen)(self.socket.channel_name)

    async def _watch(self, cid: int) -> bool:
        """Join one chat's live updates after the per-object check; send its lines so far."""
        socket = self.socket
        allowed = await socket.call(self._may_work, cid)
        if not allowed:
            if allowed is False:
                await socket.error(_("Not found."), "not_found")
            return False
        if cid not in self.watching:
            self.watching.add(cid)
            await socket.channel_layer.group_add(chat_watchers_group(cid), socket.channel_name)
        lines = await database_sync_to_async(selectors.conversation_lines)(cid)
        await socket.send_json({"type": "lines", "conversation": cid, "lines": lines})
        return True

    def _may_work(self, cid: int) -> bool:
        from awn.tickets.policies import can_work_ticket

        try:
            ticket = services.ticket_of(cid)
        except services.LiveSession.DoesNotExist:
            return False
        return can_work_ticket(self.socket.user, ticket)

    async def receive(self, kind: str, content: dict[str, Any]) -> None:
        socket = self.socket
        cid = _int_or_none(content.get("conversation")) or 0
        if cid <= 0:
            await socket.error(_("Unknown request."))
        elif kind == "watch":
            await self._watch(cid)
        elif kind == "accept":
            if await socket.call(services.chat_accept, cid, socket.user) is not None:
                await self._watch(cid)
        elif kind == "reply":
            await socket.call(services.chat_agent_reply, cid, socket.user, content.get("text"))
        elif kind == "typing":
            if cid in self.watching:
                await socket.channel_layer.group_send(
                    chat_visitor_group(cid), message({"type": "typing", "from": "agent"})
                )
        elif kind == "transfer":
            agent_id = _int_or_none(content.get("agent"))
            team_id = _int_or_none(content.get("team"))
            await socket.call(
                services.chat_transfer, cid, socket.user, to_agent_id=agent_id, to_team_id=team_id
            )
        elif kind == "close":
            await socket.call(services.chat_close, cid, agent=socket.user)

    async def push(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if "category" in event and not selectors.scope_allows(
            self.coverage, event["category"], event.get("team_id")
        ):
            return  # a chat outside this agent's coverage: never forwarded
        chat = data.get("chat")
        if self.routed and chat and selectors.routed_to_someone_else(self.socket.user.pk, chat):
            await self.socket.send_json({"type": "chat_gone", "id": chat["id"]})
            return  # routed to another agent (or back in the line): off this panel
        if data.get("type") == "assigned":
            await self._watch(int(data["chat"]["id"]))
        await self.socket.send_json(data)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
