"""CRM services and selectors: create, search, external events, timeline, merge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models.query import QuerySet
from django.utils import timezone

from awn.core.errors import ValidationError
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Contact, ExternalEvent, Relation
from awn.crm.selectors import contact_search, contact_timeline
from awn.crm.services import contact_create, contact_merge, external_event_record, relation_add
from awn.crm.validators import national_id_from_seed as national_id
from awn.tickets.enums import MessageKind
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message

# --- create ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"national_id": "1000000001"}, "national_id"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "ا" * 201}, "name"),
        ({"contact_type": "alien"}, "contact_type"),
    ],
)
def test_one_bad_field_saves_nothing(db, fields, bad_field):
    good = {
        "name": "نورة الشهري",
        "national_id": national_id(50),
        "phone": "0551234567",
        "email": "n@example.sa",
    }
    with pytest.raises(ValidationError) as info:
        contact_create(**{**good, **fields})
    assert info.value.field == bad_field
    assert Contact.objects.count() == 0


def test_create_normalizes_identities(db):
    contact = contact_create(name="إبْراهيم", national_id="١٠٠٠٠٠٠٠٠٨", phone="٠٥٠١٢٣٤٥٦٧", email="A@B.SA")
    assert (contact.national_id, contact.phone, contact.email) == ("1000000008", "+966501234567", "a@b.sa")
    assert contact.name_normalized == "ابراهيم"


def test_national_id_is_unique_among_active_contacts(db):
    contact_create(name="أ", national_id=national_id(60))
    with pytest.raises(ValidationError) as info:
        contact_create(name="ب", national_id=national_id(60))
    assert info.value.field == "national_id"
    assert Contact.objects.count() == 1


# --- search ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("إبراهيم العمري", "ابراهيم"),
        ("ابراهيم العمري", "إبراهيم"),
        ("أحمد الزهراني", "احمد"),
        ("آمنة الدوسري", "امنه"),
        ("فاطمة الحربي", "فاطمه"),
        ("مصطفى السبيعي", "مصطفي"),
        ("مصطفي السبيعي", "مصطفى"),
        ("مُصْطَفَى السبيعي", "مصطفى"),  # diacritics stored
        ("مصطفى السبيعي", "مُصْطَفَى"),  # diacritics typed
        ("فـــاطمة الحربي", "فاطمة"),  # tatweel stored
        ("فاطمة الحربي", "فـاطـمـة"),  # tatweel typed
        ("فاطمة الحربي", "فاطمة   الحربي"),
        ("هيفاء المطيري", "هيفاء المطيري"),
    ],
)
def test_search_by_normalized_arabic_name(db, stored, query):
    contact = contact_create(name=stored)
    contact_create(name="سلطان القحطاني")
    assert list(contact_search(query)) == [contact]


def test_search_by_phone_national_id_and_email(db):
    contact = contact_create(
        name="ريم", national_id=national_id(70), phone="0501234567", email="reem@example.sa"
    )
    contact_create(name="مها", national_id=national_id(71), phone="0551112222", email="maha@example.sa")
    for query in ("0501234567", "+966501234567", "966 50 123 4567", "٠٥٠١٢٣٤٥٦٧", "501234567"):
        assert list(contact_search(query)) == [contact], query
    arabic_id = national_id(70).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert list(contact_search(national_id(70))) == [contact]
    assert list(contact_search(arabic_id)) == [contact]
    assert list(contact_search("REEM@example.sa")) == [contact]
    assert list(contact_search("")) == []
    assert list(contact_search("   ")) == []


def test_search_skips_merged_contacts(db):
    old = contact_create(name="خالد العتيبي")
    new = contact_create(name="خالد العتيبي")
    contact_merge(source=old, target=new)
    assert list(contact_search("خالد")) == [new]


# --- external events -------------------------------------------------------------------------------------


def test_same_event_id_twice_stores_one_row(world):
    first, created = external_event_record(
        event_id="sis-1",
        event_type="login_failed",
        national_id=world.parent.national_id,
        reason="كلمة مرور خاطئة",
    )
    again, created_again = external_event_record(event_id="sis-1", event_type="login_failed", reason="مختلف")
    assert created and not created_again and first.pk == again.pk
    assert ExternalEvent.objects.count() == 1
    assert first.contact == world.parent and ExternalEvent.objects.get().reason == "كلمة مرور خاطئة"


def test_concurrent_delivery_race_returns_the_winner(world, monkeypatch):
    """Both deliveries pass the 'already stored?' check; the loser hits the unique constraint."""
    winner, _ = external_event_record(event_id="sis-race", event_type="login_failed")
    original_first = QuerySet.first
    calls = {"n": 0}

    def first_misses_once(self):
        if self.model is ExternalEvent and calls["n"] == 0:
            calls["n"] += 1
            return None
        return original_first(self)

    monkeypatch.setattr(QuerySet, "first", first_misses_once)
    loser, created = external_event_record(event_id="sis-race", event_type="login_failed")
    assert calls["n"] == 1
    assert not created and loser.pk == winner.pk
    assert ExternalEvent.objects.filter(event_id="sis-race").count() == 1
    # The connection is still usable after the IntegrityError (savepoint rolled back).
    assert Contact.objects.filter(pk=world.parent.pk).exists()


def test_event_with_unknown_national_id_is_kept_without_contact(db):
    event, created = external_event_record(
        event_id="e2", event_type="enrollment_submitted", national_id=national_id(99)
    )
    assert created and event.contact is None and event.national_id == national_id(99)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"event_id": "", "event_type": "x"}, "event_id"),
        ({"event_id": "x" * 129, "event_type": "x"}, "event_id"),
        ({"event_id": "e", "event_type": ""}, "type"),
        ({"event_id": "e", "event_type": "x", "national_id": "123"}, "national_id"),
    ],
)
def test_invalid_events_are_refused(db, kwargs, field):
    with pytest.raises(ValidationError) as info:
        external_event_record(**kwargs)
    assert info.value.field == field
    assert ExternalEvent.objects.count() == 0


# --- timeline --------------------------------------------------------------------------------------------


def test_timeline_merges_tickets_messages_and_events_newest_first(world, django_assert_max_num_queries):
    now = timezone.now()
    external_event_record(
        event_id="old", event_type="login_failed", contact=world.parent, occurred_at=now - timedelta(days=3)
    )
    ticket = world.ticket()
    ticket_add_message(ticket=ticket, actor=world.agent, body="مرحبًا")
    ticket_add_message(ticket=ticket, actor=world.agent, body="ملاحظة", kind=MessageKind.NOTE)
    external_event_record(
        event_id="new",
        event_type="password_reset_requested",
        contact=world.parent,
        occurred_at=now + timedelta(minutes=5),
    )
    external_event_record(event_id="someone-else", event_type="login_failed", contact=world.other_parent)
    with django_assert_max_num_queries(7):
        items = contact_timeline(world.parent, limit=20)
    times = [item.at for item in items]
    assert times == sorted(times, reverse=True)
    assert items[0].kind == "event" and items[0].title == "password_reset_requested"
    assert items[-1].kind == "event" and items[-1].title == "login_failed"
    kinds = [item.kind for item in items]
    assert kinds.count("ticket") == 1 and kinds.count("event") == 2
    assert "ملاحظة" not in [item.detail for item in items]
    with_notes = contact_timeline(world.parent, limit=20, include_internal=True)
    assert "ملاحظة" in [item.detail for item in with_notes]
    assert len(contact_timeline(world.parent, limit=2)) == 2


def test_timeline_query_count_does_not_grow(world, django_assert_max_num_queries):
    for i in range(15):
        ticket = world.ticket(subject=f"t{i}")
        ticket_add_message(ticket=ticket, actor=world.agent, body="رد")
        external_event_record(event_id=f"e{i}", event_type="login_failed", contact=world.parent)
    with django_assert_max_num_queries(7):
        items = contact_timeline(world.parent, limit=20)
    assert len(items) == 20


# --- merge -----------------------------------------------------------------------------------------------


def test_merge_keeps_tickets_messages_events_and_relations(world):
    duplicate = contact_create(name="أحمد القحطاني", phone="0559998888", contact_type=ContactType.PARENT)
    relation_add(kind=RelationKind.PARENT_OF, contact=duplicate, other_contact=world.other_child)
    relation_add(kind=RelationKind.PARENT_OF, contact=duplicate, other_contact=world.child)  # already linked
    relation_add(kind=RelationKind.STUDENT_AT, contact=duplicate, organization=world.school)
    dup_ticket = world.ticket(requester=duplicate)
    about_ticket = world.ticket(requester=world.other_parent, about_contact=duplicate)
    ticket_add_message(ticket=about_ticket, actor=None, body="من الحساب المكرر", author_contact=duplicate)
    external_event_record(event_id="dup-event", event_type="login_failed", contact=duplicate)
    own_ticket = world.ticket()
    counts = (Ticket.objects.count(), Message.objects.count(), ExternalEvent.objects.count())

    contact_merge(source=duplicate, target=world.parent)

    duplicate.refresh_from_db()
    world.parent.refresh_from_db()
    assert duplicate.merged_into == world.parent
    assert (Ticket.objects.count(), Message.objects.count(), ExternalEvent.objects.count()) == counts
    assert set(Ticket.objects.filter(requester=world.parent).values_list("pk", flat=True)) >= {
        dup_ticket.pk,
        own_ticket.pk,
    }
    assert Ticket.objects.get(pk=about_ticket.pk).about_contact == world.parent
    assert Message.objects.filter(author_contact=world.parent, body="من الحساب المكرر").exists()
    assert ExternalEvent.objects.get(event_id="dup-event").contact == world.parent
    children = set(
        Relation.objects.filter(kind=RelationKind.PARENT_OF, contact=world.parent).values_list(
            "other_contact_id", flat=True
        )
    )
    assert children == {world.child.pk, world.other_child.pk}
    assert Relation.objects.filter(contact=world.parent, organization=world.school).exists()
    assert not Relation.objects.filter(contact=duplicate).exists()
    assert world.parent.phone == "+966501234567"  # the target's own value wins
    with pytest.raises(ValidationError):
        contact_merge(source=duplicate, target=world.parent)
    with pytest.raises(ValidationError):
        contact_merge(source=world.parent, target=world.parent)


def test_timeline_finds_new_activity_on_an_old_ticket_and_replies_on_a_childs_ticket(world):
    from awn.crm.selectors import contact_timeline
    from awn.tickets.services import ticket_add_message

    old = world.ticket(subject="قديمة")
    for n in range(6):
        world.ticket(subject=f"أحدث {n}")
    childs = world.ticket(requester=world.child, subject="تذكرة الابنة")
    ticket_add_message(ticket=old, actor=world.agent, body="رد جديد على تذكرة قديمة")
    ticket_add_message(ticket=childs, actor=world.parent_user, author_contact=world.parent, body="رد من الأب")
    items = contact_timeline(world.parent, limit=3)
    bodies = [item.detail for item in items if item.kind == "message"]
    assert bodies[:2] == ["رد من الأب", "رد جديد على تذكرة قديمة"]
