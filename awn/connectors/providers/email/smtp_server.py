"""Awn's inbound SMTP server (aiosmtpd): accepts mail for the inboxes' receiving addresses and answers 250 only
once the raw message is stored as a raw event (keyed by its Message-ID, so a resend is absorbed)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
T = TypeVar("T")


def max_message_bytes() -> int:
    """The largest mail accepted (SIZE, 552 beyond): room for the attachment limit encoded in base64."""
    from django.conf import settings

    default = settings.AWN_ATTACHMENT_MAX_BYTES * 2 + 1024 * 1024
    return int(os.environ.get("AWN_EMAIL_MAX_BYTES", str(default)))


def inboxes_for(address: str) -> list[int]:
    """Active email inboxes whose receiving address (or, without one, from address) is `address`."""
    from ...models import Inbox

    wanted = address.strip().lower()
    found = []
    for inbox in Inbox.objects.filter(kind="email", is_active=True).only("pk", "settings"):
        receiving = inbox.settings.get("inbound_address", "") or inbox.settings.get("from_address", "")
        if receiving.strip().lower() == wanted:
            found.append(inbox.pk)
    return found


def store(raw: bytes, rcpt_tos: list[str], mail_from: str) -> int:
    """One raw event per receiving inbox; returns how many were new."""
    from ...models import Inbox
    from ...services import events_store
    from . import raw_item

    stored = 0
    pks = {pk for rcpt in rcpt_tos for pk in inboxes_for(rcpt)}
    for inbox in Inbox.objects.filter(pk__in=pks):
        item = raw_item(raw, "smtp", mail_from=mail_from[:200], rcpt_to=rcpt_tos[:10])
        stored += events_store(inbox, [item])[0]
    return stored


def _in_thread(func: Callable[..., T], *args: Any) -> T:
    close_old_connections()
    try:
        return func(*args)
    finally:
        connections.close_all()


class InboxHandler:
    """aiosmtpd handler: unknown recipients are refused at RCPT, the message is stored before 250."""

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, _in_thread, func, *args)

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


def smtp_controller(host: str, port: int) -> Controller:
    """The server in a background thread: `.start()`, `.stop()`."""
    return Controller(
        InboxHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_message_bytes(),
        ident="Awn",
        server_hostname=host,
    )
