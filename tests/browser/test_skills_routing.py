"""Skills routing and hybrid overflow in Chromium (issue 18, proof): two in-house agents with different skills get
the right chats on their live chats panel and accept them there; once the first is full and the in-house line of
their category exceeds its threshold, the next chat overflows to the vendor's agent, and nobody ever sees a chat
routed to someone else. Served by a real uvicorn (WebSockets); visitors open chats through the services the widget
calls, and routing decides as its job does when a contact arrives."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError
from playwright.sync_api import Browser, Page, expect

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.chat import services as chat
from awn.chat.enums import ChatStatus
from awn.chat.models import LiveSession
from awn.chat.tests.live import uvicorn_server
from awn.routing.models import OfferState, RoutingDecision, RoutingOffer
from awn.routing.services import activity_seen, capacity_set, overflow_rule_set, route_ticket, skills_set
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_update
from conftest import PASSWORD
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
X = Category.ACCOUNT_ACCESS  # the vendor covers it
Y = Category.TRANSFER


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


def panel(browser: Browser, base: str, username: str) -> Page:
    page = arabic_context(browser, timeout_ms=20_000, viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, username)
    page.get_by_test_id("nav-live-chats").click()
    expect(page.get_by_test_id("chat-connection")).to_have_text("متصل")
    return page


def retried(step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One service call (one transaction) from the test's thread, again if the test's shared-cache SQLite
    database refused it while the server's threads held a table ("database table is locked")."""
    for _attempt in range(50):
        try:
            return step(*args, **kwargs)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.1)
    return step(*args, **kwargs)


def open_chat(name: str, question: str, category: str) -> LiveSession:
    """A visitor starts a chat (held from routing while the assistant talks), its category becomes known, and it
    asks for a person: routing decides then (the job the handoff enqueues; run again here, it is idempotent)."""
    conversation = retried(chat.chat_start, name=name, phone="0551234567", question=question)
    retried(ticket_update, ticket=conversation.ticket, actor=None, changes={"category": category})
    retried(chat.chat_request_human, conversation.pk)
    retried(route_ticket, conversation.ticket.pk)
    return conversation


def assignee(conversation: LiveSession) -> int | None:
    return Ticket.objects.values_list("assignee_id", flat=True).get(pk=conversation.ticket.pk)


def test_skills_route_chats_and_the_vendor_takes_the_overflow(
    chromium: Browser, asgi_server: str, world: Any, settings: Any, screenshot_dir: Path
) -> None:
    settings.AWN_ROUTING_AUTO_ASSIGN = True
    settings.AWN_ROUTING_OFFER_SECONDS = 300  # offers stay while the browsers click
    base = asgi_server
    agent_a, vendor = world.agent, world.vendor_agent
    agent_b = user_create(
        username="agent_b", password=PASSWORD, role=Role.AGENT, team=world.in_house, first_name="سلمى"
    )
    boss = world.supervisor
    skills_set(actor=boss, user_id=agent_a.pk, text="category:account_access, language:ar")
    skills_set(actor=boss, user_id=agent_b.pk, text="category:transfer, language:ar")
    for user in (agent_a, agent_b):
        capacity_set(actor=boss, user_id=user.pk, chats=1, calls=1, tickets=20)
    capacity_set(actor=boss, user_id=vendor.pk, chats=3, calls=1, tickets=20)
    overflow_rule_set(actor=boss, category=X, queue_length=1)  # more than 1 waiting: to the vendor

    page_a, page_b, page_v = (panel(chromium, base, u) for u in ("agent", "agent_b", "vendor"))
    cache.clear()
    for user in (agent_a, agent_b, vendor):
        retried(activity_seen, user.pk)

    # B's skill is transfers, A's is account access: each gets their own, on their panel, and accepts it there.
    y1 = open_chat("ريم", "أريد نقل ابني إلى مدرسة أخرى", Y)
    x1 = open_chat("منى", "لا أستطيع الدخول إلى حسابي", X)
    assert (assignee(y1), assignee(x1)) == (agent_b.pk, agent_a.pk)
    page_b.get_by_test_id(f"chat-accept-{y1.pk}").click()
    page_a.get_by_test_id(f"chat-accept-{x1.pk}").click()
    expect(page_a.get_by_test_id("chat-line-visitor").first).to_contain_text("لا أستطيع الدخول")
    expect(page_b.get_by_test_id("chat-line-visitor").first).to_contain_text("نقل ابني")
    page_a.get_by_test_id("chat-reply").fill("أهلًا منى، سأساعدك الآن.")
    page_a.get_by_test_id("chat-send").click()
    expect(page_a.get_by_test_id("chat-line-agent")).to_contain_text("سأساعدك")
    page_a.screenshot(path=str(screenshot_dir / "routing-skills-agent-a-ar.png"))
    page_b.screenshot(path=str(screenshot_dir / "routing-skills-agent-b-ar.png"))
    accepted = dict(RoutingOffer.objects.values_list("ticket_id", "state"))
    assert accepted == {y1.ticket.pk: OfferState.ACCEPTED, x1.ticket.pk: OfferState.ACCEPTED}

    # A is full (1 chat) and B too: the next account-access chat waits in the in-house line (at the threshold),
    # the one after exceeds it and overflows to the vendor's agent.
    x2 = open_chat("هيفاء", "نسيت كلمة المرور", X)
    x3 = open_chat("نورة", "حسابي مقفل", X)
    assert (assignee(x2), assignee(x3)) == (None, vendor.pk)
    overflow = RoutingDecision.objects.get(ticket=x3.ticket, agent=vendor).reason
    assert overflow["code"] == "overflow" and overflow["overflow"]["exceeded"] == "queue"
    page_v.get_by_test_id(f"chat-accept-{x3.pk}").click()
    expect(page_v.get_by_test_id("chat-line-visitor").first).to_contain_text("حسابي مقفل")
    page_v.screenshot(path=str(screenshot_dir / "routing-overflow-vendor-ar.png"))
    assert LiveSession.objects.get(pk=x3.pk).status == ChatStatus.ASSIGNED

    # Nobody sees a chat routed to someone else: B never an account-access one, the vendor never a transfer.
    expect(page_b.locator('[data-testid^="chat-item-"]')).to_have_count(1)
    expect(page_b.get_by_test_id(f"chat-item-{y1.pk}")).to_be_visible()
    expect(page_a.locator('[data-testid^="chat-item-"]')).to_have_count(1)
    expect(page_v.locator('[data-testid^="chat-item-"]')).to_have_count(1)
    for page in (page_a, page_b, page_v):
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page_b.reload()
    expect(page_b.get_by_test_id("chat-connection")).to_have_text("متصل")
    expect(page_b.locator('[data-testid^="chat-item-"]')).to_have_count(1)

    # The supervisor sees the whole line, the waiting chat included.
    page_s = panel(chromium, base, "supervisor")
    for conversation in (y1, x1, x2, x3):
        expect(page_s.get_by_test_id(f"chat-item-{conversation.pk}")).to_be_visible()
    page_s.screenshot(path=str(screenshot_dir / "routing-overflow-supervisor-ar.png"))
    for page in (page_a, page_b, page_v, page_s):
        page.context.close()
