"""Every push to agents' and visitors' screens goes through here.

Sending: `push` is what services call: the frame leaves once the transaction commits (at once outside one), so a rolled
back write never reaches a screen. A failed send is logged and never undoes the committed write.

The in-memory layer (one process) is sent to directly from the calling thread (it hands each message to its
receiver's loop). Any other layer (channels-redis) is sent to from one event loop per process, in a daemon
thread, so its Redis connections are opened once, not per push.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine, Iterable
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

from .groups import EVENT
from .layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 5.0
Frame = tuple[str, dict[str, Any]]  # (group, the layer message)


def message(data: dict[str, Any], *, protocol: str | None = None, **scope: Any) -> dict[str, Any]:
    """The layer message of one push: the browser's frame in `data`; `protocol` routes it to a feature of the
    agent socket (live chat); `scope` is what that feature filters on."""
    body: dict[str, Any] = {"type": EVENT, "data": data, **scope}
    if protocol is not None:
        body["protocol"] = protocol
    return body


def send_now(group: str, data: dict[str, Any], *, protocol: str | None = None, **scope: Any) -> None:
    send_many([(group, message(data, protocol=protocol, **scope))])


def push(group: str, data: dict[str, Any], *, protocol: str | None = None, **scope: Any) -> None:
    """Send once the current transaction commits."""
    frame = (group, message(data, protocol=protocol, **scope))
    transaction.on_commit(lambda: send_many([frame]))


def send_many(frames: Iterable[Frame]) -> None:
    frames = list(frames)
    layer = get_channel_layer()
    if layer is None or not frames:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            for group, body in frames:
                layer.group_send_from_thread(group, body)
        else:
            _loop.run(_group_send_all(layer, frames))
    except Exception:  # a full channel or an unreachable Redis must not undo a committed write
        logger.exception("push to %s failed", ", ".join(group for group, _body in frames[:5]))


async def _group_send_all(layer: BaseChannelLayer, frames: list[Frame]) -> None:
    for group, body in frames:
        await layer.group_send(group, body)


class _PushLoop:
    """One event loop per process in a daemon thread (started on first use, again after a fork)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="awn-push-loop", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())
        future.result(timeout=SEND_TIMEOUT_SECONDS)


_loop = _PushLoop()
