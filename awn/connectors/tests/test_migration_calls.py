"""The migration that folds PhoneCall into Conversation (issue 11 item 4): the old shape is loaded through the
historical models, migrated forward, and every row and link is checked; then back, and the calls are rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

OLD = ("connectors", "0007_kinds_registered_not_enumerated")
NEW = ("connectors", "0010_drop_phone_call")
PHONE_CALL = ("connectors", "PhoneCall")  # a model of the old shape only
CHAT_BEFORE = ("chat", "0001_initial")  # live sessions with their own ticket and contact
OLD_CHAT = ("chat", "Conversation")  # the live session's model before chat 0005 renamed it LiveSession


def _targets(connectors_node: tuple[str, str]) -> list[tuple[str, str]]:
    """Every app at its latest migration, the connectors at `connectors_node`; chat at its first, the shape these
    migrations knew (chat's later ones need the connectors' last)."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    return [node for node in leaves if node[0] not in ("connectors", "chat")] + [CHAT_BEFORE, connectors_node]


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(node: tuple[str, str]) -> Apps:
    executor = MigrationExecutor(connection)
    targets = _targets(node)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_shape(transactional_db: None) -> Iterator[Apps]:
    apps = _migrate(OLD)
    try:
        yield apps
    finally:
        _migrate_to_latest()


def _at(hour: int) -> datetime:
    return datetime(2026, 11, 22, hour, 0, tzinfo=UTC)


def _load_old_rows(apps: Apps) -> dict[str, Any]:
    Contact = apps.get_model("crm", "Contact")
    Ticket = apps.get_model("tickets", "Ticket")
    Inbox = apps.get_model("connectors", "Inbox")
    PhoneCall = apps.get_model(*PHONE_CALL)
    Conversation = apps.get_model("connectors", "Conversation")

    caller = Contact.objects.create(name="ولي أمر", phone="+966501234567")
    unknown = Contact.objects.create(name="+966555000111")  # no number stored on the profile
    writer = Contact.objects.create(name="سارة", email="sara@example.sa", phone="+966502222222")
    cti = Inbox.objects.create(name="مركز الاتصال", kind="phone")
    pbx = Inbox.objects.create(name="أستريسك", kind="asterisk")
    mail = Inbox.objects.create(name="الدعم", kind="email")
    wa = Inbox.objects.create(name="واتساب", kind="whatsapp")

    def ticket(requester: Any, channel: str, hour: int) -> Any:
        t = Ticket.objects.create(subject=f"تذكرة {hour}", requester=requester, channel=channel)
        Ticket.objects.filter(pk=t.pk).update(created_at=_at(hour))
        return t

    call_ticket = ticket(caller, "phone", 8)
    pbx_ticket = ticket(unknown, "phone", 9)
    answered_by_mail = ticket(
        writer, "phone", 10
    )  # a call, then the customer answered the notification email
    wa_ticket = ticket(writer, "whatsapp", 11)
    ticket(caller, "portal", 12)  # no thread at all

    calls = []
    for inbox, call_id, t, hour in (
        (cti, "1732291200.9001", call_ticket, 8),
        (pbx, "1732291200.101", pbx_ticket, 9),
        (cti, "1732291200.9002", answered_by_mail, 10),
    ):
        call = PhoneCall.objects.create(inbox=inbox, call_id=call_id, ticket=t)
        PhoneCall.objects.filter(pk=call.pk).update(created_at=_at(hour))
        calls.append((inbox.pk, call_id, t.pk, _at(hour)))
    conversations = [
        Conversation.objects.create(
            ticket=answered_by_mail,
            inbox=mail,
            address="sara@example.sa",
            contact=writer,
            last_inbound_at=_at(13),
        ),
        Conversation.objects.create(
            ticket=wa_ticket, inbox=wa, address="966502222222", contact=writer, last_inbound_at=_at(14)
        ),
    ]
    old_conversations = [
        (c.pk, c.ticket_id, c.inbox_id, c.address, c.contact_id, c.last_inbound_at) for c in conversations
    ]
    return {
        "calls": calls,
        "conversations": old_conversations,
        "contacts": {"caller": caller.pk, "unknown": unknown.pk},
        "tickets": {
            "call": call_ticket.pk,
            "pbx": pbx_ticket.pk,
            "by_mail": answered_by_mail.pk,
            "wa": wa_ticket.pk,
        },
        "inboxes": {"cti": cti.pk, "pbx": pbx.pk},
    }


def test_every_phone_call_and_conversation_survives_the_fold(old_shape: Apps) -> None:
    old = _load_old_rows(old_shape)
    apps = _migrate(NEW)
    Conversation = apps.get_model("connectors", "Conversation")
    AuditEntry = apps.get_model("tickets", "AuditEntry")
    with pytest.raises(LookupError):
        apps.get_model(*PHONE_CALL)

    # The conversations that existed are untouched, started when their ticket was created.
    for pk, ticket_id, inbox_id, address, contact_id, last in old["conversations"]:
        row = Conversation.objects.get(pk=pk)
        assert (row.ticket_id, row.inbox_id, row.address, row.contact_id, row.last_inbound_at) == (
            ticket_id,
            inbox_id,
            address,
            contact_id,
            last,
        )
        assert row.external_id == ""
        assert row.created_at == _at(10 if ticket_id == old["tickets"]["by_mail"] else 11)

    # Each call is now its ticket's conversation on its voice inbox, or (its ticket already had a thread) a line
    # of the ticket's audit trail: found in exactly one place.
    tickets, contacts, inboxes = old["tickets"], old["contacts"], old["inboxes"]
    expected_conversations = {
        ("1732291200.9001", tickets["call"], inboxes["cti"], "+966501234567", contacts["caller"]),
        ("1732291200.101", tickets["pbx"], inboxes["pbx"], "1732291200.101", contacts["unknown"]),
    }
    found = {
        (c.external_id, c.ticket_id, c.inbox_id, c.address, c.contact_id)
        for c in Conversation.objects.exclude(external_id="")
    }
    assert found == expected_conversations
    for inbox_id, call_id, ticket_id, started in old["calls"]:
        as_conversation = Conversation.objects.filter(inbox_id=inbox_id, external_id=call_id)
        as_audit = AuditEntry.objects.filter(
            ticket_id=ticket_id, action="phone_call", field="call_id", new_value=f"{inbox_id}:{call_id}"
        )
        assert as_conversation.count() + as_audit.count() == 1, call_id
        if as_conversation:
            row = as_conversation.get()
            assert (row.ticket_id, row.created_at, row.last_inbound_at) == (ticket_id, started, started)
        else:
            assert ticket_id == tickets["by_mail"]
            assert as_audit.get().created_at == started
    assert Conversation.objects.count() == 4

    # A call id is unique per inbox, as it was on PhoneCall; threads without one are not constrained.
    first = Conversation.objects.get(external_id="1732291200.9001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(
            ticket_id=tickets["wa"],
            inbox_id=first.inbox_id,
            address="x",
            contact_id=first.contact_id,
            external_id="1732291200.9001",
            last_inbound_at=_at(15),
        )


def test_the_fold_reverses_into_the_same_phone_calls(old_shape: Apps) -> None:
    old = _load_old_rows(old_shape)
    _migrate(NEW)
    apps = _migrate(OLD)
    PhoneCall = apps.get_model(*PHONE_CALL)
    Conversation = apps.get_model("connectors", "Conversation")
    rebuilt = {(c.inbox_id, c.call_id, c.ticket_id, c.created_at) for c in PhoneCall.objects.all()}
    assert rebuilt == set(old["calls"])
    assert sorted(Conversation.objects.values_list("pk", flat=True)) == sorted(
        c[0] for c in old["conversations"]
    )
    assert not apps.get_model("tickets", "AuditEntry").objects.filter(action="phone_call").exists()


BEFORE_WEB_CHAT = NEW
WEB_CHAT = ("connectors", "0011_web_chats_into_conversations")


@pytest.fixture
def before_web_chat(transactional_db: None) -> Iterator[Apps]:
    apps = _migrate(BEFORE_WEB_CHAT)
    try:
        yield apps
    finally:
        _migrate_to_latest()


def test_every_live_chat_becomes_a_conversation_of_the_web_chat_inbox(before_web_chat: Apps) -> None:
    apps = before_web_chat
    Contact = apps.get_model("crm", "Contact")
    Ticket = apps.get_model("tickets", "Ticket")
    Inbox = apps.get_model("connectors", "Inbox")
    Conversation = apps.get_model("connectors", "Conversation")
    Chat: Any = apps.get_model(*OLD_CHAT)
    Line = apps.get_model("chat", "Line")

    sara = Contact.objects.create(name="سارة", email="sara@example.sa")
    omar = Contact.objects.create(name="عمر", phone="+966503333333")
    mail = Inbox.objects.create(name="الدعم", kind="email")
    chats = {}
    for key, contact, email, phone, hour in (
        ("email", sara, "sara@example.sa", "", 8),
        ("phone", omar, "", "+966503333333", 9),
        ("answered_by_mail", sara, "sara@example.sa", "", 10),
    ):
        ticket = Ticket.objects.create(subject=key, requester=contact, channel="chat")
        chat = Chat.objects.create(
            ticket=ticket,
            contact=contact,
            key=f"k-{key}",
            visitor_name=contact.name,
            visitor_email=email,
            visitor_phone=phone,
        )
        Chat.objects.filter(pk=chat.pk).update(created_at=_at(hour))
        chats[key] = (chat.pk, ticket.pk, contact.pk, _at(hour))
    # Lines: the visitor's last one is the conversation's last inbound; the assistant's later one is not.
    for key, sender, minute in (("email", "visitor", 5), ("email", "visitor", 20), ("email", "bot", 40)):
        line = Line.objects.create(conversation_id=chats[key][0], sender=sender, body="…")
        Line.objects.filter(pk=line.pk).update(created_at=_at(8).replace(minute=minute))
    Conversation.objects.create(
        ticket_id=chats["answered_by_mail"][1],
        inbox=mail,
        address="sara@example.sa",
        contact=sara,
        last_inbound_at=_at(12),
    )

    apps = _migrate(WEB_CHAT)
    Inbox = apps.get_model("connectors", "Inbox")
    Conversation = apps.get_model("connectors", "Conversation")
    AuditEntry = apps.get_model("tickets", "AuditEntry")
    web_chat = Inbox.objects.get(kind="web_chat")
    rows = {
        c.external_id: (c.ticket_id, c.contact_id, c.address, c.created_at, c.last_inbound_at)
        for c in Conversation.objects.filter(inbox=web_chat)
    }
    email_chat, phone_chat, mailed_chat = chats["email"], chats["phone"], chats["answered_by_mail"]
    assert rows == {
        str(email_chat[0]): (
            email_chat[1],
            email_chat[2],
            "sara@example.sa",
            _at(8),
            _at(8).replace(minute=20),
        ),
        str(phone_chat[0]): (phone_chat[1], phone_chat[2], "+966503333333", _at(9), _at(9)),
    }
    # The chat whose ticket already had a thread keeps it, and is found on the ticket's audit trail.
    assert Conversation.objects.get(ticket_id=mailed_chat[1]).inbox_id == mail.pk
    entry = AuditEntry.objects.get(ticket_id=mailed_chat[1], action="web_chat")
    assert (entry.new_value, entry.created_at) == (f"{web_chat.pk}:{mailed_chat[0]}", _at(10))
    assert apps.get_model(*OLD_CHAT).objects.count() == 3  # the live sessions stay

    apps = _migrate(BEFORE_WEB_CHAT)
    assert not apps.get_model("connectors", "Inbox").objects.filter(kind="web_chat").exists()
    assert apps.get_model("connectors", "Conversation").objects.count() == 1
    assert not apps.get_model("tickets", "AuditEntry").objects.filter(action="web_chat").exists()
