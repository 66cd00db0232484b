"""The composer in Chromium, on a WhatsApp ticket: «/» opens the canned responses, a pick inserts the text with its
placeholders filled; the preview shows what the customer will get on WhatsApp (plain text, markup as typed);
files are attached by pasting and by dropping them on the composer, and go out with the message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from awn.automation import macros
from awn.automation.enums import Scope
from awn.connectors.services import inbox_save
from awn.realtime.tests.conftest import WA_APP_SECRET, WA_PHONE_ID, post_whatsapp
from awn.tickets.enums import Channel, MessageKind
from awn.tickets.models import Message, Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CANNED = "مرحبًا {{customer.name}}، بخصوص التذكرة {{ticket.number}}:"


def _whatsapp_ticket() -> Ticket:
    inbox = inbox_save(
        inbox=None,
        name="واتساب الدعم",
        kind="whatsapp",
        api_base_url="http://127.0.0.1:9/wa/v21.0",
        settings={"phone_number_id": WA_PHONE_ID},
        secrets={"access_token": "unused", "app_secret": WA_APP_SECRET, "verify_token": "v"},
    )
    assert post_whatsapp(inbox, "السلام عليكم، لم تظهر نتيجة ابني", "wamid.composer-1") == 200
    return Ticket.objects.get(channel=Channel.WHATSAPP)


def _files(page: Page, *names: str) -> Any:
    """A DataTransfer holding files of these names, as a drag from the desktop or a clipboard would."""
    return page.evaluate_handle(
        """(names) => { const dt = new DataTransfer();
            names.forEach((n) => dt.items.add(new File(["%PDF-1.4 test"], n, { type: "application/pdf" })));
            return dt; }""",
        list(names),
    )


def test_slash_picks_a_canned_response_with_placeholders_previews_it_and_attaches_by_paste_and_drop(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    base = live_server.url
    ticket = _whatsapp_ticket()
    macros.canned_save(actor=world.agent, title="ترحيب بولي الأمر", body=CANNED, scope=Scope.PERSONAL)
    macros.canned_save(actor=world.agent, title="إغلاق التذكرة", body="شكرًا لك", scope=Scope.PERSONAL)
    # The reference values, read from the database rather than from the code that fills them.
    expected = f"مرحبًا {ticket.requester.name}، بخصوص التذكرة AWN-{ticket.pk:06d}:"

    page = arabic_context(chromium, viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, base, "agent")
    page.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    box = page.locator("#reply-body")
    box.click()
    box.press_sequentially("/ترحيب")  # normalized search: "ترحيب" finds «ترحيب بولي الأمر»
    picker = page.get_by_test_id("canned-picker")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("option")).to_have_count(1)
    expect(picker.get_by_role("option")).to_contain_text("ترحيب بولي الأمر")
    box.press("Enter")
    expect(picker).to_be_hidden()
    assert box.input_value() == expected
    box.press_sequentially(" <b>النتيجة</b> *غدًا*")

    preview = page.get_by_test_id("preview")
    preview.locator("summary").click()
    expect(preview.get_by_test_id("preview-channel")).to_contain_text("واتساب")
    expect(preview.get_by_test_id("preview-body")).to_have_text(expected + " <b>النتيجة</b> *غدًا*")
    assert preview.locator("b").count() == 0  # markup is shown as typed, never interpreted

    page.evaluate(
        """(dt) => document.getElementById("reply-body").dispatchEvent(
            new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }))""",
        _files(page, "شهادة.pdf"),
    )
    page.dispatch_event("#composer", "dragover", {"dataTransfer": _files(page, "هوية.pdf")})
    page.dispatch_event("#composer", "drop", {"dataTransfer": _files(page, "هوية.pdf")})
    expect(page.get_by_test_id("attachment-name")).to_contain_text(["شهادة.pdf", "هوية.pdf"])
    assert page.locator("#attachments").evaluate("(input) => input.files.length") == 2
    page.screenshot(path=str(screenshot_dir / "composer-preview-whatsapp-ar.png"), full_page=True)

    page.locator("#kind-note").check()  # a note: nothing leaves for WhatsApp in this test
    expect(preview.get_by_test_id("preview-text")).to_contain_text("لا تُرسل")
    page.get_by_test_id("send-reply").click()
    note = page.get_by_test_id("message").filter(has_text="النتيجة")
    expect(note).to_have_attribute("data-kind", "note")
    message = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE, body__contains="النتيجة")
    assert message.body == expected + " <b>النتيجة</b> *غدًا*"
    assert sorted(a.filename for a in message.attachments.all()) == ["شهادة.pdf", "هوية.pdf"]
    page.context.close()
