"""Awn's inbound SMTP server (aiosmtpd): accepts mail for the inboxes' receiving addresses and answers 250 only
once the raw message is stored as a raw event (keyed by its Message-ID, so a resend is absorbed)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from django.db import connections

logger = logging.getLogger(__name__)
T = TypeVar("T")


def max_message_bytes() -> int:
    """The largest mail accepted (SIZE, 552 beyond): room for the attachment limit encoded in base64."""
    from django.conf import settings

    default = settings.AWN_ATTACHMENT_MAX_BYTES * 2 + 1024 * 1024
    return int(os.environ.get("AWN_EMAIL_MAX_BYTES", str(default)))


_addresses: tuple[float, dict[str, list[int]]] = (0.0, {})
ADDRESSES_TTL_SECONDS = 10.0


def inboxes_for(address: str) -> list[int]:
    """Active email inboxes whose receiving address (or, without one, from address) is `address`.

    The address map is read at most every ADDRESSES_TTL_SECONDS: a new or disabled inbox counts within that."""
    global _addresses
    loaded_at, by_address = _addresses
    if time.monotonic() - loaded_at > ADDRESSES_TTL_SECONDS:
        from ...models import Inbox

        by_address = {}
        for inbox in Inbox.objects.filter(kind="email", is_active=True).only("pk", "settings"):
            receiving = inbox.settings.get("inbound_address", "") or inbox.settings.get("from_address", "")
            by_address.setdefault(receiving.strip().lower(), []).append(inbox.pk)
        _addresses = (time.monotonic(), by_address)
    return list(by_address.get(address.strip().lower(), []))


def forget_addresses() -> None:
    global _addresses
    _addresses = (0.0, {})


def store(raw: bytes, rcpt_tos: list[str], mail_from: str) -> int:
    """One raw event per receiving inbox; returns how many were new. Raises when no inbox takes it any more
    (disabled since RCPT): the client gets a 4xx and tries again rather than a 250 for mail nobody stored."""
    from ...models import Inbox
    from ...services import events_store
    from .parsing import raw_item

    inboxes: list[Inbox] = []
    for attempt in range(2):
        pks = {pk for rcpt in rcpt_tos for pk in inboxes_for(rcpt)}
        inboxes = list(Inbox.objects.filter(pk__in=pks, kind="email", is_active=True))
        if inboxes or attempt:
            break
        forget_addresses()  # the cached map may predate a change of inboxes
    if not inboxes:
        raise LookupError(f"no active email inbox for {rcpt_tos!r}")
    stored = 0
    item = raw_item(raw, "smtp", mail_from=mail_from[:200], rcpt_to=rcpt_tos[:10])
    for inbox in inboxes:
        stored += events_store(inbox, [item])[0]
    return stored


class DatabaseThreads:
    """A few threads for the handler's database work, each keeping its connection between messages (opening
    one per mail halved the intake rate); closed, with their connections, when the server stops."""

    def __init__(self, count: int = 4) -> None:
        self._pools = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="awn-smtp-db") for _ in range(count)
        ]
        self._next = itertools.cycle(self._pools)

    def submit(self, func: Callable[..., T], *args: Any) -> Future[T]:
        return next(self._next).submit(_in_thread, func, *args)

    def close(self) -> None:
        for pool in self._pools:
            pool.submit(connections.close_all).result(timeout=30)
            pool.shutdown(wait=True)


def _in_thread(func: Callable[..., T], *args: Any) -> T:
    try:
        return func(*args)
    except Exception:
        connections.close_all()  # the next call starts on a fresh connection
        raise


class InboxHandler:
    """aiosmtpd handler: unknown recipients are refused at RCPT, the message is stored before 250."""

    def __init__(self) -> None:
        self.threads = DatabaseThreads()

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self.threads.submit(func, *args))

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            known = await self._run(inboxes_for, address)
        except Exception:
            logger.exception("SMTP: looking up the recipient %s failed", address)
            return "451 4.3.0 Temporary failure, try again later"
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        if len(raw) > max_message_bytes():
            return "552 5.3.4 Message too big"
        try:
            stored = await self._run(store, raw, list(envelope.rcpt_tos), envelope.mail_from or "")
        except Exception:
            logger.exception("SMTP: storing a message from %s failed", envelope.mail_from)
            return "451 4.3.0 The message could not be stored, try again later"
        logger.info("SMTP: message from %s stored (%d new)", envelope.mail_from, stored)
        return "250 2.0.0 Message accepted"


class SmtpController(Controller):
    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.threads.close()


def smtp_controller(host: str, port: int) -> SmtpController:
    """The server in a background thread: `.start()`, `.stop()`."""
    forget_addresses()
    return SmtpController(
        InboxHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_message_bytes(),
        ident="Awn",
        server_hostname=host,
    )
