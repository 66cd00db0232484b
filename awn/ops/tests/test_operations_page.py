"""The operations page: supervisors and admins only, Arabic and right-to-left, the same figures as /metrics."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awn.tickets.models import Ticket


def test_who_may_see_it(world: Any) -> None:
    response = Client().get("/workspace/ops/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    for user in (world.agent, world.vendor_agent, world.parent_user, world.teacher_user):
        assert world.client_for(user).get("/workspace/ops/").status_code == 404, user.username
    for user in (world.supervisor, world.admin):
        assert world.client_for(user).get("/workspace/ops/").status_code == 200, user.username


def test_the_page_in_arabic_shows_checks_waiting_work_and_backups(
    world: Any, settings: Any, tmp_path: Path
) -> None:
    settings.AWN_BACKUP_DIR = str(tmp_path)
    old = world.ticket(channel="whatsapp")
    world.ticket(channel="whatsapp")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=65))
    (tmp_path / "awn-20261207T100000000Z.awnbak").write_bytes(b"x" * 2048)

    response = world.client_for(world.supervisor).get("/workspace/ops/")
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "العمليات" in html  # the title
    assert "قاعدة البيانات" in html
    assert 'data-testid="overall-status"' in html and "جاهز" in html
    assert 'data-testid="check-database"' in html
    rows = [r for r in html.split('data-testid="waiting-row"')[1:] if "واتساب" in r.split("</tr>")[0]]
    (row,) = rows
    row = row.split("</tr>")[0]
    assert '<bdi dir="ltr">2</bdi>' in row
    assert '<bdi dir="ltr">1:05:' in row
    assert "awn-20261207T100000000Z.awnbak" in html
    assert 'data-testid="nav-operations"' in html


def test_no_backup_is_said_plainly(world: Any, settings: Any, tmp_path: Path) -> None:
    settings.AWN_BACKUP_DIR = str(tmp_path / "none")
    html = world.client_for(world.admin).get("/workspace/ops/").content.decode()
    assert 'data-testid="no-backups"' in html


def test_a_failing_dependency_shows_on_the_page(world: Any, settings: Any) -> None:
    settings.AWN_BROKER_URL = "redis://127.0.0.1:1/0"
    html = world.client_for(world.admin).get("/workspace/ops/").content.decode()
    assert "يعمل بقصور" in html  # degraded: the broker is not critical by default (RELIABILITY R4)
    settings.AWN_READY_CRITICAL = ("database", "cache", "broker", "disk")
    html = world.client_for(world.admin).get("/workspace/ops/").content.decode()
    assert "غير جاهز" in html
    broker = html.split('data-testid="check-broker"')[1].split("</tr>")[0]
    assert "text-bg-danger" in broker


def test_queries_do_not_grow_with_the_data(world: Any) -> None:
    client = world.client_for(world.admin)
    client.get("/workspace/ops/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/workspace/ops/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(10):
        world.ticket(channel="email")
    assert count() == few
    assert few <= 20
