"""The migrations that make the channel thread own a live chat's ticket and contact (issue 11 item 4): the old
shape (chat.Conversation with its own ticket and contact) is loaded through the historical models, migrated
forward, and every session, line and link is checked; then back, and the old columns are rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD = ("chat", "0001_initial")
OLD_CHAT = (
    "chat",
    "Conversation",
)  # the old shape's model: a ticket and a contact of its own (LiveSession since 0005)
NEW = ("chat", "0005_rename_conversation_livesession")  # linked, columns dropped, renamed LiveSession
SESSION_FIELDS = (
    "key",
    "status",
    "agent_id",
    "team_id",
    "visitor_name",
    "visitor_email",
    "visitor_phone",
    "language",
    "offline",
    "created_at",
    "queued_at",
    "accepted_at",
    "closed_at",
    "transcript_sent",
)


def _migrate(node: tuple[str, str]) -> Apps:
    executor = MigrationExecutor(connection)
    targets = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != "chat"] + [node]
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_shape(transactional_db: None) -> Iterator[Apps]:
    apps = _migrate(OLD)
    try:
        yield apps
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("chat")[0])


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=UTC)


def _load_old_rows(apps: Apps) -> dict[str, Any]:
    Contact = apps.get_model("crm", "Contact")
    Ticket = apps.get_model("tickets", "Ticket")
    Inbox = apps.get_model("connectors", "Inbox")
    Thread = apps.get_model("connectors", "Conversation")
    Chat: Any = apps.get_model(*OLD_CHAT)
    Line = apps.get_model("chat", "Line")
    User = apps.get_model("accounts", "User")
    Team = apps.get_model("accounts", "Team")

    agent = User.objects.create(username="agent-1")
    team = Team.objects.create(name="القبول")
    sara = Contact.objects.create(name="سارة", email="sara@example.sa")
    sara_by_mail = Contact.objects.create(name="sara@example.sa", email="sara.work@example.sa")
    omar = Contact.objects.create(name="عمر", phone="+966503333333")
    web_chat = Inbox.objects.create(name="المحادثة المباشرة على الموقع", kind="web_chat")
    mail = Inbox.objects.create(name="الدعم", kind="email")

    def ticket(key: str, requester: Any) -> Any:
        return Ticket.objects.create(subject=key, requester=requester, channel="chat")

    chats: dict[str, dict[str, Any]] = {}

    def chat(key: str, contact: Any, hour: int, **extra: Any) -> Any:
        t = ticket(key, contact)
        row = Chat.objects.create(
            ticket=t,
            contact=contact,
            key=f"k-{key}",
            visitor_name=contact.name,
            visitor_email=contact.email,
            visitor_phone=contact.phone,
            **extra,
        )
        Chat.objects.filter(pk=row.pk).update(created_at=_at(hour))
        row.refresh_from_db()
        chats[key] = {"pk": row.pk, "ticket": t.pk, "contact": contact.pk} | {
            f: getattr(row, f) for f in SESSION_FIELDS
        }
        return row

    # 1. The common case: migration connectors 0011 gave the chat a thread of the web-chat inbox.
    closed = chat(
        "closed",
        sara,
        8,
        status="closed",
        agent=agent,
        team=team,
        queued_at=_at(8, 2),
        accepted_at=_at(8, 3),
        closed_at=_at(8, 30),
        transcript_sent=True,
        language="en",
    )
    Thread.objects.create(
        ticket_id=closed.ticket_id,
        inbox=web_chat,
        address="sara@example.sa",
        contact=sara,
        external_id=str(closed.pk),
        last_inbound_at=_at(8, 20),
        created_at=_at(8),
    )
    # 2. The visitor answered the transcript from another address: the ticket's thread is the email one, whose
    #    contact is not the chat's.
    mailed = chat("mailed", sara, 9, status="queued", queued_at=_at(9, 1), offline=True)
    Thread.objects.create(
        ticket_id=mailed.ticket_id,
        inbox=mail,
        address="sara.work@example.sa",
        contact=sara_by_mail,
        last_inbound_at=_at(12),
    )
    # 3. A chat whose ticket has no thread at all (none expected; it must not be lost either).
    orphan = chat("orphan", omar, 10)
    # A ticket with a thread and no chat: untouched.
    other = ticket("whatsapp", omar)
    Thread.objects.create(
        ticket=other, inbox=mail, address="omar@example.sa", contact=omar, last_inbound_at=_at(7)
    )

    for key, sender, minute in (("closed", "visitor", 5), ("closed", "agent", 10), ("orphan", "visitor", 15)):
        line = Line.objects.create(conversation_id=chats[key]["pk"], sender=sender, body="…")
        Line.objects.filter(pk=line.pk).update(created_at=_at(10, minute))
    return {
        "chats": chats,
        "threads": {
            (t.pk, t.ticket_id, t.contact_id, t.inbox_id, t.external_id) for t in Thread.objects.all()
        },
        "lines": set(Line.objects.values_list("pk", "conversation_id", "sender", "created_at")),
        "inboxes": {"web_chat": web_chat.pk, "mail": mail.pk},
        "orphan_contact": orphan.contact_id,
    }


def test_every_live_session_is_linked_to_its_tickets_thread(old_shape: Apps) -> None:
    old = _load_old_rows(old_shape)
    apps = _migrate(NEW)
    Chat = apps.get_model("chat", "LiveSession")
    Thread = apps.get_model("connectors", "Conversation")
    Line = apps.get_model("chat", "Line")
    AuditEntry = apps.get_model("tickets", "AuditEntry")
    assert {f.name for f in Chat._meta.get_fields()}.isdisjoint({"ticket", "contact"})

    chats = old["chats"]
    assert Chat.objects.count() == len(chats) == 3
    for key, was in chats.items():
        row = Chat.objects.select_related("thread").get(pk=was["pk"])
        assert row.thread.ticket_id == was["ticket"], key
        assert {f: getattr(row, f) for f in SESSION_FIELDS} == {f: was[f] for f in SESSION_FIELDS}, key
        if key != "mailed":
            assert row.thread.contact_id == was["contact"], key

    # The existing threads are the same rows, unchanged; the thread-less chat got one of the web-chat inbox.
    after = {(t.pk, t.ticket_id, t.contact_id, t.inbox_id, t.external_id) for t in Thread.objects.all()}
    assert old["threads"] < after
    (created,) = after - old["threads"]
    orphan = chats["orphan"]
    assert created[1:] == (orphan["ticket"], orphan["contact"], old["inboxes"]["web_chat"], str(orphan["pk"]))
    made = Thread.objects.get(pk=created[0])
    assert (made.address, made.created_at, made.last_inbound_at) == ("+966503333333", _at(10), _at(10, 15))
    assert Chat.objects.get(pk=chats["closed"]["pk"]).thread.inbox_id == old["inboxes"]["web_chat"]
    assert Chat.objects.get(pk=chats["mailed"]["pk"]).thread.inbox_id == old["inboxes"]["mail"]

    # The chat whose contact is not its thread's keeps it on the ticket's audit trail.
    mailed = chats["mailed"]
    entry = AuditEntry.objects.get(action="web_chat", field="contact_id")
    assert (entry.ticket_id, entry.old_value, entry.new_value, entry.created_at) == (
        mailed["ticket"],
        str(mailed["contact"]),
        str(mailed["pk"]),
        _at(9),
    )
    assert set(Line.objects.values_list("pk", "conversation_id", "sender", "created_at")) == old["lines"]


def test_the_link_reverses_into_the_same_ticket_and_contact(old_shape: Apps) -> None:
    old = _load_old_rows(old_shape)
    _migrate(NEW)
    apps = _migrate(OLD)
    Chat: Any = apps.get_model(*OLD_CHAT)
    rebuilt = {c.pk: (c.ticket_id, c.contact_id) for c in Chat.objects.all()}
    assert rebuilt == {was["pk"]: (was["ticket"], was["contact"]) for was in old["chats"].values()}
    assert not apps.get_model("tickets", "AuditEntry").objects.filter(action="web_chat").exists()
