"""Channels' in-memory layer, safe to send to from any thread, with its expiry sweep rate-limited.

The stock layer sweeps every channel and every group membership on each send and receive: O(open sockets) per
message, 2.6 ms a group_send with 2,000 sockets here, paid several times per chat line. Messages expire after
`expiry` (60 s), so sweeping at most once a second changes nothing but the cost.

Pushes come from other threads than the server's event loop: a request's worker thread, a background job on the
embedded thread pool, the embedded AMI listener. asyncio queues are not thread-safe, and the socket's loop, asleep
in select(), would only see the message at its next wake-up. So a message for a channel whose receiver runs on
another loop is handed to that loop with `call_soon_threadsafe` (which also wakes it), and the queue is only ever
touched by its own loop. `group_send_from_thread` does the same from plain synchronous code, with no event loop
of its own (what `awn.realtime.services` uses).
"""

from __future__ import annotations

import asyncio
import logging
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer

logger = logging.getLogger(__name__)
SWEEP_EVERY_SECONDS = 1.0


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    _last_sweep = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The loop each channel's receiver runs on (recorded at every receive).
        self._receiver_loops: dict[str, asyncio.AbstractEventLoop] = {}

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()
        self._forget_gone_receivers()

    def _forget_gone_receivers(self) -> None:
        """Channels no longer received on nor in a group (their socket closed) need no loop entry."""
        grouped = {channel for members in list(self.groups.values()) for channel in list(members)}
        for channel, loop in list(self._receiver_loops.items()):
            if loop.is_closed() or (channel not in self.channels and channel not in grouped):
                self._receiver_loops.pop(channel, None)

    async def receive(self, channel: str) -> dict[str, Any]:
        self._clean_expired()  # before the loop is recorded: the stock receive sweeps before making the queue
        self._receiver_loops[channel] = asyncio.get_running_loop()
        return await super().receive(channel)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        loop = self._other_receiver_loop(channel)
        if loop is None:
            await super().send(channel, message)
        else:
            self._hand_over(loop, channel, message)

    def group_send_from_thread(self, group: str, message: dict[str, Any]) -> None:
        """group_send for synchronous code in any thread: each member's receiver loop gets the message."""
        self.require_valid_group_name(group)
        for channel in list(self.groups.get(group, ())):
            loop = self._receiver_loops.get(channel)
            try:
                if loop is None or loop.is_closed():
                    self._keep_for_later(channel, message)
                else:
                    self._hand_over(loop, channel, message)
            except ChannelFull:
                pass  # as group_send: a full channel misses this message

    def _other_receiver_loop(self, channel: str) -> asyncio.AbstractEventLoop | None:
        loop = self._receiver_loops.get(channel)
        if loop is None or loop.is_closed():
            return None
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        return loop if loop is not running else None

    def _hand_over(self, loop: asyncio.AbstractEventLoop, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        assert "__asgi_channel__" not in message
        self.require_valid_channel_name(channel)
        queue = self.channels.get(channel)
        if queue is not None and queue.qsize() >= self.get_capacity(channel):
            raise ChannelFull(channel)
        item = (time.time() + self.expiry, deepcopy(message))
        try:
            loop.call_soon_threadsafe(self._put, channel, item)
        except RuntimeError:  # the loop closed in the meantime
            self._receiver_loops.pop(channel, None)

    def _keep_for_later(self, channel: str, message: dict[str, Any]) -> None:
        """No receiver has waited on this channel yet, so no loop owns its queue: queue it for the first one."""
        self.require_valid_channel_name(channel)
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, deepcopy(message)))
        except asyncio.QueueFull as exc:
            raise ChannelFull(channel) from exc

    def _put(self, channel: str, item: tuple[float, dict[str, Any]]) -> None:
        """On the receiver's own loop."""
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull:
            logger.warning("channel %s is full: a message was dropped", channel)
