"""The assistant in the browser: a parent on a phone is answered before the ticket is sent, says it did not solve
it, and the ticket goes out with the assistant's attempt; the agent then drafts the reply from the suggested
article with one click. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from awn.assistant.answering import reset_index
from awn.knowledge.services import kb_import, parse_kb_lines
from awn.tickets.enums import Category, MessageKind
from awn.tickets.models import Message, Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KB = Path(__file__).resolve().parents[2] / "awn" / "demo" / "fixtures" / "demo_kb.jsonl"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def knowledge_base(transactional_db: None) -> Iterator[None]:
    reset_index()
    kb_import(parse_kb_lines(KB.read_text(encoding="utf-8").splitlines()))
    yield
    reset_index()


def test_answered_first_then_sent_then_drafted(
    chromium: Browser, live_server, world, knowledge_base: None, screenshot_dir: Path
):
    base = live_server.url
    phone = arabic_context(chromium, timeout_ms=15_000, viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, base, "parent")
    page.goto(f"{base}/portal/tickets/new/")
    page.fill('input[name="subject"]', "نسيت كلمة المرور")
    page.select_option('select[name="category"]', Category.ACCOUNT_ACCESS.value)
    page.fill('textarea[name="body"]', "نسيت كلمة السر ومو قادر ادخل على حسابي")
    page.get_by_test_id("submit-ticket").click()

    answer = page.get_by_test_id("assistant-answer")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("استعادة كلمة المرور")
    expect(answer).to_contain_text("نسيت كلمة المرور")  # the article's own steps
    assert Ticket.objects.count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the answer overflows the phone screen ({width}px)"
    page.screenshot(path=str(screenshot_dir / "portal-assistant-answer-ar.png"), full_page=True)

    page.get_by_test_id("assistant-declined").click()
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert "demo-001" in note.body
    assert (
        note.author_contact_id is None and note.author_user_id is None
    )  # the system wrote it, not the parent
    expect(page.locator("body")).not_to_contain_text("demo-001")  # internal to agents

    desk_context = arabic_context(chromium, timeout_ms=15_000, viewport=DESKTOP)
    desk = desk_context.new_page()
    sign_in(desk, base, "agent")
    desk.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    card = desk.get_by_test_id("assist-card")
    expect(card).to_be_visible()  # loaded by htmx after the page
    expect(card.get_by_test_id("assist-articles")).to_contain_text("استعادة كلمة المرور")
    card.get_by_test_id("assist-use-draft").click()
    composer = desk.locator('textarea[name="body"]')
    expect(composer).to_have_value(re.compile(r"اضغط «نسيت كلمة المرور»"))
    desk.screenshot(path=str(screenshot_dir / "workspace-assist-ar.png"), full_page=True)
    with desk.expect_navigation():
        desk.click('[data-testid="send-reply"]')
    for context in (phone, desk_context):
        context.close()
    reply = Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY, author_user=world.agent).first()
    assert reply is not None and "نسيت كلمة المرور" in reply.body
