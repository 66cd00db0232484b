"""Collision detection in Chromium, two agents' browsers on one ticket through a real uvicorn (HTTP and the agent
socket): each sees the other viewing, the agent sees the supervisor typing a reply and then stop, and the chip goes
when the supervisor's tab closes. An outsourced agent whose contract does not cover the ticket cannot open it and
is never shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from awn.chat.tests.live import uvicorn_server
from awn.tickets.enums import Category
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


def _open_ticket(chromium: Browser, base: str, username: str, ticket_id: int) -> Page:
    page = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(page, base, username)
    page.goto(f"{base}/workspace/tickets/{ticket_id}/")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    return page


def test_two_agents_on_one_ticket_see_each_other_viewing_and_typing(
    chromium: Browser, asgi_server: str, world: Any, screenshot_dir: Path
) -> None:
    base = asgi_server
    ticket = world.ticket(category=Category.REGISTRATION)  # outside the vendor's contract

    agent = _open_ticket(chromium, base, "agent", ticket.pk)
    vendor = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(vendor, base, "vendor")
    assert vendor.goto(f"{base}/workspace/tickets/{ticket.pk}/").status == 404  # type: ignore[union-attr]
    expect(agent.get_by_test_id("presence")).to_be_hidden()

    supervisor = _open_ticket(chromium, base, "supervisor", ticket.pk)
    viewing = agent.get_by_test_id("presence-viewing")
    expect(viewing).to_have_count(1)
    expect(viewing).to_contain_text("supervisor")
    expect(viewing).to_contain_text("يشاهد هذه التذكرة")
    # The supervisor learns of the agent already there (their page answered the newcomer).
    expect(supervisor.get_by_test_id("presence-viewing")).to_contain_text("هند")

    supervisor.get_by_test_id("composer").locator("textarea").press_sequentially("سأرد على ولي الأمر")
    typing = agent.get_by_test_id("presence-typing")
    expect(typing).to_contain_text("supervisor")
    expect(typing).to_contain_text("يكتب ردًا")
    agent.screenshot(path=str(screenshot_dir / "collision-typing-ar.png"))
    # Five seconds without a key: back to viewing (the page says so; the typing state also expires by itself).
    expect(agent.get_by_test_id("presence-viewing")).to_contain_text("supervisor", timeout=10_000)

    supervisor.context.close()  # the tab closes: the socket says "left"
    expect(agent.get_by_test_id("presence")).to_be_hidden(timeout=5_000)
    assert "vendor" not in agent.get_by_test_id("presence").inner_text()
    agent.context.close()
    vendor.context.close()
