"""A spike reaches a supervisor's open workspace in Chromium (issue 18, surge mode): the periodic scan finds a
category whose last hour holds many times its usual volume, and the supervisor's page, open and live, shows a toast
with the alert and the "declare an incident" link prefilled with the category; following it opens the declaration
form. An agent's open page receives nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from awn.chat.tests.live import uvicorn_server
from awn.incidents.services import spikes_alert
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


def _open_live(browser: Browser, base: str, username: str) -> Page:
    page = arabic_context(browser, viewport=DESKTOP).new_page()
    sign_in(page, base, username)
    page.goto(f"{base}/workspace/?queue=all")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    return page


def _frames(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.awnLive.received")  # type: ignore[no-any-return]


def test_a_spike_appears_as_a_toast_on_a_supervisors_page_and_never_on_an_agents(
    chromium: Browser, asgi_server: str, world: Any, screenshot_dir: Path
) -> None:
    base = asgi_server
    supervisor = _open_live(chromium, base, "supervisor")
    agent = _open_live(chromium, base, "agent")

    # Twelve results-and-certificates tickets in the last ten minutes, none the week before: a spike.
    rows = Ticket.objects.bulk_create(
        [
            Ticket(subject="لم تظهر النتيجة", requester=world.parent, category=Category.RESULTS_CERTIFICATES)
            for _ in range(12)
        ]
    )
    Ticket.objects.filter(pk__in=[t.pk for t in rows]).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    alerts = spikes_alert()
    assert [a.category for a in alerts] == [Category.RESULTS_CERTIFICATES]

    toast = supervisor.locator('[data-testid="toast"][data-kind="spike"]')
    expect(toast).to_have_count(1, timeout=5000)
    expect(toast).to_contain_text("النتائج والشهادات")
    declare = toast.get_by_test_id("spike-declare")
    expect(declare).to_have_text("إعلان حادثة")
    assert declare.get_attribute("href") == "/workspace/incidents/?category=results_certificates"
    supervisor.screenshot(path=str(screenshot_dir / "spike-toast-supervisor-ar.png"))
    spikes = [f for f in _frames(supervisor) if f["type"] == "spike"]
    assert [(f["category"], f["count"]) for f in spikes] == [(Category.RESULTS_CERTIFICATES, 12)]

    # The agent's page, open and live the whole time, received nothing about it.
    agent.wait_for_timeout(1500)  # longer than any push takes to arrive
    assert [f for f in _frames(agent) if f["type"] == "spike"] == []
    expect(agent.locator('[data-testid="toast"][data-kind="spike"]')).to_have_count(0)

    # One click: the declaration form, the category chosen.
    declare.click()
    expect(supervisor).to_have_url(f"{base}/workspace/incidents/?category=results_certificates")
    expect(supervisor.locator('select[name="category"]')).to_have_value(Category.RESULTS_CERTIFICATES)
