"""Surge mode's spike alerts in real time: when top problems' spike detection fires, the supervisors' open screens
get an alert with a one-click "declare an incident" link; the audience is computed on the server (an agent gets
nothing), each spike alerts once per category and hour, and a category an active incident covers is not alerted."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from awn.incidents import services as incidents
from awn.incidents.models import SpikeAlert
from awn.incidents.selectors import forget_active_incidents
from awn.tickets.enums import Category

from .conftest import agent_page

pytestmark = pytest.mark.django_db(transaction=True)

DECLARE_URL = "/workspace/incidents/?category=account_access"


@pytest.fixture(autouse=True)
def _no_cached_incidents() -> Any:
    forget_active_incidents()
    yield
    forget_active_incidents()


def spike(world: Any, count: int = 6, category: str = Category.ACCOUNT_ACCESS) -> None:
    """`count` new tickets in the last hour, none before: AWN_SPIKE_MIN_COUNT (5) and any ratio hold from 5."""
    for n in range(count):
        world.ticket(category=category, subject=f"لا أستطيع الدخول {n}")


def scan_and_listen(world: Any, *users: Any) -> list[list[dict[str, Any]]]:
    """Open a workspace page for each user, run the scan (its own committed transaction), and return the frames
    each page received."""

    async def scenario() -> list[list[dict[str, Any]]]:
        pages = [await sync_to_async(agent_page)(user) for user in users]
        for page in pages:
            await page.open("queue")
        await sync_to_async(incidents.spikes_alert)()
        seen = [await page.frames(timeout=0.4) for page in pages]
        for page in pages:
            await page.disconnect()
        return seen

    return async_to_sync(scenario)()


def spike_frames(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f.get("type") == "spike"]


def test_a_spike_reaches_supervisors_and_admins_but_no_agent(world: Any) -> None:
    spike(world)
    supervisor, admin, agent, vendor = scan_and_listen(
        world, world.supervisor, world.admin, world.agent, world.vendor_agent
    )
    [alert] = spike_frames(supervisor)
    assert alert["category"] == Category.ACCOUNT_ACCESS and alert["count"] == 6
    assert alert["url"] == DECLARE_URL
    assert "ارتفاع" in alert["text"] and "6" in alert["text"]  # Arabic by default
    assert alert["link_text"] == "إعلان حادثة"
    assert len(spike_frames(admin)) == 1
    assert spike_frames(agent) == [] and spike_frames(vendor) == []
    assert SpikeAlert.objects.get().last_hour == 6


def test_a_supervisor_who_reads_english_gets_it_in_english(world: Any) -> None:
    world.supervisor.preferred_language = "en"
    world.supervisor.save(update_fields=["preferred_language"])
    spike(world)
    [frames] = scan_and_listen(world, world.supervisor)
    [alert] = spike_frames(frames)
    assert alert["text"].startswith("Spike in ") and alert["link_text"] == "Declare an incident"


def test_a_spike_alerts_once_an_hour_however_often_the_scan_runs(world: Any) -> None:
    spike(world)
    [first] = scan_and_listen(world, world.supervisor)
    [second] = scan_and_listen(world, world.supervisor)
    assert len(spike_frames(first)) == 1 and spike_frames(second) == []
    assert SpikeAlert.objects.count() == 1


def test_below_the_threshold_or_already_declared_alerts_nobody(world: Any) -> None:
    spike(world, count=4)  # AWN_SPIKE_MIN_COUNT is 5
    [quiet] = scan_and_listen(world, world.supervisor)
    assert spike_frames(quiet) == [] and not SpikeAlert.objects.exists()
    incidents.incident_declare(
        actor=world.supervisor,
        title_ar="تعطل الدخول",
        message_ar="نعمل عليه",
        category=Category.ACCOUNT_ACCESS,
    )
    spike(world, count=3)
    [covered] = scan_and_listen(world, world.supervisor)
    assert spike_frames(covered) == [] and not SpikeAlert.objects.exists()


def test_the_alerts_link_opens_the_prefilled_form_for_supervisors_only(world: Any) -> None:
    page = world.client_for(world.supervisor).get(DECLARE_URL)
    assert page.status_code == 200
    assert '<option value="account_access" selected>' in page.content.decode()
    assert world.client_for(world.agent).get(DECLARE_URL).status_code == 404
