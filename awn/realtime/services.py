"""Every push to agents' and visitors' screens goes through here.

Ticket screens (`ticket_changed`): a frame goes to the per-user group of each user who may see the ticket
(tickets.policies, computed here at push time) and has its page or the queue open; it carries a type and ids
only, and the page fetches what it shows through views that check the permission again. Queue pages get at most
one frame a second per user from each process (the page refreshes again shortly after, so nothing is missed).
Notifications (`notify`) are rows first, then a frame to each allowed user.

Sending: `push` is what services call: the frame leaves once the transaction commits (at once outside one), so a rolled
back write never reaches a screen. A failed send is logged and never undoes the committed write.

Off the request: the reactions to ticket events (handlers.py, after commit) run in one push thread per process
(`in_background`), so a request returns before audiences are computed and frames sent; the thread takes each
reaction at once, so a screen still sees the change within a second. When jobs run inline (AWN_TASKS_MODE=sync:
tests) or the thread is BACKLOG_LIMIT reactions behind, the reaction runs in the caller (back-pressure, nothing
dropped).

The in-memory layer (one process) is sent to directly from the calling thread (it hands each message to its
receiver's loop). Any other layer (channels-redis) is sent to from one event loop per process, in a daemon
thread, so its Redis connections are opened once, not per push.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone

from awn.accounts.models import User
from awn.core.tasks import tasks_mode
from awn.tickets.models import Ticket
from awn.tickets.policies import visible_tickets

from . import selectors
from .groups import EVENT, user_group
from .layers import InMemoryChannelLayer
from .models import AgentNotification, AgentSocket, Page

logger = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 5.0
QUEUE_FRAME_SECONDS = 1.0
SOCKET_STALE_SECONDS = 300  # a page pings every 30 s; its row is written at most once a minute
NOTIFICATION_DAYS = 30
BACKLOG_LIMIT = 1000
# Ticket changes are pushed this long after the first of a burst, together (one audience read for all of them).
BURST_SECONDS = 0.05
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


# ---- reactions off the request ------------------------------------------------------------------------------


class _PushThread:
    """One thread per process (made on first use, again after a fork) that runs reactions in arrival order."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self.pending = 0

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="awn-push")
                self._pid, self.pending = os.getpid(), 0
            return self._executor

    def submit(self, function: Callable[..., None], args: tuple[Any, ...]) -> Future[None] | None:
        """Queue the reaction, or return None when the thread is too far behind (the caller runs it)."""
        pool = self._pool()
        with self._lock:
            if self.pending >= BACKLOG_LIMIT:
                return None
            self.pending += 1
        try:
            return pool.submit(self._run, function, args)
        except RuntimeError:  # the interpreter is stopping
            with self._lock:
                self.pending -= 1
            return None

    def _run(self, function: Callable[..., None], args: tuple[Any, ...]) -> None:
        """The thread keeps its database connection between reactions (opening one per reaction cost more than
        the reaction; CONN_MAX_AGE is for request threads), gives it back after each when it comes from the
        pool, and makes a new one, once, when the kept one has died (a database restart)."""
        try:
            for attempt in (1, 2):
                try:
                    function(*args)
                    break
                except (OperationalError, InterfaceError):
                    _close_connections()
                    if attempt == 2:
                        raise
        except Exception:  # as any on_commit reaction: logged, the others still run
            logger.exception("live screen reaction %s failed", getattr(function, "__name__", function))
        finally:
            _close_connections(pooled_only=True)
            with self._lock:
                self.pending -= 1

    def wait(self, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
        """Until every queued reaction has run (tests; the process's exit)."""
        if self._executor is None or self._pid != os.getpid():
            return
        try:
            marker = self._executor.submit(lambda: None)
        except RuntimeError:  # shut down: nothing more runs
            return
        marker.result(timeout=timeout)


def _close_connections(*, pooled_only: bool = False) -> None:
    for conn in connections.all(initialized_only=True):
        if not pooled_only or conn.settings_dict.get("OPTIONS", {}).get("pool"):
            conn.close()


# At the interpreter's exit, concurrent.futures runs what is queued before it stops (its own exit hook).
_pusher = _PushThread()


def in_background(function: Callable[..., None], *args: Any) -> Future[None] | None:
    """Run a reaction (audience, rows, frames) off the calling request: see the module's docstring. Returns the
    future when it was queued, None when it ran here."""
    if tasks_mode() != "sync":
        future = _pusher.submit(function, args)
        if future is not None:
            return future
    function(*args)
    return None


def wait_for_pushes(timeout: float = SEND_TIMEOUT_SECONDS) -> None:
    """Until every reaction queued so far has run, the changes of a burst still waiting for its timer included."""
    if _burst.waiting():
        in_background(_drain_burst)
    _pusher.wait(timeout)


# ---- agent sockets ------------------------------------------------------------------------------------------


def socket_open(*, user: User, channel_name: str) -> None:
    AgentSocket.objects.update_or_create(
        channel_name=channel_name,
        defaults={"user": user, "page": Page.OTHER, "ticket": None, "seen_at": timezone.now()},
    )


def socket_show(*, user: User, channel_name: str, page: str, ticket_id: int | None = None) -> bool:
    """Record what the socket's page shows. A ticket page is recorded only for a ticket the user may see;
    otherwise the socket shows nothing of it and False is returned."""
    ticket = None
    if page == Page.TICKET:
        ticket = visible_tickets(user).filter(pk=ticket_id or 0).only("pk").first()
    allowed = page != Page.TICKET or ticket is not None
    AgentSocket.objects.filter(channel_name=channel_name, user=user).update(
        page=page if allowed else Page.OTHER, ticket=ticket, seen_at=timezone.now()
    )
    return allowed


def socket_seen(*, user: User, channel_name: str, page: str, ticket_id: int | None) -> None:
    """The page is still there. Its row comes back if a sweep took it (a long pause of the process): pushes
    look for screens in these rows."""
    if not AgentSocket.objects.filter(channel_name=channel_name).update(seen_at=timezone.now()):
        socket_open(user=user, channel_name=channel_name)
        socket_show(user=user, channel_name=channel_name, page=page, ticket_id=ticket_id)


def socket_close(channel_name: str) -> None:
    AgentSocket.objects.filter(channel_name=channel_name).delete()


def sweep() -> None:
    """Rows of sockets whose process died without closing them, and old notifications."""
    now = timezone.now()
    AgentSocket.objects.filter(seen_at__lt=now - timedelta(seconds=SOCKET_STALE_SECONDS)).delete()
    AgentNotification.objects.filter(created_at__lt=now - timedelta(days=NOTIFICATION_DAYS)).delete()


# ---- ticket screens -----------------------------------------------------------------------------------------

_queue_sent: dict[int, float] = {}  # user id → when this process last sent them a queue frame (monotonic)
_queue_lock = threading.Lock()


def ticket_changed(ticket_id: int, kind: str, **ids: int) -> None:
    """Tell the screens that show `ticket_id` (its page, or the queue) of users who may see it that `kind`
    happened. Called after commit (the event map's on_commit reactions)."""
    ticket = selectors.ticket_for_audience(ticket_id)
    if ticket is not None:
        _to_screens(
            ticket, {"type": kind, "ticket": ticket_id, **ids}, selectors.ticket_audience(ticket).screens
        )


def message_added(
    *, ticket_id: int, message_id: int, actor_id: int | None, skip: Iterable[int] = ()
) -> list[int]:
    """A new message (from the customer, a reply, a note): the screens that show the ticket, then its watchers
    who may see it (not its author, nor `skip`), from one audience query. Returns the watchers told."""
    ticket = selectors.ticket_for_audience(ticket_id)
    if ticket is None:
        return []
    audience = selectors.ticket_audience(ticket, with_watchers=True)
    _to_screens(ticket, {"type": "message", "ticket": ticket_id, "message": message_id}, audience.screens)
    skipped = {actor_id, *skip}
    watchers = [user_id for user_id in audience.watchers if user_id not in skipped]
    return _notify_allowed(
        ticket,
        watchers,
        kind="watched",
        key=f"message:{message_id}",
        message_id=message_id,
        actor_id=actor_id,
    )


def _to_screens(ticket: Ticket, frame: dict[str, Any], screens: list[selectors.Screen]) -> None:
    """The frame to users with the ticket's page open; a bare queue frame (at most one a second) to the others."""
    send_many(_screen_frames(ticket, frame, screens))


def _screen_frames(ticket: Ticket, frame: dict[str, Any], screens: list[selectors.Screen]) -> list[Frame]:
    queue_frame = {"type": "queue", "ticket": ticket.pk}
    frames = []
    for screen in screens:
        if screen.ticket_open:
            frames.append((user_group(screen.user_id), message(frame)))
        elif _queue_frame_due(screen.user_id):
            frames.append((user_group(screen.user_id), message(queue_frame)))
    return frames


Change = tuple[int, str, dict[str, int]]  # (ticket id, kind, ids the frame carries)


def tickets_changed(changes: list[Change]) -> None:
    """`ticket_changed` of a burst of changes, in arrival order, with one audience read for the burst: the
    tickets in one query, the teams once, the sockets once per distinct (category, team) of the tickets."""
    if not changes:
        return
    tickets = selectors.tickets_for_audience(list(dict.fromkeys(change[0] for change in changes)))
    screens = selectors.screens_of_tickets(list(tickets.values()))
    frames: list[Frame] = []
    for ticket_id, kind, ids in changes:
        ticket = tickets.get(ticket_id)
        if ticket is not None:  # deleted meanwhile: nobody is shown it any more
            frames += _screen_frames(ticket, {"type": kind, "ticket": ticket_id, **ids}, screens[ticket_id])
    send_many(frames)


class _Burst:
    """Ticket changes waiting for the push thread. The first of a burst queues one drain; the changes that arrive
    before it runs join it, so a burst of creations costs one audience read instead of one per ticket."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changes: list[Change] = []
        self._queued = False
        self._pid = 0

    def add(self, change: Change) -> bool:
        """Keep the change; True when the caller must queue a drain (none is queued yet)."""
        with self._lock:
            if self._pid != os.getpid():  # a fork: the parent's changes are the parent's
                self._changes, self._queued, self._pid = [], False, os.getpid()
            self._changes.append(change)
            if self._queued:
                return False
            self._queued = True
            return True

    def waiting(self) -> bool:
        with self._lock:
            return bool(self._changes) and self._pid == os.getpid()

    def take(self) -> list[Change]:
        with self._lock:
            changes, self._changes, self._queued = self._changes, [], False
            return changes


_burst = _Burst()


def _drain_burst() -> None:
    tickets_changed(_burst.take())


def _queue_drain() -> None:
    in_background(_drain_burst)


def ticket_changed_soon(ticket_id: int, kind: str, **ids: int) -> None:
    """`ticket_changed` off the request, BURST_SECONDS later, joined with the other changes that arrive meanwhile
    (a sync web worker serves one request at a time: without the wait each burst would be one ticket's events).
    Inline where reactions run inline (tests); when the push thread is too far behind, in the caller of the
    drain (nothing dropped)."""
    if tasks_mode() == "sync":
        ticket_changed(ticket_id, kind, **ids)
    elif _burst.add((ticket_id, kind, ids)):
        timer = threading.Timer(BURST_SECONDS, _queue_drain)
        timer.daemon = True
        timer.start()


def _queue_frame_due(user_id: int) -> bool:
    now = time.monotonic()
    with _queue_lock:
        if now - _queue_sent.get(user_id, -QUEUE_FRAME_SECONDS) < QUEUE_FRAME_SECONDS:
            return False
        _queue_sent[user_id] = now
        if len(_queue_sent) > 10_000:
            _queue_sent.clear()
        return True


def forget_queue_frames() -> None:
    """Tests: the next queue frame to anyone is due at once."""
    with _queue_lock:
        _queue_sent.clear()


# ---- notifications ------------------------------------------------------------------------------------------


def notify(
    *,
    ticket_id: int,
    user_ids: Iterable[int],
    kind: str,
    key: str,
    message_id: int | None = None,
    actor_id: int | None = None,
) -> list[int]:
    """Notify the users among `user_ids` who may see the ticket (never its actor): a row each, then a frame.
    `key` names the cause, so a second run writes nothing twice. Returns who was notified."""
    ticket = selectors.ticket_for_audience(ticket_id)
    if ticket is None:
        return []
    users = selectors.allowed_among(ticket, set(user_ids) - {actor_id})
    return _notify_allowed(ticket, users, kind=kind, key=key, message_id=message_id, actor_id=actor_id)


def _notify_allowed(
    ticket: Ticket, users: list[int], *, kind: str, key: str, message_id: int | None, actor_id: int | None
) -> list[int]:
    if not users:
        return []
    dedupe_key = f"{kind}:{key}"[:120]
    AgentNotification.objects.bulk_create(
        [
            AgentNotification(
                user_id=user_id,
                kind=kind,
                ticket_id=ticket.pk,
                message_id=message_id,
                actor_id=actor_id,
                dedupe_key=dedupe_key,
            )
            for user_id in users
        ],
        ignore_conflicts=True,
    )
    frame = {"type": "notification", "kind": kind, "ticket": ticket.pk}
    send_many([(user_group(user_id), message(frame)) for user_id in users])
    return users


def notifications_read(user: User) -> int:
    return AgentNotification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# ---- spike alerts ---------------------------------------------------------------------------------------------


def spike_frame(*, category: str, last_hour: int, usual_per_hour: float, language: str) -> dict[str, Any]:
    """The alert a supervisor's screen shows: what spiked, in their language, and the one-click link to the
    incident form prefilled with the category."""
    from django.utils import translation
    from django.utils.http import urlencode
    from django.utils.translation import gettext, ngettext

    from awn.tickets.enums import Category

    with translation.override("en" if language.startswith("en") else "ar"):
        label = str(Category(category).label) if category in Category.values else category
        text = ngettext(
            "Spike in %(category)s: %(count)d new ticket in the last hour (usually %(usual)s).",
            "Spike in %(category)s: %(count)d new tickets in the last hour (usually %(usual)s).",
            last_hour,
        ) % {"category": label, "count": last_hour, "usual": f"{usual_per_hour:.1f}"}
        link_text = gettext("Declare an incident")
    return {
        "type": "spike",
        "category": category,
        "count": last_hour,
        "text": text,
        "link_text": link_text,
        "url": "/workspace/incidents/?" + urlencode({"category": category}),
    }


def spike_alert(*, category: str, last_hour: int, usual_per_hour: float) -> list[int]:
    """Push a spike alert to each supervisor who may act on it (selectors.spike_alert_recipients). Returns their
    ids."""
    users = selectors.spike_alert_recipients(category)
    send_many(
        (
            user_group(user.pk),
            message(
                spike_frame(
                    category=category,
                    last_hour=last_hour,
                    usual_per_hour=usual_per_hour,
                    language=user.preferred_language or "ar",
                )
            ),
        )
        for user in users
    )
    return [user.pk for user in users]
