"""The supervisors' page of survey answers: the summary figures worked out by hand, the filters, who may see it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from awn.surveys.models import SurveyResponse
from awn.surveys.selectors import nps_score, responses_for, summary
from awn.tickets.enums import Channel
from awn.tickets.services import ticket_update


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], None),
        ([10, 9, 8, 6, 0], 0.0),
        ([10, 10, 7], pytest.approx(200 / 3)),
        ([0, 6], -100.0),
        ([9], 100.0),
    ],
)
def test_nps_is_promoters_minus_detractors_in_percent(scores: list[int], expected: Any) -> None:
    assert nps_score(scores) == expected


def _answer(ticket: Any, csat: int, **kw: Any) -> SurveyResponse:
    return SurveyResponse.objects.create(
        ticket=ticket, channel=Channel.EMAIL, csat=csat, answered_at=timezone.now(), **kw
    )


@pytest.fixture
def answers(world: Any) -> list[SurveyResponse]:
    tickets = [world.ticket() for _ in range(4)]
    ticket_update(ticket=tickets[3], actor=world.supervisor, changes={"team_id": world.vendor.pk})
    return [
        _answer(tickets[0], 5, ces=7, nps=10, comment="شكرا", sentiment="positive", topic="other"),
        _answer(tickets[1], 4, ces=5, nps=9, sentiment="positive"),
        _answer(
            tickets[2],
            1,
            ces=2,
            nps=0,
            comment="تأخير",
            sentiment="negative",
            topic="waiting",
            follow_up=True,
        ),
        _answer(tickets[3], 2, comment="انتظرت طويلا", sentiment="negative", topic="waiting"),
    ]


@pytest.mark.django_db
def test_the_summary_by_hand(answers: list[SurveyResponse]) -> None:
    s = summary(responses_for(only_team_id=None))
    assert s.answers == 4 and s.csat_share == 0.5  # 5 and 4 of 5, 4, 1, 2
    assert s.ces_mean == pytest.approx((7 + 5 + 2) / 3)
    assert s.nps == pytest.approx(100 * (2 - 1) / 3) and s.nps_answers == 3  # 10, 9 promote; 0 detracts
    assert [(t, n, neg) for t, _label, n, neg in s.by_topic] == [("waiting", 2, 2), ("other", 1, 0)]
    low = summary(responses_for(only_team_id=None, low_only=True))
    assert (low.answers, low.csat_share) == (2, 0.0)


@pytest.mark.django_db
def test_the_page_for_supervisors_only_and_a_vendor_sees_its_team(
    world: Any, answers: list[SurveyResponse]
) -> None:
    assert world.client_for(world.agent).get("/workspace/surveys/").status_code == 404
    page = world.client_for(world.supervisor).get("/workspace/surveys/", {"topic": "waiting"})
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="answer-row"') == 2 and "تأخير" in html
    assert 'data-testid="sum-csat"><bdi dir="ltr">0.0%' in html
    world.supervisor.team = world.vendor
    world.supervisor.save()
    vendor_view = world.client_for(world.supervisor).get("/workspace/surveys/").content.decode()
    assert vendor_view.count('data-testid="answer-row"') == 1 and "انتظرت طويلا" in vendor_view
    assert 'data-testid="restricted-note"' in vendor_view


@pytest.mark.django_db
def test_no_answers_is_an_empty_state(world: Any) -> None:
    html = world.client_for(world.supervisor).get("/workspace/surveys/?sentiment=bogus").content.decode()
    assert 'data-testid="empty-state"' in html


@pytest.mark.django_db
def test_a_supervisor_switches_nps_on_and_the_next_survey_asks_it(world: Any) -> None:
    from awn.accounts.models import AdminAuditEntry
    from awn.surveys.services import active_survey

    client = world.client_for(world.supervisor)
    assert world.client_for(world.agent).get("/workspace/surveys/settings/").status_code == 404
    bad = client.post(
        "/workspace/surveys/settings/", {"ask_ces": "on", "expiry_days": "0", "reminder_after_hours": "48"}
    )
    assert bad.status_code == 400 and 'data-field="expiry_days"' in bad.content.decode()
    saved = client.post(
        "/workspace/surveys/settings/",
        {"ask_ces": "on", "ask_nps": "on", "expiry_days": "7", "reminder_after_hours": "24"},
    )
    assert saved.status_code == 302
    survey = active_survey()
    assert (survey.ask_ces, survey.ask_nps, survey.expiry_days, survey.reminder_after_hours) == (
        True,
        True,
        7,
        24,
    )
    entry = AdminAuditEntry.objects.get(action="settings_changed")
    assert entry.details["survey"]["ask_nps"] == [False, True] and entry.actor == world.supervisor
    # The next survey asks it, and takes the answer.
    from django.test import Client

    from awn.surveys.services import survey_invite, survey_link
    from awn.tickets.enums import Status

    ticket = world.ticket(channel=Channel.EMAIL)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    invitation = survey_invite(ticket.pk)
    assert invitation is not None and (invitation.expires_at - invitation.sent_at).days == 7
    path = survey_link(invitation).split("8000", 1)[1]
    assert 'name="nps"' in Client().get(path).content.decode()
    Client().post(path, {"csat": "4", "ces": "5", "nps": "9"})
    assert SurveyResponse.objects.get(ticket=ticket).nps == 9
