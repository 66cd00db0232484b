"""IMAP polling with imap-tools: UNSEEN mail → raw events, then \\Seen (never the other way round)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from imap_tools import (
    BaseMailBox,
    MailBox,
    MailBoxStartTls,
    MailBoxUnencrypted,
    MailMessage,
    MailMessageFlags,
)

if TYPE_CHECKING:
    from ...models import Inbox

logger = logging.getLogger(__name__)
FETCH_BATCH = 20
POLL_MAX_MESSAGES = 500
IMAP_TIMEOUT_SECONDS = 30


class RawMailMessage(MailMessage):
    """imap-tools' message, keeping the exact bytes the server sent (the stored raw event is those bytes)."""

    def __init__(self, fetch_data: list[Any]) -> None:  # imaplib's fetch data (typeshed: list[Any])
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]


def _mailbox(inbox: Inbox) -> BaseMailBox:
    settings = inbox.settings
    host = settings.get("imap_host", "")
    security = settings.get("imap_security", "") or "ssl"
    port_text = str(settings.get("imap_port", "") or "").strip()
    port = int(port_text) if port_text.isdigit() else (993 if security == "ssl" else 143)
    box: BaseMailBox
    if security == "ssl":
        box = MailBox(host, port, timeout=IMAP_TIMEOUT_SECONDS)
    elif security == "starttls":
        box = MailBoxStartTls(host, port, timeout=IMAP_TIMEOUT_SECONDS)
    else:
        box = MailBoxUnencrypted(host, port, timeout=IMAP_TIMEOUT_SECONDS)
    box.email_message_class = RawMailMessage
    return box


def imap_fetch_unseen(inbox: Inbox, *, password: str) -> int:
    """Store every UNSEEN message of the inbox's folder as a raw event; returns how many were new."""
    from ...services import events_store
    from .parsing import raw_item

    max_bytes = _max_bytes()
    stored = 0
    box = _mailbox(inbox)
    folder = inbox.settings.get("imap_folder", "") or "INBOX"
    with box.login(inbox.settings.get("imap_user", ""), password, initial_folder=folder) as mailbox:
        uids = list(mailbox.uids("UNSEEN"))[:POLL_MAX_MESSAGES]
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            # Sizes first (headers only): a mail past the limit is never downloaded, and at most one full
            # message is held in memory at a time.
            sizes = {
                m.uid: m.size_rfc822
                for m in mailbox.fetch(uid_list=batch, mark_seen=False, headers_only=True, bulk=True)
                if m.uid
            }
            wanted = [uid for uid in batch if sizes.get(uid, 0) <= max_bytes]
            for uid in batch:
                if uid not in wanted:
                    logger.warning(
                        "inbox %s: IMAP uid %s is too large (%s bytes), left for a person",
                        inbox.pk,
                        uid,
                        sizes.get(uid),
                    )
            items = []
            message: Any
            for message in mailbox.fetch(uid_list=wanted, mark_seen=False) if wanted else ():
                items.append(raw_item(message.raw, "imap", uid=message.uid))
            if items:
                stored += events_store(inbox, items)[0]
            if wanted:
                mailbox.flag(wanted, MailMessageFlags.SEEN, True)  # only once stored
    return stored


def _max_bytes() -> int:
    from .smtp_server import max_message_bytes

    return max_message_bytes()
