from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awn.crm.services import external_event_record
from awn.tickets.canned import render_canned
from awn.tickets.enums import Category, MessageKind, Priority, Status
from awn.tickets.models import Attachment, AuditEntry, CannedResponse, Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_update


def url(name: str, ticket: Ticket, *args: object) -> str:
    return reverse(f"workspace:{name}", args=[ticket.pk, *args])


@pytest.fixture
def ticket(world):
    return world.ticket(about_contact=world.child, organization=world.school)


def test_ticket_page_shows_conversation_notes_and_composer(world, ticket):
    ticket_add_message(ticket=ticket, actor=world.agent, body="ملاحظة سرية للفريق", kind=MessageKind.NOTE)
    ticket_add_message(ticket=ticket, actor=world.agent, body="مرحبًا، نعمل على طلبك")
    response = world.client_for(world.agent).get(url("ticket", ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert ticket.reference in html and ticket.subject in html
    assert "ملاحظة سرية للفريق" in html
    assert (
        'data-kind="note"' in html
        and "awn-note" in html
        and "awn-reply-out" in html
        and "awn-reply-in" in html
    )
    # The composer's contract with the browser tests.
    for selector in (
        'textarea class="form-control mb-2" name="body"',
        'name="kind" id="kind-reply" value="reply"',
        'name="kind" id="kind-note" value="note"',
        'name="status_after"',
        'type="file" name="attachments" id="attachments" multiple',
        'data-testid="send-reply"',
    ):
        assert selector in html, selector
    assert '<option value="resolved">' in html and '<option value="pending">' in html
    assert 'data-testid="shortcuts-help"' in html


def test_sidebar_shows_profile_relations_and_login_failures(world, ticket):
    external_event_record(
        event_id="sis-1", event_type="login_failed", contact=world.parent, reason="كلمة مرور غير صحيحة"
    )
    response = world.client_for(world.agent).get(url("ticket-customer", ticket))  # fetched after the page
    html = response.content.decode()
    people = response.context["people"]
    assert [p.contact for p in people] == [world.parent, world.child]
    assert world.parent.national_id not in html  # masked only
    assert world.parent.national_id_masked in html
    assert world.parent.phone_masked in html and world.parent.phone not in html
    assert [r.contact for r in people[0].relations] == [world.child]
    child_rows = people[1].relations
    assert [r.contact for r in child_rows if r.contact] == [world.parent]  # "child of"
    assert [r.organization for r in child_rows if r.organization] == [world.school]  # "student at"
    assert world.child.name in html  # child shown as the parent's relation (and as the "about" person)
    assert world.school.name in html  # the child's school
    assert 'data-event-type="login_failed"' in html and "awn-timeline-alert" in html
    assert "كلمة مرور غير صحيحة" in html


def test_other_open_tickets_of_the_requester(world, ticket):
    other = world.ticket(subject="طلب آخر مفتوح")
    response = world.client_for(world.agent).get(url("ticket-customer", ticket))
    assert [t.pk for t in response.context["other_tickets"]] == [other.pk]


def test_reply_with_status_after_resolved(world, ticket):
    response = world.client_for(world.agent).post(
        url("ticket-message", ticket), {"body": "تم حل المشكلة", "kind": "reply", "status_after": "resolved"}
    )
    assert response.status_code == 302 and response["Location"] == url("ticket", ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
    message = ticket.messages.last()
    assert message.body == "تم حل المشكلة" and message.kind == MessageKind.REPLY
    assert message.author_user == world.agent and message.direction == "outbound"


def test_internal_note_keeps_status_and_first_response(world, ticket):
    world.client_for(world.agent).post(
        url("ticket-message", ticket), {"body": "ملاحظة داخلية", "kind": "note", "status_after": ""}
    )
    ticket.refresh_from_db()
    note = ticket.messages.last()
    assert note.kind == MessageKind.NOTE and note.body == "ملاحظة داخلية"
    assert ticket.status == Status.NEW and ticket.first_response_at is None


def test_reply_with_attachment(world, ticket, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("steps.txt", "خطوات الدخول".encode(), content_type="text/plain")
    world.client_for(world.agent).post(
        url("ticket-message", ticket), {"body": "مرفق الخطوات", "kind": "reply", "attachments": [upload]}
    )
    attachment = Attachment.objects.get()
    assert attachment.filename == "steps.txt" and attachment.message.ticket_id == ticket.pk
    html = world.client_for(world.agent).get(url("ticket", ticket)).content.decode()
    assert "steps.txt" in html
    assert reverse("attachment-download", args=[attachment.pk]) in html


def test_refused_reply_saves_nothing_and_keeps_the_text(world, ticket, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = world.client_for(world.agent).post(
        url("ticket-message", ticket),
        {"body": "نص الرد", "kind": "reply", "status_after": "resolved", "attachments": [bad]},
    )
    assert response.status_code == 400
    assert "نص الرد" in response.content.decode()  # the agent's text is not lost
    ticket.refresh_from_db()
    assert ticket.messages.count() == 1 and ticket.status == Status.NEW
    assert not Attachment.objects.exists()
    response = world.client_for(world.agent).post(
        url("ticket-message", ticket), {"body": "   ", "kind": "reply"}
    )
    assert response.status_code == 400 and ticket.messages.count() == 1


def test_canned_response_placeholders_filled(world, ticket):
    canned = CannedResponse.objects.create(
        title="ترحيب",
        body="مرحبًا {{contact.first_name}} ({{contact.name}})، تذكرتك {{ticket.reference}}: {{ticket.subject}}. "
        "{{agent.name}} {{unknown.thing}} {% now 'Y' %}",
    )
    response = world.client_for(world.agent).get(url("ticket-canned", ticket, canned.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert text == (
        f"مرحبًا أحمد (أحمد القحطاني)، تذكرتك {ticket.reference}: {ticket.subject}. "
        "هند {{unknown.thing}} {% now 'Y' %}"
    )
    page = world.client_for(world.agent).get(url("ticket", ticket)).content.decode()
    assert url("ticket-canned", ticket, canned.pk) in page and "data-canned-select" in page


def test_render_canned_is_plain_substitution(world, ticket):
    out = render_canned(
        "{{ agent.name }}|{{contact.name}}|{{ticket.reference}}|{{x}}|{{", ticket=ticket, agent=world.agent
    )
    assert out == f"هند|أحمد القحطاني|{ticket.reference}|{{{{x}}}}|{{{{"


def test_update_properties(world, ticket):
    response = world.client_for(world.agent).post(
        url("ticket-update", ticket),
        {
            "status": "open",
            "seen_status": "new",
            "priority": "high",
            "seen_priority": "normal",
            "category": ticket.category,
            "seen_category": ticket.category,
            "team": world.in_house.pk,
            "seen_team": "",
            "assignee": world.agent.pk,
            "seen_assignee": "",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.team_id, ticket.assignee_id) == (
        "open",
        "high",
        world.in_house.pk,
        world.agent.pk,
    )
    html = world.client_for(world.agent).get(url("ticket", ticket)).content.decode()
    assert 'name="seen_priority" value="high"' in html
    audit = world.client_for(world.agent).get(url("ticket-history", ticket)).context["audit"]
    assignee_rows = [row for row in audit if row.field == "assignee"]
    assert assignee_rows and assignee_rows[0].new == "هند"  # ids shown as names


def test_stale_update_is_a_conflict_and_overwrites_nothing(world, ticket):
    # Someone else raised the priority after our page loaded.
    ticket_update(ticket=ticket, actor=world.supervisor, changes={"priority": Priority.URGENT})
    version = Ticket.objects.get(pk=ticket.pk).version
    client = world.client_for(world.agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        url("ticket-update", ticket),
        {"priority": "low", "seen_priority": "normal", "status": "new", "seen_status": "new"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT and ticket.version == version
    assert "someone else changed" in response.content.decode().lower()


def test_assign_to_me_and_stale_assign(world, ticket):
    client = world.client_for(world.agent)
    client.post(url("ticket-assign-me", ticket), {"seen_assignee": ""})
    ticket.refresh_from_db()
    assert ticket.assignee_id == world.agent.pk
    # The supervisor's page still shows "unassigned": taking it now is refused.
    world.client_for(world.supervisor).post(url("ticket-assign-me", ticket), {"seen_assignee": ""})
    ticket.refresh_from_db()
    assert ticket.assignee_id == world.agent.pk


def test_tags_link_and_merge(world, ticket):
    client = world.client_for(world.agent)
    client.post(url("ticket-tags", ticket), {"tags": "نور، دخول, urgent-fix"})
    assert sorted(ticket.tags.values_list("name", flat=True)) == sorted(["نور", "دخول", "urgent-fix"])

    problem = world.ticket(subject="عطل عام في الدخول")
    client.post(url("ticket-link-problem", ticket), {"number": problem.reference})
    ticket.refresh_from_db(), problem.refresh_from_db()
    assert ticket.problem_id == problem.pk and problem.is_problem
    html = client.get(url("ticket", problem)).content.decode()
    assert 'data-testid="incidents"' in html and ticket.reference in html

    client.post(url("ticket-link-problem", ticket), {"number": "AWN-999999"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.problem_id == problem.pk

    duplicate = world.ticket(subject="مكررة")
    response = client.post(url("ticket-merge", duplicate), {"number": str(ticket.pk)})
    assert response["Location"] == url("ticket", ticket)
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == ticket.pk and duplicate.status == Status.CLOSED
    assert Message.objects.filter(ticket=ticket, body="تظهر رسالة خطأ عند الدخول").count() == 2

    assert 'data-testid="history-slot"' in client.get(url("ticket", ticket)).content.decode()
    audit = client.get(url("ticket-history", ticket)).content.decode()
    assert 'data-testid="audit"' in audit and "urgent-fix" in audit


def test_merge_into_itself_is_refused(world, ticket):
    client = world.client_for(world.agent)
    response = client.post(url("ticket-merge", ticket), {"number": ticket.reference}, follow=True)
    ticket.refresh_from_db()
    assert ticket.merged_into_id is None and ticket.status == Status.NEW
    assert response.status_code == 200


def test_ticket_page_query_count_is_bounded(world, ticket, django_assert_max_num_queries):
    for i in range(5):
        ticket_add_message(ticket=ticket, actor=world.agent, body=f"رد {i}")
    client = world.client_for(world.agent)
    client.get("/workspace/")  # the session's first request starts its staff-session clocks (one write)
    with django_assert_max_num_queries(12):  # test_query_budget.py: the same whatever the ticket holds
        assert client.get(url("ticket", ticket)).status_code == 200


def test_closed_ticket_has_no_composer(world, ticket):
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.CLOSED})
    html = world.client_for(world.agent).get(url("ticket", ticket)).content.decode()
    assert 'data-testid="closed-notice"' in html and 'data-testid="send-reply"' not in html
    assert AuditEntry.objects.filter(ticket=ticket, field="status").exists()


def test_uncategorised_canned_and_category_ones_are_offered(world, ticket):
    CannedResponse.objects.create(title="عام", body="x")
    CannedResponse.objects.create(title="حسابات", body="y", category=Category.ACCOUNT_ACCESS)
    CannedResponse.objects.create(title="نقل", body="z", category=Category.TRANSFER)
    titles = [c.title for c in world.client_for(world.agent).get(url("ticket", ticket)).context["canned"]]
    assert titles == ["حسابات", "عام"]


def test_login_failures_stay_visible_when_newer_messages_fill_the_timeline(world, ticket):
    from datetime import timedelta

    from django.utils import timezone

    external_event_record(
        event_id="sis-old-1",
        event_type="login_failed",
        contact=world.parent,
        occurred_at=timezone.now() - timedelta(days=2),
        reason="الحساب مقفل بعد 5 محاولات",
    )
    for n in range(20):
        ticket_add_message(ticket=ticket, actor=world.agent, body=f"متابعة {n}", kind="note")
    html = world.client_for(world.agent).get(url("ticket-customer", ticket)).content.decode()
    events_block = html.split('data-testid="external-events"', 1)[1].split("</ul>", 1)[0]
    assert "فشل تسجيل الدخول" in events_block and "الحساب مقفل بعد 5 محاولات" in events_block
