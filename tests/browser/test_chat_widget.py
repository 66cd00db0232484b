"""Live chat in Chromium: a parent on a phone opens the embedded widget, the assistant answers first, they ask
for a person, an agent accepts in the workspace's live chats panel and answers; both see it in real time.
Served by a real uvicorn (WebSockets), not the WSGI live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from awn.chat.tests.live import uvicorn_server
from awn.tickets.enums import Channel, Direction
from awn.tickets.models import Message, Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUESTION = "ابني لا يظهر في حسابي بعد التسجيل"
ANSWER = "تم ربط ابنك بحسابك، حدّث الصفحة من فضلك."


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


def test_widget_visitor_and_agent_chat_live(chromium: Browser, asgi_server: str, world, screenshot_dir: Path):
    base = asgi_server
    agent = arabic_context(chromium, viewport={"width": 1280, "height": 900}).new_page()
    sign_in(agent, base, "agent")
    agent.get_by_test_id("nav-live-chats").click()
    expect(agent.get_by_test_id("chat-connection")).to_have_text("متصل")

    visitor_context = arabic_context(
        chromium, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    visitor = visitor_context.new_page()
    visitor.goto(f"{base}/chat/demo/")
    visitor.get_by_test_id("chat-open").click()
    form = visitor.get_by_test_id("chat-form")
    form.locator('input[name="name"]').fill("منى")
    form.locator('input[name="phone"]').fill("0551234567")
    form.locator('textarea[name="question"]').fill(QUESTION)
    visitor.get_by_test_id("chat-start").click()

    # The assistant answers first; with no article it hands over, and the visitor waits in the queue.
    expect(visitor.get_by_test_id("chat-line-visitor").first).to_have_text(QUESTION)
    expect(visitor.get_by_test_id("chat-line-bot")).to_be_visible()
    expect(visitor.get_by_test_id("chat-status")).to_contain_text("ترتيبك 1 في قائمة الانتظار")
    panel = visitor.locator(".panel")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360  # fits a 360 px phone
    visitor.screenshot(path=str(screenshot_dir / "chat-widget-queue-ar.png"))

    # The agent gets the chat without reloading, accepts it and sees the conversation so far.
    ticket = Ticket.objects.get(channel=Channel.CHAT)
    conversation_id = ticket.channel_conversation.live_session.pk
    agent.get_by_test_id(f"chat-accept-{conversation_id}").click()
    expect(agent.get_by_test_id("chat-line-visitor").first).to_contain_text(QUESTION)
    expect(visitor.get_by_test_id("chat-status")).to_contain_text("تتحدث الآن مع هند")

    visitor.get_by_test_id("chat-input").fill("اسمه فهد")
    expect(agent.get_by_test_id("chat-typing")).to_have_text("الزائر يكتب…")
    visitor.get_by_test_id("chat-input").press("Enter")
    expect(agent.get_by_test_id("chat-line-visitor").last).to_contain_text("اسمه فهد")
    agent.get_by_test_id("chat-reply").press_sequentially("تم")
    expect(visitor.get_by_test_id("chat-typing")).to_have_text("يكتب…")
    agent.get_by_test_id("chat-reply").fill(ANSWER)
    agent.get_by_test_id("chat-send").click()
    expect(visitor.get_by_test_id("chat-line-agent")).to_contain_text(ANSWER)
    visitor.screenshot(path=str(screenshot_dir / "chat-widget-agent-reply-ar.png"))
    agent.screenshot(path=str(screenshot_dir / "chat-agent-panel-ar.png"))

    reply = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert (reply.body, reply.author_user_id) == (ANSWER, world.agent.pk)
