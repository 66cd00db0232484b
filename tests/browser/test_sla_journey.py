"""The SLA journey in Chromium (issue 16, Proof), served by a real uvicorn (HTTP and the agents' WebSockets): a
supervisor creates a policy in the Arabic workspace with a three-minute first-reply target in calendar time, a
ticket arrives, the agent sees its due badge in the queue and on the ticket page and sees it count down, the
target passes, the breach scan runs as the scheduler would (config/schedule.py names awn.sla.tasks.scan), and the
supervisor's open page is told at once: the notifications badge and a toast, without a reload.

Time: the form counts targets in hours to two decimals, so its shortest target is one minute, and the badges show
whole minutes; a real-time countdown and breach would take minutes. The test moves the SLA module's clock instead
(`awn.sla.clocks.current_time`, the seam the SLA tests use; uvicorn runs in this process, so the pages read the
same clock): the ticket, its clocks and their due times are real, only "now" jumps forward by 60 s, then past the
due time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from awn.chat.tests.live import uvicorn_server
from awn.realtime.models import AgentNotification, NotificationKind
from awn.sla import clocks, tasks
from awn.sla.models import SlaClock, SlaPolicy
from awn.tickets.enums import Priority
from awn.tickets.services import ticket_create
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
POLICY = "ردّ أول خلال ثلاث دقائق"
TARGET_HOURS = "0.05"  # three minutes
TARGET = timedelta(minutes=3)
SUBJECT = "لم تظهر نتيجة ابنتي في نظام نور"


class MovableClock:
    """The SLA module's "now": the real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return timezone.now() + self.offset


@pytest.fixture
def sla_now(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    clock = MovableClock()
    monkeypatch.setattr(clocks, "current_time", clock)
    return clock


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


def _live(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-live", "on")


def _minutes(text: str) -> int:
    """The whole minutes a due badge reads («يستحق خلال 2 د»)."""
    found = re.fullmatch(r"يستحق خلال (\d+) د", text.strip())
    assert found, f"not a due-in badge: {text!r}"
    return int(found.group(1))


def test_a_policy_made_in_the_workspace_counts_down_on_the_agents_screens_and_its_breach_reaches_the_supervisor_live(
    chromium: Browser, asgi_server: str, world: Any, sla_now: MovableClock, screenshot_dir: Path
) -> None:
    base = asgi_server

    # The supervisor writes the policy: no condition (every ticket), normal priority, first reply in 0.05 h,
    # counted in calendar hours.
    supervisor = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(supervisor, base, "supervisor")
    supervisor.goto(f"{base}/workspace/sla/new/")
    form = supervisor.get_by_test_id("policy-form")
    form.locator('input[name="name"]').fill(POLICY)
    form.locator('input[name="position"]').fill("1")
    form.locator('input[name="target_normal_first_reply"]').fill(TARGET_HOURS)
    form.locator('input[name="business_normal_first_reply"]').uncheck()
    supervisor.screenshot(path=str(screenshot_dir / "sla-journey-policy-form-ar.png"), full_page=True)
    form.get_by_test_id("save-policy").click()
    expect(supervisor).to_have_url(f"{base}/workspace/sla/")
    expect(supervisor.get_by_text(POLICY)).to_be_visible()
    policy = SlaPolicy.objects.get(name=POLICY)
    assert policy.targets == {"normal": {"first_reply": {"minutes": 3, "business": False}}}

    # The supervisor keeps the queue open (live) while the rest happens elsewhere.
    supervisor.goto(f"{base}/workspace/?queue=all")
    _live(supervisor)
    supervisor.evaluate("window.__sameDocument = true")  # gone if the page reloads
    expect(supervisor.get_by_test_id("notifications-badge")).to_be_hidden()

    ticket = ticket_create(
        requester=world.parent,
        subject=SUBJECT,
        body="أرجو المساعدة، النتيجة لا تظهر",
        priority=Priority.NORMAL,
    )
    ticket.refresh_from_db()
    clock = SlaClock.objects.get(ticket=ticket, metric="first_reply")
    assert (ticket.sla_snapshot or {}).get("policy_id") == policy.pk
    assert clock.business is False
    assert clock.due_at is not None
    assert abs(clock.due_at - (ticket.created_at + TARGET)) < timedelta(seconds=1)

    # The agent sees the badge in the queue and on the ticket: under three minutes, two whole minutes left.
    agent = arabic_context(chromium, viewport=DESKTOP).new_page()
    sign_in(agent, base, "agent")
    agent.goto(f"{base}/workspace/?queue=all")
    row_badge = agent.locator(f'[data-ticket-id="{ticket.pk}"]').get_by_test_id("due-badge")
    expect(row_badge).to_have_attribute("data-state", "ok")
    assert _minutes(row_badge.inner_text()) == 2
    agent.screenshot(path=str(screenshot_dir / "sla-journey-queue-due-ar.png"), full_page=True)

    agent.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    ticket_badge = agent.locator('[data-testid="sla-clocks"] [data-metric="first_reply"]').get_by_test_id(
        "due-badge"
    )
    first = _minutes(ticket_badge.inner_text())
    assert first == 2

    # A minute later (the SLA clock moves, the page is loaded again): one minute left, still green.
    sla_now.offset = timedelta(seconds=60)
    agent.reload()
    expect(ticket_badge).to_have_attribute("data-state", "ok")
    second = _minutes(ticket_badge.inner_text())
    assert second == 1 < first
    agent.screenshot(path=str(screenshot_dir / "sla-journey-ticket-due-ar.png"), full_page=True)

    # Past the due time the scheduler's scan reports the breach; the supervisor's open page hears of it.
    sla_now.offset = TARGET + timedelta(seconds=1)
    tasks.scan()
    badge = supervisor.get_by_test_id("notifications-badge")
    expect(badge).to_be_visible(timeout=5000)
    expect(badge).to_have_text("1")
    toast = supervisor.get_by_test_id("toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("تم تجاوز مستوى الخدمة")
    assert supervisor.evaluate("window.__sameDocument") is True  # no reload
    assert (
        AgentNotification.objects.filter(
            user=world.supervisor, ticket=ticket, kind=NotificationKind.SLA_BREACHED
        ).count()
        == 1
    )
    supervisor.screenshot(path=str(screenshot_dir / "sla-journey-breach-notification-ar.png"), full_page=True)

    # The agent's ticket page, loaded again, shows the clock as breached, never a negative time.
    agent.reload()
    clocks_line = agent.locator('[data-testid="sla-clocks"] [data-metric="first_reply"]')
    expect(clocks_line).to_have_attribute("data-clock-state", "breached")
    assert "-" not in clocks_line.inner_text()
