"""Top problems: topics named after the matching article, counts, trend, and a spike against the usual level."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from awn.assistant.answering import reset_index
from awn.assistant.topics import top_problems
from awn.knowledge.services import kb_import, parse_kb_lines
from awn.tickets.enums import Category
from awn.tickets.models import Ticket

FIXTURE = Path(__file__).parent / "fixtures" / "kb_small.jsonl"
PASSWORD_TITLE = "استعادة كلمة المرور المنسية"


@pytest.fixture
def kb(db: None) -> Iterator[None]:
    reset_index()
    cache.clear()
    kb_import(parse_kb_lines(FIXTURE.read_text(encoding="utf-8").splitlines()))
    yield
    reset_index()


def _ticket_at(world: Any, hours_ago: float, subject: str, category: str = Category.ACCOUNT_ACCESS) -> Ticket:
    ticket = world.ticket(subject=subject, body=subject, category=category)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    return ticket


def _surge(world: Any) -> None:
    for day in range(1, 8):  # the usual: one a day about passwords
        _ticket_at(world, 24 * day + 3, "نسيت كلمة المرور")
    for minutes in range(2, 50, 6):  # now: eight in the last hour
        _ticket_at(world, minutes / 60, "نسيت كلمة السر وما اقدر ادخل")
    for hours in (3, 5):
        _ticket_at(world, hours, "النتيجة لا تظهر ومكتوب محجوبة", Category.RESULTS_CERTIFICATES)
    _ticket_at(world, 2, "متى الاجازة الصيفية", Category.OTHER)


def test_a_surge_is_flagged_against_the_usual_level(kb: None, world: Any) -> None:
    _surge(world)
    topics = {t.label: t for t in top_problems()}
    password = topics[PASSWORD_TITLE]
    assert password.last_hour == 8 and password.last_day == 8
    assert password.usual_per_hour == pytest.approx(7 / 168)
    assert password.spike and password.ratio > 100
    assert sum(password.trend) == 8 and password.trend[-1] == 8
    results = topics["النتيجة لا تظهر أو الشهادة محجوبة"]
    assert results.last_day == 2 and not results.spike
    assert "أخرى" in topics or "Other" in topics  # no article: the ticket's category names the topic
    assert top_problems()[0].label == PASSWORD_TITLE  # spikes first


def test_supervisors_see_the_page_agents_do_not(kb: None, world: Any) -> None:
    _surge(world)
    url = reverse("workspace:top-problems")
    page = world.client_for(world.supervisor).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="spike"' in body and PASSWORD_TITLE in body
    assert world.client_for(world.agent).get(url).status_code == 404
    assert world.client_for(world.parent_user).get(url).status_code == 404
