"""The main journey, in Arabic: a parent opens a ticket with an attachment, an agent answers and resolves it in
the workspace, the parent reads the answer and rates it. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from awn.portal.tests.files import png_bytes
from awn.tickets.enums import Category, Direction, Status
from awn.tickets.models import Attachment, Message, Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "لا تظهر نتيجة ابنتي سارة في النظام"
BODY = (
    "السلام عليكم،\nحاولت الاطلاع على نتيجة الفصل الدراسي الأول لابنتي ولا تظهر أي درجات. أرفقت صورة الشاشة."
)
REPLY = "وعليكم السلام، تم رفع الدرجات من المدرسة ويمكنكم الاطلاع على النتيجة الآن."
COMMENT = "شكرًا لكم على سرعة الاستجابة"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name), full_page=True)


def test_parent_opens_agent_resolves_parent_rates(
    chromium: Browser, live_server, world, screenshot_dir: Path
):
    base = live_server.url

    # 1. The parent signs in, lands on the portal and opens a ticket about their daughter, with a screenshot.
    parent = arabic_context(chromium, viewport=DESKTOP)
    page = parent.new_page()
    sign_in(page, base, "parent")
    expect(page).to_have_url(f"{base}/portal/")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_test_id("new-ticket").click()
    expect(page).to_have_url(f"{base}/portal/tickets/new/")
    page.fill('input[name="subject"]', SUBJECT)
    page.select_option('select[name="category"]', Category.RESULTS_CERTIFICATES.value)
    page.select_option('select[name="about"]', str(world.child.pk))
    page.fill('textarea[name="body"]', BODY)
    page.set_input_files(
        'input[name="attachments"]',
        files=[FilePayload(name="لقطة-الشاشة.png", mimeType="image/png", buffer=png_bytes(32, 16))],
    )
    _shoot(page, screenshot_dir, "portal-new-ticket-ar.png")
    page.get_by_test_id("submit-ticket").click()

    # 2. They land on the new ticket's page; it is stored as they wrote it.
    expect(page).to_have_url(re.compile(r"/portal/tickets/\d+/$"))
    expect(page.get_by_test_id("ticket-subject")).to_have_text(SUBJECT)
    ticket = Ticket.objects.get()
    assert (ticket.requester_id, ticket.about_contact_id, ticket.channel) == (
        world.parent.pk,
        world.child.pk,
        "portal",
    )
    assert Attachment.objects.get().content_type == "image/png"
    expect(page.get_by_test_id("attachment-link")).to_contain_text("لقطة-الشاشة.png")

    # 3. It is in their list.
    page.goto(f"{base}/portal/")
    row = page.get_by_test_id("ticket-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text(ticket.reference)
    _shoot(page, screenshot_dir, "portal-home-ar.png")

    # 4. An agent, in a second browser context, answers in the workspace and resolves the ticket.
    agent = arabic_context(chromium, viewport=DESKTOP)
    desk = agent.new_page()
    sign_in(desk, base, "agent")
    desk.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    expect(desk.get_by_text(SUBJECT).first).to_be_visible()
    desk.fill('textarea[name="body"]', REPLY)
    desk.select_option('select[name="status_after"]', Status.RESOLVED.value)
    with desk.expect_response(lambda r: r.request.method == "POST") as posted:
        desk.click('[data-testid="send-reply"]')
    assert posted.value.status < 400
    expect(desk.get_by_text(REPLY).first).to_be_visible()
    _shoot(desk, screenshot_dir, "workspace-ticket-ar.png")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND, body=REPLY).exists()

    # 5. The parent reloads, reads the answer and rates it 5 with a comment.
    page.goto(f"{base}/portal/tickets/{ticket.pk}/")
    expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status", "resolved")
    support = page.locator('[data-testid="message"][data-direction="outbound"]')
    expect(support).to_contain_text(REPLY)
    expect(support).to_contain_text(world.agent.first_name)
    form = page.get_by_test_id("csat-form")
    form.locator('input[name="score"][value="5"]').check()
    form.locator('textarea[name="comment"]').fill(COMMENT)
    form.get_by_test_id("send-rating").click()

    # 6. They see their rating; it is stored once.
    given = page.get_by_test_id("rating-given")
    expect(given).to_contain_text(COMMENT)
    expect(page.get_by_test_id("csat-form")).to_have_count(0)
    ticket.refresh_from_db()
    assert (ticket.csat_score, ticket.csat_comment) == (5, COMMENT)
    _shoot(page, screenshot_dir, "portal-ticket-ar.png")

    # 7. The same page on a phone: one column, nothing wider than the screen.
    phone = arabic_context(
        chromium,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        storage_state=parent.storage_state(),
    )
    mobile = phone.new_page()
    mobile.goto(f"{base}/portal/tickets/{ticket.pk}/")
    expect(mobile.get_by_test_id("rating-given")).to_be_visible()
    scroll_width = mobile.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"horizontal scroll on a phone: {scroll_width}px"
    _shoot(mobile, screenshot_dir, "portal-mobile-ar.png")

    for context in (parent, agent, phone):
        context.close()
