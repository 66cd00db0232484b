"""Slice 1: declaring an incident (supervisors only), its banner, its automatic first reply, page and API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from awn.core.errors import NotFound, PermissionDenied, ValidationError
from awn.incidents import services
from awn.incidents.enums import IncidentStatus
from awn.incidents.models import Incident
from awn.tickets.enums import Category, Channel, Direction, MessageKind, Priority
from awn.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

OUTAGE: dict[str, Any] = {
    "title_ar": "تعطل تسجيل الدخول إلى نور",
    "title_en": "Noor sign-in outage",
    "message_ar": "نعمل على إصلاح عطل يمنع تسجيل الدخول.",
    "message_en": "We are fixing a fault that blocks signing in.",
    "guide_url": "/portal/kb/login-guide/",
    "category": Category.ACCOUNT_ACCESS,
}


def declare(world: Any, **extra: Any) -> Incident:
    return services.incident_declare(actor=world.supervisor, **{**OUTAGE, **extra})


def test_declare_creates_an_urgent_problem_ticket(world: Any) -> None:
    incident = declare(world)
    problem = Ticket.objects.get(pk=incident.problem_id)
    assert problem.is_problem is True
    assert problem.priority == Priority.URGENT
    assert problem.subject == OUTAGE["title_ar"]
    assert problem.requester.user_id == world.supervisor.pk
    assert incident.status == IncidentStatus.ACTIVE
    # The supervisor's contact profile is made once: a second incident reuses it.
    second = declare(world, title_ar="عطل ثان")
    assert second.problem.requester_id == problem.requester_id


def test_declare_over_an_existing_ticket(world: Any) -> None:
    first_report = world.ticket()
    incident = declare(world, problem=first_report)
    assert incident.problem_id == first_report.pk
    first_report.refresh_from_db()
    assert first_report.is_problem
    with pytest.raises(ValidationError):
        declare(world, problem=first_report)


@pytest.mark.parametrize("who", ["agent", "vendor_agent", "parent_user"])
def test_only_supervisors_declare(world: Any, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.incident_declare(actor=getattr(world, who), **OUTAGE)
    assert not Incident.objects.exists()
    assert not Ticket.objects.filter(is_problem=True).exists()


def test_admin_declares_too(world: Any) -> None:
    assert services.incident_declare(actor=world.admin, **OUTAGE).pk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title_ar", "  "),
        ("message_ar", ""),
        ("guide_url", "javascript:alert(1)"),
        ("guide_url", "//evil.example"),
        ("category", "nope"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world: Any, field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        declare(world, **{field: value})
    assert caught.value.field == field
    assert not Incident.objects.exists()
    assert not Ticket.objects.exists()


def test_reply_text_explains_and_links_the_guide_in_the_persons_language(world: Any) -> None:
    declare(world)
    arabic = services.active_incident_reply(category=Category.ACCOUNT_ACCESS, language="ar")
    english = services.active_incident_reply(category=Category.ACCOUNT_ACCESS, language="en")
    assert arabic is not None and english is not None
    assert OUTAGE["message_ar"] in arabic and "/portal/kb/login-guide/" in arabic
    assert OUTAGE["message_en"] in english and "/portal/kb/login-guide/" in english
    assert services.active_incident_reply(category=Category.TRANSFER) is None


def test_keywords_match_in_any_arabic_spelling(world: Any) -> None:
    declare(world, category="", keywords="كلمة المرور, نور")
    assert services.active_incident_reply(text="نسيت كلمه المرور") is not None
    assert services.active_incident_reply(text="أريد نقل ابني") is None


def test_an_incident_naming_no_category_and_no_keyword_answers_nobody(world: Any) -> None:
    declare(world, category="", keywords="")
    assert services.active_incident_reply(category=Category.ACCOUNT_ACCESS, text="نور") is None


def test_new_matching_ticket_is_linked_and_answered_on_its_channel(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    incident = declare(world)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket(channel=Channel.WHATSAPP)
        other = world.ticket(category=Category.TRANSFER, subject="نقل", body="نقل طالب")
    ticket.refresh_from_db()
    other.refresh_from_db()
    assert ticket.problem_id == incident.problem_id
    # The incident's explanation, once (the assistant may add its own first answer on messaging channels).
    replies = Message.objects.filter(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        kind=MessageKind.REPLY,
        body__contains=OUTAGE["message_ar"],
    )
    assert replies.count() == 1
    assert "/portal/kb/login-guide/" in replies.get().body
    assert other.problem_id is None
    assert not Message.objects.filter(ticket=other, body__contains=OUTAGE["message_ar"]).exists()
    # A second delivery of the same event answers nobody twice.
    assert services.incident_answer_new_ticket(ticket.pk) is False
    assert replies.count() == 1


def test_ended_incident_answers_and_shows_nothing(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        incident = declare(world)
        services.incident_end(actor=world.supervisor, incident=incident)
    assert services.active_incident_reply(category=Category.ACCOUNT_ACCESS) is None
    with django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket()
    ticket.refresh_from_db()
    assert ticket.problem_id is None
    page = world.client_for(world.parent_user).get("/portal/")
    assert b'data-testid="incident-banner"' not in page.content


def test_portal_banner_in_arabic_and_english(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        declare(world)
    client = world.client_for(world.parent_user)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'data-testid="incident-banner"' in page
    assert OUTAGE["title_ar"] in page and 'dir="rtl"' in page
    assert 'href="/portal/kb/login-guide/"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    english = client.get("/portal/").content.decode()
    assert OUTAGE["title_en"] in english and 'dir="ltr"' in english


def test_workspace_page_is_for_supervisors_only(world: Any) -> None:
    assert world.client_for(world.agent).get("/workspace/incidents/").status_code == 404
    assert world.client_for(world.parent_user).get("/workspace/incidents/").status_code == 404
    client = world.client_for(world.supervisor)
    assert client.get("/workspace/incidents/").status_code == 200
    response = client.post("/workspace/incidents/", {**OUTAGE, "auto_reply": "on"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workspace/incidents/{incident.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert OUTAGE["message_ar"] in detail
    assert world.client_for(world.agent).get(response["Location"]).status_code == 404


def test_workspace_declare_needs_csrf(world: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.supervisor)
    assert client.post("/workspace/incidents/", OUTAGE).status_code == 403
    assert not Incident.objects.exists()


def test_api_declare_and_read(world: Any) -> None:
    client = world.client_for(world.supervisor)
    response = client.post("/api/v1/incidents", json.dumps(OUTAGE), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active" and body["affected_tickets"] == 0
    assert client.get(f"/api/v1/incidents/{body['id']}").json()["problem_id"] == body["problem_id"]
    agent = world.client_for(world.agent)
    assert agent.get(f"/api/v1/incidents/{body['id']}").status_code == 403
    refused = agent.post("/api/v1/incidents", json.dumps(OUTAGE), content_type="application/json")
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/incidents", json.dumps({**OUTAGE, "title_ar": ""}), content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "title_ar"


def test_incident_of_a_problem_the_user_may_not_see_is_not_found(world: Any) -> None:
    incident = declare(world)
    with pytest.raises(NotFound):
        services.incident_for(world.agent, incident.pk)
    with pytest.raises(NotFound):
        services.incident_for(world.supervisor, incident.pk + 1000)


def test_a_second_incidents_problem_ticket_is_never_claimed_by_the_first(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Its title holds the first incident's keyword, but staff opened it: no link, no automatic reply."""
    with django_capture_on_commit_callbacks(execute=True):
        declare(world, category="", keywords="نور")
        second = declare(world, title_ar="تعطل نور في المدارس", category="", keywords="المدارس")
    problem = Ticket.objects.get(pk=second.problem_id)
    assert problem.is_problem and problem.problem_id is None
    assert not Message.objects.filter(ticket=problem, direction=Direction.OUTBOUND).exists()
