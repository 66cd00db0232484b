"""The queue's bulk bar in a real browser: its per-request fields (CSRF token, return address) sit outside the
cached part of the page and reach the form through the `form` attribute; a bulk action must still go through."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from awn.tickets.models import Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_assigns_selected_tickets_to_themselves(chromium: Browser, live_server, world):
    chosen, other = world.ticket(subject="لا أستطيع الدخول"), world.ticket(subject="نسيت كلمة المرور")
    context = arabic_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/workspace/?queue=unassigned&sort=oldest")
    expect(page.get_by_test_id("queue-row")).to_have_count(2)
    page.locator(f'input[name="ids"][value="{chosen.pk}"]').check()
    page.get_by_test_id("bulk-assign-me").click()

    expect(page).to_have_url(f"{live_server.url}/workspace/?queue=unassigned&sort=oldest")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_test_id("queue-row")).to_have_count(1)
    assert Ticket.objects.get(pk=chosen.pk).assignee_id == world.agent.pk
    assert Ticket.objects.get(pk=other.pk).assignee_id is None
    context.close()
