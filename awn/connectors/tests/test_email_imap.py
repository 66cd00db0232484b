"""IMAP polling against a real Dovecot (Debian's dovecot-imapd), started by the test with its own config."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from imap_tools import BaseMailBox, MailBoxUnencrypted

from awn.connectors import inbound
from awn.connectors.enums import EventStatus
from awn.connectors.models import InboundEvent, Inbox
from awn.connectors.services import inbox_save
from awn.connectors.tasks import poll_inboxes, sweep
from awn.tickets.models import Message, Ticket

from .mailservers import DOVECOT, Dovecot, mail

MAILBOX_USER = "support@school.test"
MAILBOX_PASSWORD = "imap-secret-81"

if not shutil.which("dovecot") and not os.path.exists(DOVECOT):
    if os.environ.get("CI") == "true":
        pytest.fail("dovecot is not installed (apt-get install dovecot-imapd); CI must run the IMAP tests")
    pytestmark = pytest.mark.skip(reason="dovecot is not installed: apt-get install dovecot-imapd")


def poll_and_process() -> None:
    """What the schedule does: poll the mailboxes, then sweep up the stored events (the tests' transaction never
    commits, so the jobs enqueued on commit do not run)."""
    poll_inboxes()
    sweep(stale_seconds=0)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with Dovecot({MAILBOX_USER: MAILBOX_PASSWORD}) as server:
        yield server


@pytest.fixture
def imap_inbox(db: None, dovecot: Dovecot) -> Inbox:
    return inbox_save(
        inbox=None,
        name="بريد المدارس",
        kind="email",
        settings={
            "from_address": MAILBOX_USER,
            "imap_host": "127.0.0.1",
            "imap_port": str(dovecot.port),
            "imap_user": MAILBOX_USER,
            "imap_security": "none",
            "poll_seconds": "0",
        },
        secrets={"imap_password": MAILBOX_PASSWORD},
    )


def append(dovecot: Dovecot, message: EmailMessage) -> None:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(MAILBOX_USER, MAILBOX_PASSWORD) as box:
        box.append(message.as_bytes(), "INBOX", flag_set=[])


def unseen(dovecot: Dovecot) -> list[str]:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(MAILBOX_USER, MAILBOX_PASSWORD) as box:
        return list(box.uids("UNSEEN"))


@pytest.fixture(autouse=True)
def _sync(settings: Any) -> None:
    settings.AWN_TASKS_MODE = "sync"


def test_the_worker_polls_unseen_mail_into_tickets(world, imap_inbox, dovecot) -> None:
    question = mail(
        "متى يفتح التسجيل للصف الأول؟", subject="التسجيل", attachments=[("a.txt", b"hi", "text/plain")]
    )
    append(dovecot, question)
    append(dovecot, mail("طلب نقل إلى مدرسة أخرى", subject="نقل", sender="other.parent@example.com"))
    assert len(unseen(dovecot)) == 2
    poll_and_process()  # what run_worker does on every loop
    assert unseen(dovecot) == []
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.DONE}
    assert InboundEvent.objects.get(external_id=question["Message-ID"]).payload["via"] == "imap"
    ticket = Ticket.objects.get(subject="التسجيل")
    assert ticket.channel == "email" and ticket.requester.email == "parent.sara@example.com"
    first = Message.objects.get(ticket=ticket)
    assert first.body == "متى يفتح التسجيل للصف الأول؟"
    assert list(first.attachments.values_list("filename", flat=True)) == ["a.txt"]
    assert Ticket.objects.filter(channel="email").count() == 2


def test_mail_fetched_again_after_a_crash_is_absorbed(world, imap_inbox, dovecot, monkeypatch) -> None:
    append(dovecot, mail("سؤال عن الحضور والغياب", subject="الحضور"))

    # The worker dies after storing the raw event but before flagging the mail \\Seen.
    original_flag = BaseMailBox.flag

    def die(*args: Any, **kwargs: Any) -> None:
        raise ConnectionResetError("worker killed")

    monkeypatch.setattr(BaseMailBox, "flag", die)
    poll_and_process()
    assert len(unseen(dovecot)) == 1
    assert InboundEvent.objects.count() == 1
    monkeypatch.setattr(BaseMailBox, "flag", original_flag)
    poll_and_process()  # fetched again: the dedupe absorbs it, then it is flagged
    assert unseen(dovecot) == []
    assert InboundEvent.objects.count() == 1
    assert Message.objects.filter(body="سؤال عن الحضور والغياب").count() == 1


def test_a_processing_crash_is_picked_up_by_the_sweep(world, imap_inbox, dovecot, monkeypatch) -> None:
    append(dovecot, mail("لا أستطيع طباعة الشهادة", subject="الشهادة"))

    def crash(step: str) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(inbound, "fault_point", crash)
    poll_and_process()
    assert unseen(dovecot) == [] and InboundEvent.objects.get().status == EventStatus.PENDING
    monkeypatch.setattr(inbound, "fault_point", lambda step: None)
    poll_and_process()
    assert Message.objects.filter(body="لا أستطيع طباعة الشهادة").count() == 1


def test_wrong_password_stores_nothing_and_leaves_mail_unseen(world, imap_inbox, dovecot, caplog) -> None:
    inbox_save(
        inbox=imap_inbox,
        name=imap_inbox.name,
        kind="email",
        settings=imap_inbox.settings,
        secrets={"imap_password": "wrong"},
    )
    append(dovecot, mail())
    poll_and_process()
    assert InboundEvent.objects.count() == 0
    assert len(unseen(dovecot)) == 1
    assert "poll failed" in caplog.text


def test_the_poll_interval_is_respected(world, imap_inbox, dovecot) -> None:
    inbox_save(
        inbox=imap_inbox,
        name=imap_inbox.name,
        kind="email",
        settings={**imap_inbox.settings, "poll_seconds": "3600"},
    )
    imap_inbox.refresh_from_db()
    poll_and_process()  # polls (first time), then waits an hour
    append(dovecot, mail())
    poll_and_process()
    assert InboundEvent.objects.count() == 0


def test_mail_past_the_size_limit_is_left_unseen_and_not_downloaded(
    world, imap_inbox, dovecot, monkeypatch
) -> None:
    monkeypatch.setenv("AWN_EMAIL_MAX_BYTES", "20000")
    append(dovecot, mail("ملف كبير", subject="كبير", attachments=[("big.txt", b"x" * 40_000, "text/plain")]))
    append(dovecot, mail("سؤال قصير", subject="قصير"))
    poll_and_process()
    assert list(Ticket.objects.filter(channel="email").values_list("subject", flat=True)) == ["قصير"]
    assert len(unseen(dovecot)) == 1  # the big one, for a person to look at in the mailbox
