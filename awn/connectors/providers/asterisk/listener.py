"""The long-running AMI intake (`manage.py run_ami`): one panoramisk connection per active Asterisk inbox.

Each connection logs in, feeds the call events of the PBX to a CallTranslator and stores what it yields through
the idempotent raw-event path (events_store: unique inbox + `ami:<Linkedid>:<kind>`); the worker applies them
with the CTI code. The listener never applies anything itself, so a crash between two AMI events loses nothing
that was stored and a replay (a reconnect, a second listener) stores nothing twice.

Faults: an unreachable PBX, a dropped connection or a PBX that stops answering pings is retried with exponential
backoff (1 s doubling to 60 s, reset after a successful login); a refused login is logged as an error, shown on
the inbox list (Inbox.connection_error) and retried with the same backoff, with the inbox's settings and secret
read again before every attempt, so an admin's fix is picked up without a restart. An AMI event that cannot be
handled is logged and skipped; the connection stays up. The events waiting in the queue are stored together (one
INSERT); past HIGH_WATER waiting events the socket is not read until the queue drains (Asterisk holds them), and a
database outage is waited out with backoff, so neither a burst nor a database restart drops a call event. Events
Asterisk emits while no listener is connected are not replayed by Asterisk: a call that ends in such a gap is
finished from what was stored when its hangup is seen (see _restore), or stays as logged so far.

Why its own command and not inside run_worker: the worker is a synchronous sweep loop that may run as several
copies, the AMI connection is one long-lived socket per PBX; keeping them apart lets either restart alone. Two
run_ami processes by mistake store nothing twice (same keys).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections
from panoramisk import Manager

from ...base import RawItem
from ...enums import ListenerError
from ..cti import agent_extensions
from . import DEFAULT_PORT, DEFAULT_TLS_PORT
from .translate import CallEvent, CallTranslator, headers_of

logger = logging.getLogger(__name__)
T = TypeVar("T")
WANTED_EVENTS = frozenset(
    {"newchannel", "varset", "userevent", "agentconnect", "dialend", "queuecallerabandon", "hangup"}
)
# Backpressure: past HIGH_WATER queued events the listener stops reading the socket (Asterisk buffers them) and
# reads again below LOW_WATER, so a burst (a replay, a busy hour, a slow database) is never dropped.
HIGH_WATER = 2000
LOW_WATER = 500
BATCH_MAX = 200  # queued events stored together in one INSERT
NO_PANORAMISK_PING = 10**9  # the listener pings itself and notices a silent PBX


class _Manager(Manager):  # type: ignore[misc]  # panoramisk ships no types: its Manager is Any
    """panoramisk's Manager with its own fixed-delay reconnect turned off: the listener decides when to retry.

    `login_result` gets the Login response, `lost` the end of the connection."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.login_result: asyncio.Future[Any] = self.loop.create_future()
        self.lost: asyncio.Future[Any] = self.loop.create_future()

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if f.cancelled() or f.exception() is not None:
            return  # the listener sees the failure on the connect task itself
        super().connection_made(f)

    def login(self, future: asyncio.Future[Any]) -> bool:
        ok = bool(super().login(future))
        if not self.login_result.done():
            self.login_result.set_result(future.result())
        return ok

    def connection_lost(self, exc: Any) -> None:
        self._connected = False
        pinger: Any = getattr(self, "pinger", None)
        if pinger is not None:
            pinger.cancel()
            self.pinger = None
        if not self.lost.done():
            self.lost.set_result(exc)


@dataclass(frozen=True)
class AmiConfig:
    host: str
    port: int
    username: str
    tls: bool
    ca: str
    secret: str
    inbound_contexts: tuple[str, ...]
    ivr_variable: str
    agent_keys: tuple[str, ...]


def ami_config(inbox: Any) -> AmiConfig:
    from ...registry import connector_for

    settings = inbox.settings
    port_text = str(settings.get("ami_port") or "").strip()
    tls = settings.get("ami_security") == "tls"
    return AmiConfig(
        host=str(settings.get("ami_host") or "").strip(),
        port=int(port_text)
        if port_text.isdigit() and 0 < int(port_text) < 65536
        else (DEFAULT_TLS_PORT if tls else DEFAULT_PORT),
        username=str(settings.get("ami_username") or "").strip(),
        tls=tls,
        ca=str(settings.get("ami_ca") or "").strip(),
        secret=connector_for(inbox.kind).secret(inbox, "ami_secret"),
        inbound_contexts=tuple(str(settings.get("inbound_contexts") or "").split(",")),
        ivr_variable=str(settings.get("ivr_variable") or ""),
        agent_keys=tuple(agent_extensions(inbox)),
    )


class AmiListener:
    def __init__(
        self,
        inbox_id: int,
        *,
        backoff_start: float = 1.0,
        backoff_max: float = 60.0,
        ping_seconds: float = 20.0,
        timeout: float = 10.0,
        manage_connections: bool = False,
    ) -> None:
        self.inbox_id = inbox_id
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.ping_seconds = ping_seconds
        self.timeout = timeout
        # A long-running process drops broken database connections before each use (not inside a test's
        # transaction).
        self.manage_connections = manage_connections
        self.translator = CallTranslator()
        self.queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._paused: Any = None  # the transport whose reading is paused, if any
        self.inbox: Any = None
        self.logins = 0  # successful logins (tests and the command's log read these)
        self.handled = 0  # AMI events taken off the queue
        self.stored = 0  # new raw events stored

    # --- the database, from the event loop ----------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        def call() -> T:
            if self.manage_connections:
                close_old_connections()
            return fn(*args)

        return await sync_to_async(call, thread_sensitive=True)()

    def _load(self) -> AmiConfig | None:
        from ...models import Inbox

        self.inbox = Inbox.objects.filter(pk=self.inbox_id, kind="asterisk", is_active=True).first()
        return ami_config(self.inbox) if self.inbox is not None else None

    def _set_error(self, code: str) -> None:
        from ...services import inbox_set_connection_error

        inbox_set_connection_error(self.inbox_id, code)

    def _store(self, items: list[RawItem]) -> int:
        from ...services import events_store

        return events_store(self.inbox, items)[0]

    def _stored_call(self, call_id: str) -> dict[str, dict[str, Any]] | None:
        """What was stored for a call before this listener started, by kind; None when its start is unknown."""
        from ...models import InboundEvent

        rows = InboundEvent.objects.filter(
            inbox_id=self.inbox_id,
            external_id__in=[f"ami:{call_id}:{k}" for k in ("ringing", "ivr", "answered", "abandoned")],
        ).values_list("external_id", "payload")
        found = {external_id.rsplit(":", 1)[1]: payload for external_id, payload in rows}
        return found if "ringing" in found else None

    # --- the connection ---------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff."""
        consumer = asyncio.create_task(self._consume())
        delay = self.backoff_start
        try:
            while True:
                logins = self.logins
                outcome = await self._session()
                if self.logins > logins:
                    delay = self.backoff_start  # it worked for a while: start the backoff over
                wait = delay * random.uniform(0.8, 1.2)
                logger.warning("inbox %s: AMI %s; reconnecting in %.1f s", self.inbox_id, outcome, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.backoff_max)
        finally:
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer

    async def _session(self) -> str:
        config = await self._db(self._load)
        if config is None:
            return "inbox disabled or removed"
        self.translator.configure(
            inbound_contexts=config.inbound_contexts,
            ivr_variable=config.ivr_variable,
            agent_extensions=config.agent_keys,
        )
        if not config.host or not config.username:
            logger.error("inbox %s: the AMI host and user are not set", self.inbox_id)
            await self._db(self._set_error, ListenerError.UNREACHABLE)
            return "not configured"
        manager = _Manager(
            loop=asyncio.get_running_loop(),
            host=config.host,
            port=config.port,
            username=config.username,
            secret=config.secret,
            ssl=_tls_context(config) if config.tls else False,
            events="on",
            ping_delay=NO_PANORAMISK_PING,
            ping_interval=NO_PANORAMISK_PING,
            log=logger,
        )
        manager.register_event("*", self._on_event)
        where = f"{config.host}:{config.port}"
        try:
            try:
                await asyncio.wait_for(manager.connect(), self.timeout)
            except ssl.SSLError as exc:
                logger.error("inbox %s: TLS with Asterisk AMI at %s failed: %s", self.inbox_id, where, exc)
                await self._db(self._set_error, ListenerError.TLS_FAILED)
                return "TLS refused"
            except (OSError, TimeoutError) as exc:
                logger.warning("inbox %s: cannot reach Asterisk AMI at %s: %s", self.inbox_id, where, exc)
                await self._db(self._set_error, ListenerError.UNREACHABLE)
                return "unreachable"
            await asyncio.wait(
                {manager.login_result, manager.lost},
                timeout=self.timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not manager.login_result.done():
                logger.warning("inbox %s: Asterisk AMI at %s did not answer the login", self.inbox_id, where)
                await self._db(self._set_error, ListenerError.UNREACHABLE)
                return "no login answer"
            response = manager.login_result.result()
            if not response.success:
                logger.error(
                    "inbox %s: Asterisk AMI at %s refused the login of user %r: %s",
                    self.inbox_id,
                    where,
                    config.username,
                    response.message or response.response,
                )
                await self._db(self._set_error, ListenerError.LOGIN_FAILED)
                return "login refused"
            self.logins += 1
            logger.info(
                "inbox %s: logged in to Asterisk AMI at %s as %r", self.inbox_id, where, config.username
            )
            await self._db(self._set_error, ListenerError.NONE)
            return await self._keep_alive(manager)
        finally:
            manager.close()

    async def _keep_alive(self, manager: _Manager) -> str:
        while True:
            done, _pending = await asyncio.wait({manager.lost}, timeout=self.ping_seconds)
            if done:
                return "connection lost"
            if self._paused is not None:
                continue  # reading is paused (we are behind): the answer could not be read
            try:
                await asyncio.wait_for(manager.send_action({"Action": "Ping"}), self.timeout)
            except TimeoutError:
                return "silent (no answer to a ping)"

    def _on_event(self, manager: Any, message: Any) -> None:
        """panoramisk's callback, inside the protocol's data_received: only queue, never raise."""
        try:
            headers = headers_of(message)
            if headers.get("event", "").lower() not in WANTED_EVENTS:
                return
            self.queue.put_nowait(headers)
            if self.queue.qsize() >= HIGH_WATER and self._paused is None:
                transport = getattr(getattr(manager, "protocol", None), "transport", None)
                if transport is not None and not transport.is_closing():
                    transport.pause_reading()
                    self._paused = transport
                    logger.warning(
                        "inbox %s: %d AMI events waiting, reading paused", self.inbox_id, HIGH_WATER
                    )
        except Exception:
            logger.exception("inbox %s: unreadable AMI event", self.inbox_id)

    # --- events -------------------------------------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < BATCH_MAX and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            items: list[RawItem] = []
            for headers in batch:
                try:
                    items += await self._translate(headers)
                except Exception:
                    logger.exception(
                        "inbox %s: AMI event %s not handled", self.inbox_id, headers.get("event", "?")[:40]
                    )
            if items:
                self.stored += await self._store_retrying(items)
            self.handled += len(batch)
            if self._paused is not None and self.queue.qsize() <= LOW_WATER:
                if not self._paused.is_closing():
                    self._paused.resume_reading()
                self._paused = None

    async def _translate(self, headers: dict[str, str]) -> list[RawItem]:
        now = time.time()
        events = self.translator.feed(headers, now)
        if events and not events[0].tracked:
            if not await self._restore(events[0]):
                return []
            events = self.translator.feed(headers, now)
        return [RawItem(e.external_id, e.payload()) for e in events if e.tracked]

    async def _store_retrying(self, items: list[RawItem]) -> int:
        """Store, waiting out a database outage (reading pauses meanwhile): call events are not dropped."""
        delay = 1.0
        while True:
            try:
                return await self._db(self._store, items)
            except (OperationalError, InterfaceError) as exc:
                logger.error(
                    "inbox %s: %d call events not stored yet (%s); retrying in %.0f s",
                    self.inbox_id,
                    len(items),
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _restore(self, event: CallEvent) -> bool:
        """Take back a call that began before this listener started, from its stored events."""
        stored = await self._db(self._stored_call, event.call_id)
        if stored is None:
            return False  # not a call we logged: its start was never seen
        answered = stored.get("answered")
        self.translator.restore(
            event.call_id,
            str(stored["ringing"].get("caller") or event.caller),
            answered_at=_epoch(answered.get("at")) if answered else None,
            abandoned="abandoned" in stored,
            ivr=str((stored.get("ivr") or {}).get("ivr") or ""),
        )
        return True


def _tls_context(config: AmiConfig) -> ssl.SSLContext:
    """The public authorities, plus the PBX's own CA when given; the certificate must name the host."""
    context = ssl.create_default_context()
    if config.ca:
        context.load_verify_locations(cadata=config.ca)
    return context


def _epoch(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return time.time()


async def supervise(*, inbox_uuid: str | None = None, reload_seconds: float = 30.0, **options: Any) -> None:
    """Run one listener per active Asterisk inbox (or the one given); start, stop and restart them as inboxes
    are added, disabled or edited. Runs until cancelled."""
    from ...models import Inbox

    def wanted() -> dict[int, tuple[str, str]]:
        rows = Inbox.objects.filter(kind="asterisk", is_active=True)
        if inbox_uuid:
            rows = rows.filter(uuid=inbox_uuid)
        return {
            pk: (repr(sorted(settings.items())), secrets)
            for pk, settings, secrets in rows.values_list("pk", "settings", "secrets_encrypted")
        }

    running: dict[int, tuple[tuple[str, str], asyncio.Task[None]]] = {}
    idle_noted = False  # say "no inbox" once, not at every reload (the embedded listener runs without any)
    try:
        while True:
            if options.get("manage_connections"):
                await sync_to_async(close_old_connections, thread_sensitive=True)()
            target = await sync_to_async(wanted, thread_sensitive=True)()
            for pk in list(running):
                if target.get(pk) != running[pk][0]:
                    running.pop(pk)[1].cancel()
                    logger.info("inbox %s: AMI listener stopped (inbox disabled or edited)", pk)
            for pk, fingerprint in target.items():
                if pk not in running:
                    running[pk] = (fingerprint, asyncio.create_task(AmiListener(pk, **options).run()))
                    logger.info("inbox %s: AMI listener started", pk)
            if not target and not idle_noted:
                logger.info(
                    "no active Asterisk inbox to listen to (checked again every %.0f s)", reload_seconds
                )
            idle_noted = not target
            await asyncio.sleep(reload_seconds)
    finally:
        for _fingerprint, task in running.values():
            task.cancel()
        await asyncio.gather(*(task for _f, task in running.values()), return_exceptions=True)
