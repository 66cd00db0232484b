"""Surveys through HTTP and the services, as the customer meets them: sent on resolution on the ticket's channel,
answered once from any channel, refused politely when altered, expired or answered, reminded once, opt-out kept,
a low score followed up, and the answers in the CSAT KPIs (live equals rebuilt)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awn.analytics.kpis import compute
from awn.analytics.models import TicketFact
from awn.analytics.services import FACT_FIELDS, facts_rebuild
from awn.crm.services import contact_create
from awn.notifications.models import Notification
from awn.surveys.models import SurveyInvitation, SurveyOptOut, SurveyResponse
from awn.surveys.services import survey_invite, surveys_send_reminders
from awn.tickets.enums import Channel, Direction, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_create, ticket_rate, ticket_update

LINK = re.compile(r"https?://[^\s]+/survey/([^/\s]+)/")


def resolve(world: Any, ticket: Ticket, capture: Any) -> None:
    with capture(execute=True):
        ticket_update(
            ticket=Ticket.objects.get(pk=ticket.pk), actor=world.agent, changes={"status": Status.RESOLVED}
        )


def email_token(ticket: Ticket, kind: str = "invite") -> str:
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    mail = Notification.objects.get(dedupe_key=f"survey:{invitation.pk}:{kind}")
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(1)


def refused(response: Any, reason: str) -> None:
    page = response.content.decode()
    assert f'data-reason="{reason}"' in page
    assert 'lang="ar"' in page and 'lang="en"' in page  # both languages, whatever the page's


@pytest.fixture
def email_ticket(world: Any) -> Ticket:
    return world.ticket(channel=Channel.EMAIL)


@pytest.mark.django_db
def test_resolution_sends_one_signed_link_and_the_customer_answers_once(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get(ticket=email_ticket)
    assert (invitation.channel, invitation.contact_id) == (Channel.EMAIL, world.parent.pk)
    token = email_token(email_ticket)
    customer = Client()  # the link is the key: no sign-in
    page = customer.get(f"/survey/{token}/")
    assert page.status_code == 200 and 'data-testid="survey-form"' in page.content.decode()
    assert 'name="ces"' in page.content.decode() and 'name="nps"' not in page.content.decode()
    answered = customer.post(f"/survey/{token}/", {"csat": "5", "ces": "6", "comment": "شكرا، خدمة ممتازة"})
    assert answered.status_code == 200 and 'data-testid="survey-thanks"' in answered.content.decode()
    response = SurveyResponse.objects.get(ticket=email_ticket)
    assert (response.csat, response.ces, response.nps, response.channel) == (5, 6, None, "link")
    assert response.sentiment == "positive" and not response.follow_up
    ticket = Ticket.objects.get(pk=email_ticket.pk)
    assert (ticket.csat_score, ticket.csat_comment) == (5, "شكرا، خدمة ممتازة")
    fact = TicketFact.objects.get(pk=email_ticket.pk)
    assert fact.csat_score == 5 and fact.surveyed_at is not None
    # Opened twice: refused politely, nothing changes.
    refused(customer.get(f"/survey/{token}/"), "answered")
    again = customer.post(f"/survey/{token}/", {"csat": "1"})
    assert again.status_code == 409
    refused(again, "answered")
    assert SurveyResponse.objects.filter(ticket=email_ticket).count() == 1
    assert Ticket.objects.get(pk=email_ticket.pk).csat_score == 5


@pytest.mark.django_db
def test_resolving_again_sends_no_second_survey(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    ticket_update(
        ticket=Ticket.objects.get(pk=email_ticket.pk), actor=world.agent, changes={"status": Status.OPEN}
    )
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    assert SurveyInvitation.objects.filter(ticket=email_ticket).count() == 1
    assert Notification.objects.filter(dedupe_key__startswith="survey:").count() == 1


@pytest.mark.django_db
def test_altered_and_expired_links_are_refused_politely(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    token = email_token(email_ticket)
    client = Client()
    altered = token[:-2] + ("xy" if not token.endswith("xy") else "zw")
    response = client.get(f"/survey/{altered}/")
    assert response.status_code == 404
    refused(response, "invalid")
    assert client.post(f"/survey/{altered}/", {"csat": "5"}).status_code == 404
    SurveyInvitation.objects.filter(ticket=email_ticket).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(f"/survey/{token}/")
    assert response.status_code == 410
    refused(response, "expired")
    assert client.post(f"/survey/{token}/", {"csat": "5"}).status_code == 410
    assert not SurveyResponse.objects.exists() and Ticket.objects.get(pk=email_ticket.pk).csat_score is None


@pytest.mark.django_db
def test_an_invalid_score_shows_the_form_again(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    token = email_token(email_ticket)
    for bad in ({"csat": "6"}, {"csat": "0"}, {}, {"csat": "4", "ces": "8"}):
        response = Client().post(f"/survey/{token}/", bad)
        assert response.status_code == 400 and 'data-testid="field-error"' in response.content.decode()
    assert not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_opt_out_is_respected(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    token = email_token(email_ticket)
    response = Client().post(f"/survey/{token}/opt-out/")
    assert response.status_code == 200 and SurveyOptOut.objects.filter(contact=world.parent).exists()
    refused(Client().get(f"/survey/{token}/"), "opted_out")
    later = world.ticket(channel=Channel.EMAIL)
    resolve(world, later, django_capture_on_commit_callbacks)
    assert not SurveyInvitation.objects.filter(ticket=later).exists()
    # …and no reminder of the first one either.
    SurveyInvitation.objects.update(sent_at=timezone.now() - timedelta(days=3))
    assert surveys_send_reminders() == 0


@pytest.mark.django_db
def test_one_reminder_only_for_unanswered_surveys(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    answered = world.ticket(channel=Channel.EMAIL)
    for ticket in (email_ticket, answered):
        resolve(world, ticket, django_capture_on_commit_callbacks)
    Client().post(f"/survey/{email_token(answered)}/", {"csat": "4"})
    SurveyInvitation.objects.update(sent_at=timezone.now() - timedelta(hours=47))
    assert surveys_send_reminders() == 0  # the delay (48 h) has not passed
    SurveyInvitation.objects.update(sent_at=timezone.now() - timedelta(hours=49))
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_reminders() == 1
    assert surveys_send_reminders() == 0  # once
    # The reminder's link is a working link to the same survey.
    token = email_token(email_ticket, "reminder")
    assert Client().post(f"/survey/{token}/", {"csat": "3"}).status_code == 200


@pytest.mark.django_db
def test_no_survey_for_a_contact_we_cannot_reach_or_a_merged_ticket(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    walk_in = contact_create(name="زائر", phone="0559998877")  # no email, no portal account
    ticket = ticket_create(requester=walk_in, subject="سؤال", body="سؤال", channel=Channel.PHONE)
    resolve(world, ticket, django_capture_on_commit_callbacks)
    assert not SurveyInvitation.objects.exists()
    assert survey_invite(999999) is None


def whatsapp_ticket(world: Any) -> Ticket:
    return ticket_create(
        requester=world.parent, subject="دخول", body="لا أستطيع الدخول", channel=Channel.WHATSAPP
    )


@pytest.mark.django_db
def test_a_whatsapp_ticket_without_an_open_thread_gets_the_email_link(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Typed in by an agent for a WhatsApp customer: no thread Awn could write in (test_whatsapp_e2e.py has one).
    ticket = whatsapp_ticket(world)
    resolve(world, ticket, django_capture_on_commit_callbacks)
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()
    assert SurveyInvitation.objects.get(ticket=ticket).channel == Channel.WHATSAPP
    assert Client().get(f"/survey/{email_token(ticket)}/").status_code == 200


@pytest.mark.django_db
def test_a_digit_without_a_waiting_survey_is_an_ordinary_message(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(requester=world.parent, subject="5", body="5", channel=Channel.WHATSAPP)
    assert not SurveyResponse.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).merged_into_id is None


@pytest.mark.django_db
def test_a_portal_rating_answers_the_survey_once(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    token = email_token(email_ticket)
    ticket_rate(ticket=Ticket.objects.get(pk=email_ticket.pk), contact=world.parent, score=4, comment="جيد")
    response = SurveyResponse.objects.get(ticket=email_ticket)
    assert (response.csat, response.channel) == (4, Channel.PORTAL)
    assert SurveyInvitation.objects.get(ticket=email_ticket).answered_at is not None
    refused(Client().get(f"/survey/{token}/"), "answered")


@pytest.mark.django_db
def test_a_low_score_opens_a_follow_up_for_the_supervisor(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    ticket_update(ticket=email_ticket, actor=world.agent, changes={"team_id": world.in_house.pk})
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/survey/{email_token(email_ticket)}/", {"csat": "2", "comment": "تأخير كبير"})
    response = SurveyResponse.objects.get(ticket=email_ticket)
    assert response.follow_up and response.sentiment == "negative" and response.topic == "waiting"
    note = Message.objects.get(ticket=email_ticket, kind=MessageKind.NOTE)
    assert "@supervisor" in note.body and "2" in note.body and "الانتظار والسرعة" in note.body  # the topic
    assert "تأخير كبير" not in note.body  # the comment itself stays on the answer (erasable with the person)
    # Visible in the workspace: the supervisor's ticket page shows the note, and their notifications name it.
    page = world.client_for(world.supervisor).get(f"/workspace/tickets/{email_ticket.pk}/")
    assert page.status_code == 200 and "الانتظار والسرعة" in page.content.decode()
    from awn.realtime.models import AgentNotification

    assert AgentNotification.objects.filter(user=world.supervisor, ticket_id=email_ticket.pk).exists()


@pytest.mark.django_db
def test_a_good_score_opens_no_follow_up(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    Client().post(f"/survey/{email_token(email_ticket)}/", {"csat": "3"})
    assert not Message.objects.filter(ticket=email_ticket, kind=MessageKind.NOTE).exists()


def _facts() -> list[dict[str, Any]]:
    return list(TicketFact.objects.order_by("ticket_id").values(*FACT_FIELDS))


@pytest.mark.django_db
def test_answers_feed_the_csat_kpis_and_the_rebuild_gives_the_same_figures(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    happy, unhappy, silent, portal_only, not_asked = (world.ticket(channel=Channel.EMAIL) for _ in range(5))
    for ticket in (happy, unhappy, silent):
        resolve(world, ticket, django_capture_on_commit_callbacks)
    Client().post(f"/survey/{email_token(happy)}/", {"csat": "5"})
    Client().post(f"/survey/{email_token(unhappy)}/", {"csat": "1"})
    # Rated on the portal's form without any survey (resolved outside the survey's reach).
    ticket_update(ticket=portal_only, actor=world.agent, changes={"status": Status.RESOLVED})
    ticket_rate(ticket=Ticket.objects.get(pk=portal_only.pk), contact=world.parent, score=4)
    ticket_update(ticket=not_asked, actor=world.agent, changes={"status": Status.RESOLVED})
    values = compute(TicketFact.objects.all())
    # By hand: answers 5, 1, 4 → two of three are 4–5; asked: happy, unhappy, silent, portal_only → 3 of 4.
    assert (values["csat"].hits, values["csat"].population) == (2, 3)
    assert (values["csat_response"].hits, values["csat_response"].population) == (3, 4)
    live = _facts()
    TicketFact.objects.update(csat_score=None, surveyed_at=None)  # damage: the rebuild must not read them
    facts_rebuild(batch_size=2)
    assert _facts() == live
    rebuilt = compute(TicketFact.objects.all())
    assert (rebuilt["csat_response"].hits, rebuilt["csat_response"].population) == (3, 4)


@pytest.mark.django_db
def test_a_digit_inside_another_conversation_is_not_a_survey_answer(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    surveyed = whatsapp_ticket(world)
    resolve(world, surveyed, django_capture_on_commit_callbacks)
    # Later the same customer asks something new, then sends «2» in that conversation (e.g. "2: a person").
    with django_capture_on_commit_callbacks(execute=True):
        other = ticket_create(
            requester=world.parent, subject="نقل", body="أريد نقل ابني", channel=Channel.WHATSAPP
        )
    from awn.tickets.services import ticket_add_message

    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_message(
            ticket=Ticket.objects.get(pk=other.pk), body="2", actor=None, author_contact=world.parent
        )
    assert not SurveyResponse.objects.exists()
    assert Ticket.objects.get(pk=other.pk).merged_into_id is None


@pytest.mark.django_db
def test_a_resolution_by_the_system_sends_no_survey(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = world.ticket(channel=Channel.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=ticket, actor=None, changes={"status": Status.RESOLVED})
    assert not SurveyInvitation.objects.exists()


@pytest.mark.django_db
def test_erasing_the_person_blanks_their_survey_comments(
    world: Any, email_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    from awn.crm.services import contact_erase

    resolve(world, email_ticket, django_capture_on_commit_callbacks)
    Client().post(f"/survey/{email_token(email_ticket)}/", {"csat": "2", "comment": "رقم هويتي 1234567890"})
    contact_erase(contact=world.parent, actor=world.supervisor, reason="طلب الحذف")
    response = SurveyResponse.objects.get(ticket=email_ticket)
    assert (response.comment, response.csat) == ("", 2)
    assert not Message.objects.filter(body__contains="1234567890").exists()
