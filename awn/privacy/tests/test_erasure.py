"""Export and erasure of a person's data on request, the erasure ledger and its replay after a restore (issue 15,
item 4; RELIABILITY S12, B4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from awn.accounts.models import User
from awn.chat.models import Line
from awn.chat.models import LiveSession as LiveChat
from awn.connectors.models import ChannelIdentity, InboundEvent, Inbox
from awn.connectors.services import web_chat_open
from awn.crm.models import Contact
from awn.crm.services import contact_create, contact_merge, external_event_record
from awn.notifications.models import Notification
from awn.privacy.erasure import ledger_path
from awn.privacy.models import AccessRecord, ErasureRecord
from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Category
from awn.tickets.models import Attachment, Message
from awn.tickets.services import ticket_add_message, ticket_create

# The legal-hold tables, as the issue names them: the audits (access, erasure ledger, administration).
LEGAL_HOLD = {"privacy_accessrecord", "privacy_erasurerecord", "accounts_adminauditentry"}
REASON = "طلب حذف رقم 2026/77 من صاحب البيانات"


@pytest.fixture(autouse=True)
def _ledger_in_tmp(settings, tmp_path):
    settings.AWN_ERASURE_LEDGER = str(tmp_path / "ledger.jsonl")


def identifiers(contact: Contact) -> list[str]:
    digits = contact.phone.lstrip("+")
    return [contact.national_id, contact.phone, digits, "0" + digits[3:], contact.email]


def _as_text(value: object) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def dump_hits(needles: list[str]) -> list[str]:
    """Every table of the database (FTS shadow tables included), every row: where do the needles still occur?"""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            if table in LEGAL_HOLD:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(_as_text(v) for v in row)
                hits += [f"{table}: {n}" for n in needles if n in text]
    return hits


def media_hits(root: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*") if root.exists() else []:
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {n}" for n in needles if n.encode() in data]
    return hits


@pytest.fixture
def history(world, settings):
    """The parent wrote on every channel: portal tickets with a file, WhatsApp, live chat, education events."""
    parent = world.parent
    nid, phone, email = parent.national_id, parent.phone, parent.email
    ticket = ticket_create(
        requester=parent,
        about_contact=world.child,
        subject=f"هويتي {nid}",
        body=f"رقمي {phone} وبريدي {email} وهويتي {nid}",
        category=Category.TRANSFER,
        attachments=[IncomingFile("id-card.txt", f"national id {nid}".encode())],
    )
    # The agent quotes the number back: an email notification goes to the parent, with the id in it.
    ticket_add_message(ticket=ticket, actor=world.agent, body=f"تم التحقق من الهوية {nid}")
    inbox = Inbox.objects.create(name="واتساب", kind="whatsapp")
    wa_id = phone.lstrip("+")
    ChannelIdentity.objects.create(
        kind="whatsapp", external_id=wa_id, contact=parent, display_name="أبو سارة"
    )
    InboundEvent.objects.create(
        inbox=inbox,
        external_id="wamid.1",
        payload={"from": wa_id, "text": {"body": f"هويتي {nid}"}, "n": int(wa_id)},
    )
    chat_ticket = world.ticket()
    thread = web_chat_open(ticket_id=chat_ticket.pk, contact_id=parent.pk, address=email)
    chat = LiveChat.objects.create(
        thread=thread,
        key="k",
        visitor_name="أحمد",
        visitor_email=email,
        visitor_phone=phone,
    )
    Line.objects.create(conversation=chat, sender="visitor", body="ابني في الصف الثالث", author_name="أحمد")
    external_event_record(event_id="e1", event_type="login_failed", national_id=nid, reason=f"هوية {nid}")
    other = ticket_create(
        requester=world.other_parent, subject="سؤال", body="لا علاقة له", category=Category.OTHER
    )
    return {"ticket": ticket, "other": other, "needles": identifiers(parent)}


def test_only_supervisors_export_or_erase(world):
    for user in (world.agent, world.parent_user):
        client = world.client_for(user)
        assert client.get(reverse("workspace:contact-export", args=[world.parent.pk])).status_code == 404
        response = client.post(
            reverse("workspace:contact-erase", args=[world.parent.pk]), {"reason": REASON, "confirm": "حذف"}
        )
        assert response.status_code == 404
    assert Contact.objects.get(pk=world.parent.pk).national_id == world.parent.national_id
    assert not AccessRecord.objects.exists() and not ErasureRecord.objects.exists()


def test_export_is_json_of_the_person_and_audited(history, world):
    response = world.client_for(world.supervisor).get(
        reverse("workspace:contact-export", args=[world.parent.pk])
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["contact"]["national_id"] == world.parent.national_id
    assert {t["subject"] for t in data["tickets"]} >= {history["ticket"].subject}
    assert "سؤال" not in {t["subject"] for t in data["tickets"]}  # nobody else's tickets
    assert data["channel_identities"] == [{"kind": "whatsapp", "external_id": world.parent.phone.lstrip("+")}]
    assert data["relations"][0]["contact"] == world.child.name
    record = AccessRecord.objects.get()
    assert (record.action, record.subject_id, record.actor_id) == (
        "export",
        world.parent.pk,
        world.supervisor.pk,
    )


def test_erasure_needs_a_reason_and_the_confirmation(history, world):
    client = world.client_for(world.supervisor)
    url = reverse("workspace:contact-erase", args=[world.parent.pk])
    for data in ({"reason": "", "confirm": "حذف"}, {"reason": REASON, "confirm": "نعم"}):
        response = client.post(url, data)
        assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert Contact.objects.get(pk=world.parent.pk).national_id
    assert not ErasureRecord.objects.exists() and not AccessRecord.objects.filter(action="erase").exists()


def test_after_erasure_no_table_and_no_file_holds_the_persons_id_phone_or_email(
    history, world, settings, django_capture_on_commit_callbacks
):
    needles = history["needles"]
    assert dump_hits(needles) and media_hits(Path(settings.MEDIA_ROOT), needles)  # the test sees them first
    client = world.client_for(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workspace:contact-erase", args=[world.parent.pk]),
            {"reason": REASON, "confirm": "حذف"},
            REMOTE_ADDR="10.7.7.7",
        )
    assert response.status_code == 302

    assert dump_hits(needles) == []
    assert media_hits(Path(settings.MEDIA_ROOT), needles) == []
    contact = Contact.objects.get(pk=world.parent.pk)
    assert (contact.name, contact.national_id, contact.phone, contact.email) == ("[محذوف]", "", "", "")
    assert not User.objects.get(pk=world.parent_user.pk).is_active
    assert not ChannelIdentity.objects.filter(contact=contact).exists()
    assert set(Message.objects.filter(author_contact=contact).values_list("body", flat=True)) == {"[محذوف]"}
    assert Attachment.objects.get(message__ticket=history["ticket"]).filename == "[محذوف]"
    assert list(Line.objects.values_list("body", "author_name")) == [("[محذوف]", "")]
    assert set(Notification.objects.values_list("body", flat=True)) == {"[محذوف]"}  # "مرحبًا أحمد…" is gone
    assert list(LiveChat.objects.values_list("visitor_name", "visitor_email")) == [("[محذوف]", "")]
    # Nobody else's data was touched.
    assert Contact.objects.get(pk=world.child.pk).name == world.child.name
    other = history["other"]
    other.refresh_from_db()
    assert other.subject == "سؤال" and other.requester.national_id == world.other_parent.national_id
    # The erasure is audited and in the ledger (database and file), by keyed hashes only.
    audit = AccessRecord.objects.get(action="erase")
    assert (audit.actor_id, audit.subject_id, audit.address, audit.reason) == (
        world.supervisor.pk,
        world.parent.pk,
        "10.7.7.7",
        REASON,
    )
    ledger = ErasureRecord.objects.get()
    assert ledger.subject_id == world.parent.pk and len(ledger.fingerprints) == 4
    lines = ledger_path().read_text().splitlines()
    assert [json.loads(line)["subject_id"] for line in lines] == [world.parent.pk]
    assert not any(n in ledger_path().read_text() for n in needles)
    assert client.get(reverse("workspace:contact-erase", args=[world.parent.pk])).status_code == 200


def _restore(world, contact_id: int, history) -> None:
    """What restoring last night's backup does: the person's data is back; the ledger table is older."""
    Contact.objects.filter(pk=contact_id).update(
        name=world.parent.name,
        national_id=world.parent.national_id,
        phone=world.parent.phone,
        email=world.parent.email,
    )
    Message.objects.filter(author_contact_id=contact_id).update(body=f"رقمي {world.parent.phone}")
    Notification.objects.create(
        to_email=world.parent.email, subject="x", body=world.parent.national_id, dedupe_key="r"
    )
    with connection.cursor() as cursor:  # the restored ledger table predates the erasure
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks pending in this transaction
            cursor.execute("TRUNCATE privacy_erasurerecord")
        else:
            cursor.execute("DELETE FROM privacy_erasurerecord")


def test_reapply_erasures_after_a_restore_uses_the_ledger_file(
    history, world, django_capture_on_commit_callbacks
):
    client = world.client_for(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("workspace:contact-erase", args=[world.parent.pk]), {"reason": REASON, "confirm": "حذف"}
        )
    _restore(world, world.parent.pk, history)
    assert dump_hits(history["needles"])
    assert not ErasureRecord.objects.exists()

    call_command("reapply_erasures", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert dump_hits(history["needles"]) == []
    assert AccessRecord.objects.filter(action="erase").count() == 2  # the replay is audited too
    call_command("reapply_erasures", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    assert AccessRecord.objects.filter(action="erase").count() == 2


def test_reapply_never_erases_someone_else_who_got_the_id(history, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.client_for(world.supervisor).post(
            reverse("workspace:contact-erase", args=[world.parent.pk]), {"reason": REASON, "confirm": "حذف"}
        )
    Contact.objects.filter(pk=world.parent.pk).update(
        name="شخص آخر", national_id="", phone="+966555555555", email=""
    )
    call_command("reapply_erasures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Contact.objects.get(pk=world.parent.pk).phone == "+966555555555"


def test_a_merged_duplicate_is_erased_and_a_shared_phone_stays_with_its_other_owner(world):
    duplicate = contact_create(name="احمد القحطانى", email="old-parent@example.sa", national_id="")
    contact_merge(source=duplicate, target=world.parent)
    mother = contact_create(name="أم سارة", phone=world.parent.phone)  # the family's one phone
    world.client_for(world.supervisor).post(
        reverse("workspace:contact-erase", args=[world.parent.pk]), {"reason": REASON, "confirm": "حذف"}
    )
    duplicate.refresh_from_db()
    assert (duplicate.name, duplicate.email) == ("[محذوف]", "")
    assert dump_hits(["old-parent@example.sa", world.parent.national_id, world.parent.email]) == []
    mother.refresh_from_db()
    assert mother.phone == world.parent.phone and mother.name == "أم سارة"
