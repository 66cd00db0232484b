"""The tickets REST API (/api/v1/tickets) through django.test.Client: Bearer tokens and sessions."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils.crypto import get_random_string

from awn.accounts.services import api_token_create
from awn.crm.validators import national_id_from_seed as national_id
from awn.tickets.enums import Category, Channel, MessageKind, Status
from awn.tickets.models import AuditEntry, Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_update

API = "/api/v1/tickets/"


def bearer(user: Any) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.post(url, data, content_type="application/json", **extra)


def patch(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.patch(url, data, content_type="application/json", **extra)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "message_ar", "message_en", "field"}
    assert error["message_ar"] and error["message_en"]
    if code is not None:
        assert error["code"] == code
    return error


# --- create ----------------------------------------------------------------------------------------------


def test_customer_creates_a_ticket_for_themself_with_a_token(world):
    client = bearer(world.parent_user)
    response = post(
        client, API, {"subject": "نسيت كلمة المرور", "body": "لا أستطيع الدخول", "category": "account_access"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.requester == world.parent and ticket.channel == Channel.API
    assert body["requester"] == {"id": world.parent.pk, "name": world.parent.name}
    assert body["reference"] == ticket.reference and body["status"] == "new" and body["version"] == 1
    assert body["assignee"] is None and body["team"] is None
    assert ticket.messages.get().author_contact == world.parent


def test_create_path_uses_few_queries(world, django_assert_max_num_queries):
    client = bearer(world.parent_user)
    # token+user, contact, ticket, message, audit, search row (+ savepoint statements on some backends); the
    # SLA reaction (issue 16): the ticket with the stamps of its calendar and of the policies, clocks, metric
    # events, the ticket's due time and policy snapshot; the analytics fact in the same transaction: the new
    # ticket's dimensions, the event log row, the fact, its rollup delta row (one INSERT; the shared day and
    # month rows are the folding job's), the earlier tickets it makes repeat contacts (issue 17).
    # The first creation of a process also reads and builds the calendar and reads the policies (+4), and
    # surge mode's in-transaction claim reads the active incidents (+1; then cached for a few seconds).
    with django_assert_max_num_queries(22):
        response = post(client, API, {"subject": "s", "body": "b"})
    assert response.status_code == 201
    # Then the process keeps them for as long as their stamps, read with the ticket, do not change (issue 14).
    with django_assert_max_num_queries(17):
        response = post(client, API, {"subject": "s", "body": "b"})
    assert response.status_code == 201
    staff = bearer(world.agent)
    with django_assert_max_num_queries(17):
        response = post(staff, API, {"subject": "s", "body": "b", "requester_id": world.parent.pk})
    assert response.status_code == 201


def test_a_changed_policy_or_calendar_is_read_again_by_the_next_creation(
    world, django_assert_max_num_queries
):
    from awn.sla.models import BusinessCalendar, SlaPolicy

    client = bearer(world.parent_user)
    assert post(client, API, {"subject": "s", "body": "b"}).status_code == 201
    policy = SlaPolicy.objects.get(is_default=True)
    targets = policy.targets
    targets["normal"]["first_reply"]["minutes"] = 7
    SlaPolicy.objects.filter(pk=policy.pk).update(targets=targets, version=policy.version + 1)
    created = post(client, API, {"subject": "s", "body": "b"})
    snapshot = Ticket.objects.get(pk=created.json()["id"]).sla_snapshot or {}
    first_reply = snapshot["targets"]["normal"]["first_reply"]
    assert first_reply["minutes"] == 7  # the new version of the policy, not the one kept in the process
    BusinessCalendar.objects.update(version=F("version") + 1)
    with django_assert_max_num_queries(20):  # the calendar row and its build (overrides, holidays) again
        assert post(client, API, {"subject": "s", "body": "b"}).status_code == 201


def test_customer_may_open_a_ticket_about_a_linked_child_only(world):
    client = bearer(world.parent_user)
    ok = post(
        client, API, {"subject": "نتيجة سارة", "body": "لم تظهر النتيجة", "about_contact_id": world.child.pk}
    )
    assert ok.status_code == 201
    assert ok.json()["about_contact"]["id"] == world.child.pk
    refused = post(client, API, {"subject": "x", "body": "y", "about_contact_id": world.other_child.pk})
    assert assert_error(refused, 400, "validation_error")["field"] == "about_contact_id"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"requester_id": 1},
        {"requester_national_id": "1000000008"},
        {"channel": "phone"},
        {"priority": "urgent"},
    ],
)
def test_customer_cannot_set_staff_fields(world, extra):
    response = post(bearer(world.parent_user), API, {"subject": "x", "body": "y", **extra})
    assert_error(response, 403, "forbidden")
    assert Ticket.objects.count() == 0


def test_staff_token_creates_for_a_requester_found_by_national_id(world):
    client = bearer(world.admin)
    arabic_digits = world.parent.national_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = post(
        client,
        API,
        {
            "subject": "من نظام نور",
            "body": "تعذر الدخول",
            "requester_national_id": arabic_digits,
            "priority": "high",
        },
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.requester == world.parent and ticket.channel == Channel.API and ticket.priority == "high"
    by_id = post(
        client, API, {"subject": "s", "body": "b", "requester_id": world.child.pk, "channel": "phone"}
    )
    assert by_id.status_code == 201 and by_id.json()["channel"] == "phone"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "requester_id"),
        ({"requester_id": 999_999}, "requester_id"),
        ({"requester_national_id": "1000000001"}, "requester_national_id"),  # bad check digit
        ({"requester_national_id": national_id(777)}, "requester_national_id"),  # valid but unknown
        ({"requester_id": 1, "requester_national_id": "1000000008"}, "requester_id"),
        ({"requester_id": 1, "channel": "pigeon"}, "channel"),
        ({"requester_id": 1, "category": "nope"}, "category"),
    ],
)
def test_staff_create_with_an_unknown_or_invalid_requester_is_refused(world, payload, field):
    if payload.get("requester_id") == 1:
        payload["requester_id"] = world.parent.pk
    response = post(bearer(world.agent), API, {"subject": "s", "body": "b", **payload})
    assert assert_error(response, 400)["field"] == field
    assert Ticket.objects.count() == 0


def test_user_without_contact_cannot_create(world):
    from awn.accounts.services import user_create

    lonely = user_create(username="lonely", password=None)
    assert_error(post(bearer(lonely), API, {"subject": "s", "body": "b"}), 403)


# --- list ------------------------------------------------------------------------------------------------


def test_list_shows_only_visible_tickets_with_filters_and_pages(world):
    own = [world.ticket(subject=f"تذكرة {i}") for i in range(3)]
    child = world.ticket(requester=world.child, category=Category.RESULTS_CERTIFICATES)
    other = world.ticket(requester=world.other_parent)
    client = bearer(world.parent_user)
    ids = [t["id"] for t in client.get(API).json()["items"]]
    assert set(ids) == {t.pk for t in [*own, child]} and other.pk not in ids
    assert ids == sorted(ids, reverse=True)  # newest first

    first = client.get(API, {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    second = client.get(API, {"limit": 2, "offset": 2}).json()
    assert len(second["items"]) == 2 and second["next_offset"] is None
    assert client.get(API, {"limit": 10_000}).json()["limit"] == 100

    assert [t["id"] for t in client.get(API, {"category": "results_certificates"}).json()["items"]] == [
        child.pk
    ]
    assert [t["id"] for t in client.get(API, {"requester": world.child.pk}).json()["items"]] == [child.pk]


def test_staff_list_filters_by_assignee_team_and_status(world):
    mine = world.ticket()
    ticket_update(
        ticket=mine, actor=world.agent, changes={"assignee_id": world.agent.pk, "team_id": world.in_house.pk}
    )
    resolved = world.ticket()
    ticket_update(ticket=resolved, actor=world.agent, changes={"status": Status.RESOLVED})
    client = bearer(world.agent)
    assert [t["id"] for t in client.get(API, {"assignee": "me"}).json()["items"]] == [mine.pk]
    assert mine.pk not in [t["id"] for t in client.get(API, {"assignee": "none"}).json()["items"]]
    assert [t["id"] for t in client.get(API, {"team": str(world.in_house.pk)}).json()["items"]] == [mine.pk]
    assert [t["id"] for t in client.get(API, {"status": "resolved"}).json()["items"]] == [resolved.pk]
    item = client.get(API, {"assignee": "me"}).json()["items"][0]
    assert (
        item["assignee"] == {"id": world.agent.pk, "name": "هند"} and item["team"]["id"] == world.in_house.pk
    )
    assert_error(client.get(API, {"team": "abc"}), 400)
    assert_error(client.get(API, {"requester": "abc"}), 422)
    assert_error(client.get(API, {"limit": 0}), 422)


def test_list_query_count_does_not_grow_with_the_page(world, django_assert_max_num_queries):
    for i in range(12):
        ticket = world.ticket(subject=f"t{i}")
        ticket_update(
            ticket=ticket,
            actor=world.agent,
            changes={"assignee_id": world.agent.pk, "team_id": world.in_house.pk},
        )
    client = bearer(world.supervisor)
    with django_assert_max_num_queries(3):
        response = client.get(API, {"limit": 50})
    assert len(response.json()["items"]) == 12


def test_outsourced_agent_lists_only_covered_categories(world):
    covered = world.ticket()
    outside = world.ticket(category=Category.TRANSFER)
    ids = [t["id"] for t in bearer(world.vendor_agent).get(API).json()["items"]]
    assert covered.pk in ids and outside.pk not in ids


# --- search (?q=) ----------------------------------------------------------------------------------------


def _ids(client: Client, **params: Any) -> list[int]:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["items"]]


def test_search_ranks_within_the_tickets_the_caller_may_see(world, django_assert_max_num_queries):
    in_subject = world.ticket(subject="إصدار الشهادة", body="نص")
    in_body = world.ticket(subject="طلب", body="أرجو إصدار الشهادة")
    outside = world.ticket(subject="إصدار الشهادة", category=Category.TRANSFER)  # not covered by the vendor
    world.ticket(subject="مشكلة في الجدول", body="نص")
    staff = bearer(world.supervisor)
    with django_assert_max_num_queries(3):
        found = _ids(staff, q="إصدار الشهادة")
    # Subject matches first, then the body match; the ticket with neither word is not found.
    assert set(found[:2]) == {outside.pk, in_subject.pk} and found[2:] == [in_body.pk]
    assert set(_ids(staff, q="صدرت")) == set(found)  # another form of the same word
    vendor = bearer(world.vendor_agent)
    assert _ids(vendor, q="إصدار الشهادة") == [in_subject.pk, in_body.pk]
    assert _ids(vendor, q=f"AWN-{outside.pk:06d}") == []  # a reference to a ticket the caller may not see
    assert _ids(vendor, q=f"AWN-{in_body.pk:06d}") == [in_body.pk]
    assert _ids(bearer(world.other_parent_user), q="الشهادة") == []  # a customer: their own tickets only
    parent = bearer(world.parent_user)  # the requester of all three
    assert set(_ids(parent, q="الشهادة")) == {in_subject.pk, in_body.pk, outside.pk}
    assert _ids(parent, q="الشهادة", limit=1)[0] in {in_subject.pk, outside.pk}  # a subject match first


def test_search_by_number_arabizi_and_filters(world):
    year = world.ticket(subject="شهادة عام 2024", body="نص")
    national = world.ticket(subject="طلب", body="رقم الهوية 1012345678")
    phone = world.ticket(subject="اتصال", body="جوالي 0551234567")
    arabizi = world.ticket(subject="talab", body="nseet el password")
    staff = bearer(world.agent)
    assert _ids(staff, q="2024") == [year.pk]  # a year is text, not ticket number 2024
    assert _ids(staff, q="١٠١٢٣٤٥٦٧٨") == [national.pk]
    assert _ids(staff, q="0551234567") == [phone.pk]
    assert _ids(staff, q=str(phone.pk)) == [phone.pk]  # a short bare number is a ticket number
    assert _ids(staff, q="نسيت الباسورد") == [arabizi.pk]
    assert _ids(staff, q="شهادة", status="new") == [year.pk]
    assert _ids(staff, q="شهادة", status="resolved") == []
    assert _ids(staff, q="   ") == _ids(staff)  # a blank search is no search
    assert_error(staff.get(API, {"q": "x" * 201}), 422)


# --- detail and messages ---------------------------------------------------------------------------------


def test_detail_hides_internal_notes_from_customers(world):
    ticket = world.ticket()
    ticket_add_message(ticket=ticket, actor=world.agent, body="ملاحظة داخلية", kind=MessageKind.NOTE)
    ticket_add_message(ticket=ticket, actor=world.agent, body="مرحبًا، نعمل على طلبك")
    customer = bearer(world.parent_user).get(f"{API}{ticket.pk}")
    assert customer.status_code == 200
    bodies = [m["body"] for m in customer.json()["messages"]]
    assert "ملاحظة داخلية" not in bodies and "مرحبًا، نعمل على طلبك" in bodies
    staff_reply = customer.json()["messages"][-1]["author"]
    assert staff_reply == {"kind": "staff", "id": None, "name": "هند"}
    assert customer["ETag"] == f'"{Ticket.objects.get(pk=ticket.pk).version}"'
    staff = bearer(world.agent).get(f"{API}{ticket.pk}").json()
    assert [m["kind"] for m in staff["messages"]] == ["reply", "note", "reply"]
    assert staff["messages"][1]["author"]["id"] == world.agent.pk
    listed = bearer(world.parent_user).get(f"{API}{ticket.pk}/messages").json()
    assert [m["kind"] for m in listed["items"]] == ["reply", "reply"]


def test_detail_pages_long_conversations(world, django_assert_max_num_queries):
    ticket = world.ticket()
    for i in range(6):
        ticket_add_message(ticket=ticket, actor=world.agent, body=f"رد {i}")
    client = bearer(world.agent)
    with django_assert_max_num_queries(7):  # + 1: is the requester a minor (awn.privacy's access audit)?
        detail = client.get(f"{API}{ticket.pk}", {"limit": 3}).json()
    assert len(detail["messages"]) == 3 and detail["messages_next_offset"] == 3
    rest = client.get(f"{API}{ticket.pk}/messages", {"offset": 3, "limit": 10}).json()
    assert len(rest["items"]) == 4 and rest["next_offset"] is None


def test_customer_reply_and_staff_note_and_reply_with_status(world):
    ticket = world.ticket(requester=world.child)
    parent = bearer(world.parent_user)
    reply = post(parent, f"{API}{ticket.pk}/messages", {"body": "ما زالت المشكلة قائمة"})
    assert reply.status_code == 201, reply.content
    assert reply.json()["author"] == {"kind": "contact", "id": world.parent.pk, "name": world.parent.name}
    before = Message.objects.count()
    assert_error(post(parent, f"{API}{ticket.pk}/messages", {"body": "x", "kind": "note"}), 403)
    assert_error(post(parent, f"{API}{ticket.pk}/messages", {"body": "x", "status_after": "closed"}), 403)
    assert Message.objects.count() == before
    agent = bearer(world.agent)
    note = post(agent, f"{API}{ticket.pk}/messages", {"body": "تحقق من الحساب", "kind": "note"})
    assert note.status_code == 201 and note.json()["direction"] == "internal"
    answer = post(agent, f"{API}{ticket.pk}/messages", {"body": "تم الحل", "status_after": "resolved"})
    assert answer.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.first_response_at is not None
    assert_error(post(agent, f"{API}{ticket.pk}/messages", {"body": "x", "kind": "shout"}), 400)


# --- patch -----------------------------------------------------------------------------------------------


def test_patch_with_if_match_and_conflict(world):
    ticket = world.ticket()
    client = bearer(world.agent)
    response = patch(
        client,
        f"{API}{ticket.pk}",
        {"status": "open", "priority": "high", "assignee_id": world.agent.pk, "team_id": world.in_house.pk},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "open" and body["priority"] == "high" and body["version"] == 2
    assert body["assignee"]["id"] == world.agent.pk and response["ETag"] == '"2"'
    stale = patch(client, f"{API}{ticket.pk}", {"priority": "low"}, HTTP_IF_MATCH="1")
    assert_error(stale, 409, "conflict")
    stale_body = patch(client, f"{API}{ticket.pk}", {"priority": "low", "version": 1})
    assert_error(stale_body, 409, "conflict")
    ticket.refresh_from_db()
    assert ticket.priority == "high" and ticket.version == 2
    ok = patch(client, f"{API}{ticket.pk}", {"priority": "low", "version": 2, "assignee_id": None})
    assert ok.status_code == 200 and ok.json()["assignee"] is None and ok.json()["priority"] == "low"
    assert AuditEntry.objects.filter(ticket=ticket, field="priority").count() == 2


@pytest.mark.parametrize(
    ("payload", "headers", "status", "field"),
    [
        ({"status": "flying"}, {}, 400, "status"),
        ({"assignee_id": 999_999}, {}, 400, "assignee"),
        ({"team_id": 999_999}, {}, 400, "team"),
        ({"subject": "  "}, {}, 400, "subject"),
        ({"priority": "low"}, {"HTTP_IF_MATCH": "yesterday"}, 400, "If-Match"),
        ({"priority": "low", "version": 3}, {"HTTP_IF_MATCH": "1"}, 400, "version"),
        ({"priority": 5}, {}, 422, "priority"),
        ({"assignee_id": "abc"}, {}, 422, "assignee_id"),
    ],
)
def test_invalid_patch_is_refused_and_changes_nothing(world, payload, headers, status, field):
    ticket = world.ticket()
    response = patch(bearer(world.agent), f"{API}{ticket.pk}", payload, **headers)
    assert assert_error(response, status)["field"] == field
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.version, fresh.status, fresh.priority, fresh.assignee_id) == (1, "new", "normal", None)


def test_outsourced_agent_cannot_be_assigned_outside_coverage(world):
    ticket = world.ticket(category=Category.TRANSFER)
    response = patch(bearer(world.supervisor), f"{API}{ticket.pk}", {"assignee_id": world.vendor_agent.pk})
    assert assert_error(response, 400)["field"] == "assignee"


# --- rating, links, merge, audit -------------------------------------------------------------------------


def test_rating_by_the_requester_once_resolved(world):
    ticket = world.ticket()
    client = bearer(world.parent_user)
    assert_error(post(client, f"{API}{ticket.pk}/rating", {"score": 5}), 400)  # not resolved yet
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    assert_error(post(client, f"{API}{ticket.pk}/rating", {"score": 6}), 422)
    assert_error(post(bearer(world.agent), f"{API}{ticket.pk}/rating", {"score": 5}), 403)
    ok = post(client, f"{API}{ticket.pk}/rating", {"score": 4, "comment": "شكرًا"})
    assert ok.status_code == 200, ok.content
    ticket.refresh_from_db()
    assert ticket.csat_score == 4 and ticket.csat_comment == "شكرًا"
    assert_error(post(client, f"{API}{ticket.pk}/rating", {"score": 1}), 400)
    assert Ticket.objects.get(pk=ticket.pk).csat_score == 4


def test_parent_cannot_rate_a_ticket_the_child_opened(world):
    ticket = world.ticket(requester=world.child)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    assert_error(post(bearer(world.parent_user), f"{API}{ticket.pk}/rating", {"score": 5}), 403)
    assert Ticket.objects.get(pk=ticket.pk).csat_score is None


def test_link_merge_and_audit(world):
    problem, incident, dup = world.ticket(), world.ticket(), world.ticket()
    agent = bearer(world.agent)
    linked = post(agent, f"{API}{incident.pk}/links", {"problem_id": problem.pk})
    assert linked.status_code == 200, linked.content
    incident.refresh_from_db()
    problem.refresh_from_db()
    assert incident.problem_id == problem.pk and problem.is_problem
    assert (
        assert_error(post(agent, f"{API}{incident.pk}/links", {"problem_id": 999_999}), 400)["field"]
        == "problem_id"
    )
    assert_error(post(agent, f"{API}{incident.pk}/links", {"problem_id": incident.pk}), 400)

    merged = post(agent, f"{API}{dup.pk}/merge", {"target_id": problem.pk})
    assert merged.status_code == 200 and merged.json()["id"] == problem.pk
    dup.refresh_from_db()
    assert dup.merged_into_id == problem.pk and dup.status == Status.CLOSED
    assert_error(post(agent, f"{API}{dup.pk}/merge", {"target_id": dup.pk}), 400)

    audit = agent.get(f"{API}{problem.pk}/audit").json()
    assert [e["action"] for e in audit["items"]] == ["created", "linked", "merged"]
    assert audit["items"][1]["actor"]["id"] == world.agent.pk
    assert_error(bearer(world.parent_user).get(f"{API}{problem.pk}/audit"), 403)
    assert_error(
        post(bearer(world.parent_user), f"{API}{incident.pk}/links", {"problem_id": problem.pk}), 403
    )


def test_merge_into_a_ticket_the_caller_cannot_see_is_refused(world):
    mine = world.ticket()
    hidden = world.ticket(category=Category.TRANSFER)
    response = post(bearer(world.vendor_agent), f"{API}{mine.pk}/merge", {"target_id": hidden.pk})
    assert assert_error(response, 400)["field"] == "target_id"
    assert Ticket.objects.get(pk=mine.pk).merged_into_id is None


# --- malformed requests: always 4xx with the JSON envelope, never 500 ------------------------------------


def test_malformed_requests_get_a_reason_not_a_500(world, settings):
    ticket = world.ticket()
    client = bearer(world.agent)
    malformed = assert_error(
        client.post(API, "{not json", content_type="application/json"), 400, "malformed_body"
    )
    assert (
        malformed["message_en"] == "The request body is not valid JSON."
        and malformed["message_ar"] != malformed["message_en"]
    )
    assert_error(
        client.post(API, "subject=x&body=y", content_type="application/x-www-form-urlencoded"),
        400,
        "malformed_body",
    )
    assert_error(client.post(API, "subject: x", content_type="text/plain"), 400, "malformed_body")
    assert_error(client.post(API, b"\xff\xfe\x00", content_type="application/json"), 400, "malformed_body")
    assert_error(post(client, API, [1, 2, 3]), 422, "validation_error")
    assert_error(post(client, API, json.dumps("just a string")), 422, "validation_error")
    wrong_type = post(client, API, {"subject": "s", "body": "b", "requester_id": "abc"})
    assert assert_error(wrong_type, 422)["field"] == "requester_id"
    assert_error(post(client, API, {"subject": "s", "body": "b", "requester_id": 2**70}), 422)
    assert_error(post(client, API, {"subject": "s\x00", "body": "b", "requester_id": world.parent.pk}), 422)
    assert_error(post(client, API, {"subject": ["s"], "body": "b"}), 422)
    assert_error(client.get(f"{API}999999"), 404, "not_found")
    assert_error(client.get(f"{API}{2**70}"), 404, "not_found")
    assert_error(client.get(f"{API}abc"), 422)
    assert_error(client.get(API, {"requester": 2**70}), 422)
    assert client.get(API, {"team": str(2**70)}).status_code == 400
    assert patch(client, f"{API}{ticket.pk}", {"priority": "high"}, HTTP_IF_MATCH="*").status_code == 200
    assert_error(patch(client, f"{API}abc", {"status": "open"}), 422)
    assert_error(post(client, f"{API}999999/messages", {"body": "x"}), 404)
    assert_error(client.post(f"{API}{ticket.pk}/messages", "", content_type="application/json"), 422)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = json.dumps({"subject": "s", "body": "x" * 5000, "requester_id": world.parent.pk})
    assert_error(client.post(API, big, content_type="application/json"), 413, "payload_too_large")
    assert Ticket.objects.count() == 1


def test_too_long_text_is_refused_with_a_bilingual_message(world):
    response = post(bearer(world.parent_user), API, {"subject": "ع" * 300, "body": "b"})
    error = assert_error(response, 400, "validation_error")
    assert error["field"] == "subject" and error["message_ar"] != error["message_en"]


def test_unknown_or_missing_credentials_get_401(world):
    ticket = world.ticket()
    assert_error(Client().get(API), 401, "unauthorized")
    assert_error(Client(HTTP_AUTHORIZATION="Bearer awn_wrong").get(f"{API}{ticket.pk}"), 401)
    assert_error(Client().post(API, {"subject": "s", "body": "b"}, content_type="application/json"), 401)
    _token, key = api_token_create(user=world.parent_user, name="t")
    _token.revoked = True
    _token.save()
    assert_error(Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(API), 401)
    assert Ticket.objects.count() == 1


# --- sessions and CSRF -----------------------------------------------------------------------------------


def test_session_auth_enforces_csrf_on_writes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.parent_user)
    assert client.get(API).status_code == 200
    refused = client.post(API, {"subject": "s", "body": "b"}, content_type="application/json")
    assert_error(refused, 403, "csrf_failed")
    assert Ticket.objects.count() == 0
    token = get_random_string(32)  # a CSRF secret, as a page would have set in the cookie
    client.cookies["csrftoken"] = token
    accepted = client.post(
        API, {"subject": "s", "body": "b"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201, accepted.content
    assert Ticket.objects.get().requester == world.parent


def test_token_requests_need_no_csrf(world):
    client = bearer(world.parent_user)
    client.handler.enforce_csrf_checks = True
    assert post(client, API, {"subject": "s", "body": "b"}).status_code == 201


# --- docs, /me and the token command ---------------------------------------------------------------------


def test_openapi_docs_and_redirect(db):
    client = Client()
    assert client.get("/api/docs")["Location"] == "/api/v1/docs"
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/tickets/" in schema["paths"] and "/api/v1/crm/events" in schema["paths"]


def test_me(world):
    body = bearer(world.parent_user).get("/api/v1/me").json()
    assert body["role"] == "customer" and body["contact"]["id"] == world.parent.pk
    staff = bearer(world.vendor_agent).get("/api/v1/me").json()
    assert staff["is_staff_member"] and staff["team"]["id"] == world.vendor.pk


def test_create_api_token_command_prints_the_key_once(world):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "admin", "education system", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("awn_") and key not in err.getvalue()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me").json()["username"] == "admin"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "x", stdout=StringIO(), stderr=StringIO())
