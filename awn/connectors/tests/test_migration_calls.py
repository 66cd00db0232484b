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


def _targets(connectors_node: tuple[str, str]) -> list[tuple[str, str]]:
    """Every app at its latest migration, the connectors at `connectors_node`."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    return [node for node in leaves if node[0] != "connectors"] + [connectors_node]


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
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("connectors")[0])


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
