"""A parent opens the survey link from their email in Chromium, in Arabic: right to left, answers 5 with a
comment, is thanked; the same link opened again is refused politely in Arabic and English. Screenshots:
artifacts/screenshots/survey-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.sla.services import default_calendar_ensure
from awn.surveys.models import SurveyResponse
from awn.surveys.services import survey_invite, survey_link
from awn.tickets.enums import Channel, Status
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_update
from tests.browser.pages import arabic_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COMMENT = "شكرًا، حُلّت المشكلة بسرعة"


def test_a_parent_answers_the_survey_once(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path, settings: Any
) -> None:
    default_calendar_ensure()
    settings.AWN_PUBLIC_URL = live_server.url
    ticket = world.ticket(channel=Channel.EMAIL, subject="تعذر الدخول إلى نور")
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    invitation = survey_invite(ticket.pk)
    assert invitation is not None
    link = survey_link(invitation)

    context = arabic_context(chromium, viewport={"width": 412, "height": 915})  # a phone, where mail is read
    page = context.new_page()
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("survey-form")).to_contain_text("ما مدى رضاك")
    page.locator('input[name="csat"][value="5"]').check()
    page.locator('input[name="ces"][value="6"]').check()
    page.fill('textarea[name="comment"]', COMMENT)
    page.screenshot(path=str(screenshot_dir / "survey-form-ar.png"), full_page=True)
    page.get_by_test_id("send-survey").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    answer = SurveyResponse.objects.get(ticket=ticket)
    assert (answer.csat, answer.ces, answer.comment) == (5, 6, COMMENT)
    assert Ticket.objects.get(pk=ticket.pk).csat_score == 5

    page.goto(link)
    refused = page.get_by_test_id("survey-refused")
    expect(refused).to_have_attribute("data-reason", "answered")
    expect(refused.locator('[lang="ar"]')).to_have_text("سبقت الإجابة عن هذا الاستبيان. شكرًا لك!")
    expect(refused.locator('[lang="en"]')).to_have_text("This survey was already answered. Thank you!")
    page.screenshot(path=str(screenshot_dir / "survey-refused-ar.png"), full_page=True)
    context.close()
