"""WebSocket consumers: thin, they call services and forward pushes.

VisitorConsumer `/ws/chat/<token>/`: the signed token names one conversation; the socket sees only it.
AgentConsumer `/ws/agent/`: a signed-in staff session; chats are filtered by the agent's coverage, and every
action is checked again against the ticket's policy in the service.
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

from awn.accounts.policies import is_staff_member
from awn.core.errors import DomainError
from awn.realtime.groups import (
    CHAT_AGENTS_GROUP,
    EVENT,
    chat_visitor_group,
    chat_watchers_group,
    user_group,
)

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
                    {
                        "type": EVENT,
                        "data": {"type": "typing", "conversation": cid, "from": "visitor"},
                    },
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


class AgentConsumer(_Base):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not is_staff_member(user):
            await self.close(code=4401)
            return
        self.user = user
        self.language = user.preferred_language if user.preferred_language in ("ar", "en") else "ar"
        self.watching: set[int] = set()
        self.coverage = await database_sync_to_async(selectors.agent_scope)(user)
        await self.channel_layer.group_add(CHAT_AGENTS_GROUP, self.channel_name)
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        await database_sync_to_async(services.presence_join)(user, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(selectors.agent_snapshot)(user))

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "user"):
            return
        await self.channel_layer.group_discard(CHAT_AGENTS_GROUP, self.channel_name)
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        for cid in self.watching:
            await self.channel_layer.group_discard(chat_watchers_group(cid), self.channel_name)
        await database_sync_to_async(services.presence_leave)(self.channel_name)

    async def _watch(self, cid: int) -> bool:
        """Join one chat's live updates after the per-object check; send its lines so far."""
        allowed = await self._call(self._may_work, cid)
        if not allowed:
            if allowed is False:
                await self._error(_("Not found."), "not_found")
            return False
        if cid not in self.watching:
            self.watching.add(cid)
            await self.channel_layer.group_add(chat_watchers_group(cid), self.channel_name)
        lines = await database_sync_to_async(selectors.conversation_lines)(cid)
        await self.send_json({"type": "lines", "conversation": cid, "lines": lines})
        return True

    def _may_work(self, cid: int) -> bool:
        from awn.tickets.policies import can_work_ticket

        try:
            ticket = services.ticket_of(cid)
        except services.Conversation.DoesNotExist:
            return False
        return can_work_ticket(self.user, ticket)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self._error(_("Unknown request."))
            return
        kind = content.get("type")
        if kind == "ping":
            await database_sync_to_async(services.presence_seen)(self.channel_name)
            await self.send_json({"type": "pong"})
            return
        try:
            cid = int(content.get("conversation") or 0)
        except (TypeError, ValueError):
            cid = 0
        if cid <= 0:
            await self._error(_("Unknown request."))
            return
        with translation.override(self.language):
            if kind == "watch":
                await self._watch(cid)
            elif kind == "accept":
                if await self._call(services.chat_accept, cid, self.user) is not None:
                    await self._watch(cid)
            elif kind == "reply":
                await self._call(services.chat_agent_reply, cid, self.user, content.get("text"))
            elif kind == "typing":
                if cid in self.watching:
                    await self.channel_layer.group_send(
                        chat_visitor_group(cid),
                        {"type": EVENT, "data": {"type": "typing", "from": "agent"}},
                    )
            elif kind == "transfer":
                agent_id = _int_or_none(content.get("agent"))
                team_id = _int_or_none(content.get("team"))
                await self._call(
                    services.chat_transfer, cid, self.user, to_agent_id=agent_id, to_team_id=team_id
                )
            elif kind == "close":
                await self._call(services.chat_close, cid, agent=self.user)
            else:
                await self._error(_("Unknown request."))

    async def realtime_event(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if "category" in event and not selectors.scope_allows(
            self.coverage, event["category"], event.get("team_id")
        ):
            return  # a chat outside this agent's coverage: never forwarded
        if data.get("type") == "assigned":
            await self._watch(int(data["chat"]["id"]))
        await self.send_json(data)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
