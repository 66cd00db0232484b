"""Parent ↔ child links from the education system's events, through the API as the education system calls it
(POST /api/v1/crm/events with its integration token): `guardian_linked` creates a verified, active link,
`guardian_unlinked` revokes it and the guardian sees nothing more of the child from the next portal request;
duplicates change nothing; bad or unknown national ids are refused with a clear error and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from awn.accounts.enums import Role
from awn.accounts.services import api_token_create, user_create
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Contact, ExternalEvent, Relation
from awn.crm.selectors import children_ids
from awn.crm.services import contact_create
from awn.crm.validators import national_id_from_seed as national_id

EVENTS = "/api/v1/crm/events"


@pytest.fixture
def sis(world: Any) -> Client:
    """The education system: an integration user with the admin role and its API token."""
    integration = user_create(username="sis", password=None, role=Role.ADMIN)
    _token, key = api_token_create(user=integration, name="education system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def student(world: Any) -> Contact:
    return contact_create(
        name="نورة أحمد القحطاني", contact_type=ContactType.STUDENT, national_id=national_id(77)
    )


def push(client: Client, event_id: str, kind: str, parent: str, child: str, **extra: Any) -> Any:
    body = {
        "event_id": event_id,
        "type": kind,
        "data": {"parent_national_id": parent, "student_national_id": child},
        **extra,
    }
    return client.post(EVENTS, body, content_type="application/json")


def link(parent: Contact, child: Contact) -> Relation | None:
    return Relation.objects.filter(kind=RelationKind.PARENT_OF, contact=parent, other_contact=child).first()


def test_a_link_event_creates_a_verified_active_link_and_the_portal_shows_the_child(world, sis, student):
    ticket = world.ticket(requester=student, subject="نتيجة نورة لا تظهر")
    portal = world.client_for(world.parent_user)
    assert portal.get(f"/portal/tickets/{ticket.pk}/").status_code == 404

    response = push(sis, "sis-link-1", "guardian_linked", world.parent.national_id, student.national_id)
    assert response.status_code == 201 and response.json()["created"] is True
    relation = link(world.parent, student)
    assert relation is not None and relation.is_active_link
    assert student.pk in children_ids(world.parent.pk)
    event = ExternalEvent.objects.get(event_id="sis-link-1")
    assert event.contact == world.parent and event.national_id == world.parent.national_id
    assert portal.get(f"/portal/tickets/{ticket.pk}/").status_code == 200
    assert "نورة أحمد القحطاني" in portal.get("/portal/").content.decode()

    # Revoked: the very next request of the same signed-in guardian sees nothing more of the child.
    response = push(sis, "sis-unlink-1", "guardian_unlinked", world.parent.national_id, student.national_id)
    assert response.status_code == 201
    relation.refresh_from_db()
    assert relation.revoked_at is not None and not relation.is_active_link
    assert portal.get(f"/portal/tickets/{ticket.pk}/").status_code == 404
    assert "نورة أحمد القحطاني" not in portal.get("/portal/").content.decode()
    assert student.pk not in children_ids(world.parent.pk)


def test_the_parent_may_be_named_by_the_events_national_id(world, sis, student):
    body = {
        "event_id": "sis-link-top",
        "type": "guardian_linked",
        "national_id": world.other_parent.national_id,
        "data": {"student_national_id": student.national_id},
    }
    assert sis.post(EVENTS, body, content_type="application/json").status_code == 201
    assert link(world.other_parent, student).is_active_link  # type: ignore[union-attr]


def test_duplicate_events_change_nothing(world, sis, student):
    first = push(sis, "sis-link-2", "guardian_linked", world.parent.national_id, student.national_id)
    relation = link(world.parent, student)
    assert relation is not None
    stamp = relation.verified_at
    again = push(sis, "sis-link-2", "guardian_linked", world.parent.national_id, student.national_id)
    assert again.status_code == 200 and again.json() == {"id": first.json()["id"], "created": False}
    other_id = push(sis, "sis-link-3", "guardian_linked", world.parent.national_id, student.national_id)
    assert other_id.status_code == 201
    assert Relation.objects.filter(kind=RelationKind.PARENT_OF, other_contact=student).count() == 1
    relation.refresh_from_db()
    assert relation.verified_at == stamp and relation.is_active_link

    push(sis, "sis-unlink-2", "guardian_unlinked", world.parent.national_id, student.national_id)
    relation.refresh_from_db()
    revoked_at = relation.revoked_at
    # The same unlink delivered again, and a second unlink: the revocation stays as it was.
    assert (
        push(
            sis, "sis-unlink-2", "guardian_unlinked", world.parent.national_id, student.national_id
        ).status_code
        == 200
    )
    assert (
        push(
            sis, "sis-unlink-3", "guardian_unlinked", world.parent.national_id, student.national_id
        ).status_code
        == 201
    )
    relation.refresh_from_db()
    assert relation.revoked_at == revoked_at


def test_a_newer_link_event_links_again_and_an_older_one_does_not(world, sis, student):
    def at(hour: int) -> str:
        return f"2026-11-20T{hour:02d}:00:00+03:00"

    nid, sid = world.parent.national_id, student.national_id
    assert push(sis, "e1", "guardian_linked", nid, sid, occurred_at=at(8)).status_code == 201
    assert push(sis, "e2", "guardian_unlinked", nid, sid, occurred_at=at(10)).status_code == 201
    # A link sent at 9 but delivered late: the 10 o'clock revocation stands.
    assert push(sis, "e3", "guardian_linked", nid, sid, occurred_at=at(9)).status_code == 201
    assert not link(world.parent, student).is_active_link  # type: ignore[union-attr]
    # A link decided at 11: in force again.
    assert push(sis, "e4", "guardian_linked", nid, sid, occurred_at=at(11)).status_code == 201
    assert link(world.parent, student).is_active_link  # type: ignore[union-attr]
    # An unlink from before 11, late: the link stays.
    assert push(sis, "e5", "guardian_unlinked", nid, sid, occurred_at=at(10)).status_code == 201
    assert link(world.parent, student).is_active_link  # type: ignore[union-attr]


def test_an_unlink_without_a_link_creates_nothing(world, sis, student):
    response = push(sis, "sis-unlink-x", "guardian_unlinked", world.parent.national_id, student.national_id)
    assert response.status_code == 201
    assert link(world.parent, student) is None


def test_an_existing_unverified_link_is_verified_by_the_event(world, sis, student):
    Relation.objects.create(kind=RelationKind.PARENT_OF, contact=world.parent, other_contact=student)
    assert student.pk not in children_ids(world.parent.pk)
    push(sis, "sis-link-v", "guardian_linked", world.parent.national_id, student.national_id)
    assert student.pk in children_ids(world.parent.pk)


@pytest.mark.parametrize(
    ("parent", "child", "field", "message"),
    [
        ("parent", "1000000001", "data.student_national_id", "check digit"),
        ("1000000001", "student", "data.parent_national_id", "check digit"),
        ("parent", "12345", "data.student_national_id", "10 digits"),
        ("parent", national_id(9001), "data.student_national_id", "No contact has the student's national id"),
        (national_id(9002), "student", "data.parent_national_id", "No contact has the parent's national id"),
        ("parent", "", "data.student_national_id", "required"),
        ("", "student", "data.parent_national_id", "required"),
        ("parent", "parent", "data.student_national_id", "two different people"),
    ],
)
def test_bad_ids_are_refused_and_nothing_is_written(world, sis, student, parent, child, field, message):
    ids = {"parent": world.parent.national_id, "student": student.national_id}
    before = Relation.objects.count()
    for kind in ("guardian_linked", "guardian_unlinked"):
        response = push(sis, f"bad-{kind}", kind, ids.get(parent, parent), ids.get(child, child))
        assert response.status_code == 400, response.content
        body = response.json()["error"]
        assert body["field"] == field and message in body["message_en"], body
        assert body["message_ar"] and body["message_ar"] != body["message_en"]
    assert ExternalEvent.objects.count() == 0
    assert Relation.objects.count() == before


def test_a_student_id_that_is_not_text_is_refused(world, sis, student):
    body = {
        "event_id": "bad-type",
        "type": "guardian_linked",
        "data": {"parent_national_id": world.parent.national_id, "student_national_id": 1234567890},
    }
    response = sis.post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "data.student_national_id"
    assert ExternalEvent.objects.count() == 0


def test_two_different_parents_in_one_event_are_refused(world, sis, student):
    body = {
        "event_id": "bad-two",
        "type": "guardian_linked",
        "national_id": world.other_parent.national_id,
        "data": {"parent_national_id": world.parent.national_id, "student_national_id": student.national_id},
    }
    response = sis.post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "national_id"
    assert ExternalEvent.objects.count() == 0 and link(world.parent, student) is None


@pytest.mark.parametrize("role", ["agent", "supervisor", "parent_user"])
def test_only_the_integration_changes_links(world, student, role):
    _token, key = api_token_create(user=getattr(world, role), name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = push(client, "x", "guardian_linked", world.parent.national_id, student.national_id)
    assert response.status_code == 403
    assert link(world.parent, student) is None
