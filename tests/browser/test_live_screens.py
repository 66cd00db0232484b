"""Live agent screens in Chromium, served by a real uvicorn (HTTP and WebSockets, the embedded mode's in-memory
channel layer): an agent has a WhatsApp ticket open when a signed WhatsApp webhook arrives, and the message
appears on the page without a reload; an agent of an outsourced team that does not cover the ticket's category,
with the queue open, receives nothing. Then the socket drops: the page says it is reconnecting, keeps up by
polling, and goes live again when the socket is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from awn.chat.tests.live import uvicorn_server
from awn.connectors.models import Inbox
from awn.connectors.services import inbox_save
from awn.realtime.tests.conftest import WA_APP_SECRET, WA_PHONE_ID, whatsapp_body, whatsapp_signature
from awn.tickets.enums import Category, Channel, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_update
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
FIRST = "السلام عليكم، ابني لم يظهر في قائمة المسجلين"
SECOND = "أرسلت لكم صورة الهوية، هل وصلت؟"
NOTE = "تحققت من الهوية، بانتظار المدرسة"


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


@pytest.fixture
def whatsapp(db: None) -> Inbox:
    return inbox_save(
        inbox=None,
        name="واتساب الدعم",
        kind="whatsapp",
        api_base_url="http://127.0.0.1:9/wa/v21.0",
        settings={"phone_number_id": WA_PHONE_ID},
        secrets={"access_token": "unused", "app_secret": WA_APP_SECRET, "verify_token": "v"},
    )


def _webhook(base: str, inbox: Inbox, text: str, wamid: str, **sender: str) -> float:
    """POST a signed WhatsApp webhook to the live server, as Meta would; returns when it was sent."""
    body = whatsapp_body(text, wamid, **sender)
    sent = time.monotonic()
    response = httpx.post(
        f"{base}/hooks/{inbox.uuid}/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": whatsapp_signature(body)},
    )
    assert response.status_code == 200, response.text
    return sent


def _live(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def _frames(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.awnLive.received")  # type: ignore[no-any-return]


def test_a_whatsapp_message_appears_on_the_open_ticket_and_never_on_an_uncovered_vendors_screen(
    chromium: Browser, asgi_server: str, world: Any, whatsapp: Inbox, screenshot_dir: Path
) -> None:
    base = asgi_server
    _webhook(base, whatsapp, FIRST, "wamid.live-1")
    ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    ticket = ticket_update(ticket=ticket, actor=world.admin, changes={"category": Category.REGISTRATION})

    agent = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(agent, base, "agent")
    agent.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    _live(agent)
    # The first message, and what the assistant did with it (it answers first on WhatsApp, then hands over).
    shown = Message.objects.filter(ticket=ticket).count()
    expect(agent.get_by_test_id("message")).to_have_count(shown)
    agent.evaluate("window.__sameDocument = true")  # gone if the page reloads

    vendor = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(vendor, base, "vendor")
    vendor.goto(f"{base}/workspace/?queue=all")
    _live(vendor)
    expect(vendor.locator(f'[data-ticket-id="{ticket.pk}"]')).to_have_count(0)

    sent = _webhook(base, whatsapp, SECOND, "wamid.live-2")
    second = agent.get_by_test_id("message").filter(has_text=SECOND)
    expect(second).to_be_visible(timeout=5000)
    expect(agent.get_by_test_id("message")).to_have_count(shown + 1)  # appended once
    shown_after = time.monotonic() - sent
    message = Message.objects.get(body=SECOND)
    assert second.get_attribute("id") == f"message-{message.pk}"
    assert agent.evaluate("window.__sameDocument") is True  # no reload
    assert (
        shown_after < 5
    )  # the page's own timeout bounds it; the push itself is measured in bench/agent_push.py
    pushed = [f for f in _frames(agent) if f["type"] == "message"]
    assert pushed == [{"type": "message", "ticket": ticket.pk, "message": message.pk}]  # ids, no content
    agent.screenshot(path=str(screenshot_dir / "live-ticket-whatsapp-ar.png"), full_page=True)

    # A colleague's internal note and status change show on the open page too (the header refreshed in place).
    supervisor = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(supervisor, base, "supervisor")
    supervisor.goto(f"{base}/workspace/?queue=all")
    _live(supervisor)
    ticket_add_message(ticket=ticket, body=NOTE, actor=world.supervisor, kind=MessageKind.NOTE)
    expect(agent.get_by_test_id("message").filter(has_text=NOTE)).to_have_attribute("data-kind", "note")
    ticket_update(ticket=ticket, actor=world.supervisor, changes={"status": Status.OPEN})
    expect(agent.get_by_test_id("ticket-status")).to_have_text("مفتوحة")
    assert agent.evaluate("window.__sameDocument") is True

    # A new sender: a new ticket, and the supervisor's queue shows its row without a reload.
    _webhook(base, whatsapp, "مرحبًا، سؤال جديد عن النقل", "wamid.live-3", sender="966500000777", name="منيرة")
    new_ticket = Ticket.objects.exclude(pk=ticket.pk).get(channel=Channel.WHATSAPP)
    expect(supervisor.locator(f'[data-ticket-id="{new_ticket.pk}"]')).to_have_count(1, timeout=5000)

    vendor.wait_for_timeout(1500)  # longer than any push takes to arrive
    assert [f["type"] for f in _frames(vendor)] == ["subscribed"]  # nothing about the uncovered tickets
    expect(vendor.locator(f'[data-ticket-id="{ticket.pk}"]')).to_have_count(0)
    assert SECOND not in vendor.content() and NOTE not in vendor.content()


def test_a_dropped_socket_shows_reconnecting_polls_then_goes_live_again(
    chromium: Browser, asgi_server: str, world: Any, whatsapp: Inbox
) -> None:
    base = asgi_server
    _webhook(base, whatsapp, FIRST, "wamid.drop-1")
    ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    blocked = {"on": False}
    routes: list[WebSocketRoute] = []

    def socket_route(ws: WebSocketRoute) -> None:
        """Between the page and the server: refused while `blocked` (a broker or proxy outage)."""
        if blocked["on"]:
            ws.close(code=1011, reason="down")
            return
        ws.connect_to_server()
        routes.append(ws)

    page = arabic_context(chromium, viewport=DESKTOP).new_page()
    page.route_web_socket("**/ws/agent/", socket_route)
    sign_in(page, base, "agent")
    page.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    _live(page)
    status = page.get_by_test_id("live-status")
    expect(status).to_be_hidden()

    blocked["on"] = True
    routes[-1].close(code=1011, reason="down")
    expect(status).to_be_visible()
    expect(status).to_contain_text("جارٍ إعادة الاتصال")
    # While the socket is down, the page keeps up by polling its fragments.
    _webhook(base, whatsapp, "رسالة أثناء الانقطاع", "wamid.drop-2")
    expect(page.get_by_test_id("message").filter(has_text="رسالة أثناء الانقطاع")).to_be_visible(
        timeout=10_000
    )

    blocked["on"] = False  # the next retry (backoff: at most 15 s) gets through
    _live_again = page.locator("html[data-live='on']")
    expect(_live_again).to_have_count(1, timeout=20_000)
    expect(status).to_be_hidden()
    _webhook(base, whatsapp, "رسالة بعد العودة", "wamid.drop-3")
    expect(page.get_by_test_id("message").filter(has_text="رسالة بعد العودة")).to_be_visible(timeout=5000)
