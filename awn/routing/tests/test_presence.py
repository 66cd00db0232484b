"""Presence and capacity: sign-in/out, an agent's own state, the automatic rules, supervisors' board and changes,
and chat counting only available agents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awn.chat.models import AgentPresence
from awn.chat.services import agents_online
from awn.core.events import capture_events
from awn.routing.enums import AgentState
from awn.routing.events import AgentStatusChanged
from awn.routing.models import AgentStatus
from awn.routing.services import activity_seen, capacity_set, presence_sweep, status_for, status_set
from awn.tickets.enums import Channel, Status
from awn.tickets.models import Ticket

pytestmark = pytest.mark.django_db
ME = "/workspace/routing/me/"
BOARD = "/workspace/routing/agents/"


def state(user: Any) -> str:
    return AgentStatus.objects.get(user=user).state


def test_sign_in_sets_online_and_sign_out_offline(world: Any) -> None:
    from conftest import PASSWORD

    client = Client()
    response = client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert state(world.agent) == AgentState.ONLINE and AgentStatus.objects.get(user=world.agent).automatic
    client.post("/accounts/logout/")
    assert state(world.agent) == AgentState.OFFLINE
    # A customer signing in gets no presence.
    Client().post("/accounts/login/", {"username": "parent", "password": PASSWORD})
    assert not AgentStatus.objects.filter(user=world.parent_user).exists()


def test_an_agent_sets_their_own_state(world: Any) -> None:
    client = world.client_for(world.agent)
    page = client.get(ME).content.decode()
    assert 'dir="rtl"' in page and "حالتي" in page
    with capture_events() as events:
        assert client.post(ME, {"state": "away"}).status_code == 302
    assert state(world.agent) == AgentState.AWAY
    changed = [e for e in events if isinstance(e, AgentStatusChanged)]
    assert changed and changed[0].previous == "online" and changed[0].state == "away"
    assert client.post(ME, {"state": "sleeping"}).status_code == 400
    assert state(world.agent) == AgentState.AWAY
    assert Client().get(ME).status_code == 302
    assert world.client_for(world.parent_user).get(ME).status_code == 404


def test_only_supervisors_see_and_change_everyone(world: Any) -> None:
    url = f"{BOARD}{world.agent.pk}/"
    for user in (world.agent, world.vendor_agent, world.parent_user):
        client = world.client_for(user)
        assert client.get(BOARD).status_code == 404
        assert client.post(url, {"state": "offline"}).status_code == 404
    assert not AgentStatus.objects.filter(user=world.agent, state="offline").exists()
    supervisor = world.client_for(world.supervisor)
    assert supervisor.post(url, {"state": "offline"}).status_code == 302
    assert state(world.agent) == AgentState.OFFLINE
    assert AgentStatus.objects.get(user=world.agent).changed_by == world.supervisor
    assert supervisor.post(url, {"chats": "5", "calls": "0", "tickets": "40"}).status_code == 302
    row = AgentStatus.objects.get(user=world.agent)
    assert (row.chat_capacity, row.call_capacity, row.ticket_capacity) == (5, 0, 40)
    # Out of range: explained in Arabic, nothing saved.
    response = supervisor.post(url, {"chats": "99", "calls": "1", "tickets": "40"}, follow=True)
    shown = response.content.decode().split('class="alert alert-danger" role="alert">')[1].split("</div>")[0]
    assert "أقل من 20" in shown, shown
    assert AgentStatus.objects.get(user=world.agent).chat_capacity == 5
    # A customer is not an agent: 404.
    assert supervisor.post(f"{BOARD}{world.parent_user.pk}/", {"state": "online"}).status_code == 404


def test_capacity_bounds_in_the_service(world: Any) -> None:
    from awn.core.errors import NotFound, ValidationError

    with pytest.raises(ValidationError):
        capacity_set(actor=world.supervisor, user_id=world.agent.pk, chats=-1, calls=1, tickets=1)
    with pytest.raises(ValidationError):
        capacity_set(actor=world.supervisor, user_id=world.agent.pk, chats="x", calls=1, tickets=1)
    with pytest.raises(NotFound):
        capacity_set(actor=world.agent, user_id=world.agent.pk, chats=1, calls=1, tickets=1)
    with pytest.raises(NotFound):
        status_set(actor=world.agent, user_id=world.vendor_agent.pk, state="away")


def test_automatic_rules(world: Any) -> None:
    now = timezone.now()
    status_set(actor=world.agent, user_id=world.agent.pk, state="online")
    status_set(actor=world.vendor_agent, user_id=world.vendor_agent.pk, state="online")
    AgentStatus.objects.filter(user=world.agent).update(
        last_activity_at=now - timedelta(minutes=11), seen_at=now - timedelta(minutes=1)
    )
    AgentStatus.objects.filter(user=world.vendor_agent).update(
        last_activity_at=now - timedelta(minutes=1), seen_at=now - timedelta(minutes=16)
    )
    assert presence_sweep(now) == 2
    assert state(world.agent) == AgentState.AWAY  # idle 11 minutes, page still open
    assert state(world.vendor_agent) == AgentState.OFFLINE  # no page for 16 minutes
    assert presence_sweep(now) == 0  # nothing more to do
    # Activity brings back an agent the rule set away…
    activity_seen(world.agent.pk)
    assert state(world.agent) == AgentState.ONLINE
    # …but not one who chose away.
    status_set(actor=world.agent, user_id=world.agent.pk, state="away")
    from django.core.cache import cache

    cache.clear()
    activity_seen(world.agent.pk)
    assert state(world.agent) == AgentState.AWAY


def test_activity_creates_presence_for_staff_only(world: Any) -> None:
    activity_seen(world.agent.pk)
    row = AgentStatus.objects.get(user=world.agent)
    assert row.state == AgentState.ONLINE and row.seen_at is not None
    activity_seen(world.parent_user.pk)
    assert not AgentStatus.objects.filter(user=world.parent_user).exists()


def test_chat_counts_only_available_agents(world: Any) -> None:
    now = timezone.now()
    AgentPresence.objects.create(user=world.agent, channel_name="a", seen_at=now)
    AgentPresence.objects.create(user=world.vendor_agent, channel_name="b", seen_at=now)
    assert agents_online() == 2  # no presence rows yet: connected = available (as before)
    status_set(actor=world.agent, user_id=world.agent.pk, state="away")
    assert agents_online() == 1
    status_set(actor=world.vendor_agent, user_id=world.vendor_agent.pk, state="offline")
    assert agents_online() == 0
    status_set(actor=world.agent, user_id=world.agent.pk, state="online")
    assert agents_online() == 1


def test_the_board_shows_state_and_load(world: Any, django_assert_max_num_queries: Any) -> None:
    from awn.accounts.enums import Role
    from awn.accounts.services import user_create

    for i in range(15):
        status_for(user_create(username=f"agent{i}", password=None, role=Role.AGENT, team=world.in_house))
    status_for(world.agent)
    activity_seen(world.agent.pk)
    chats = [world.ticket(channel=Channel.CHAT) for _ in range(2)]
    other = world.ticket()
    Ticket.objects.filter(pk__in=[t.pk for t in [*chats, other]]).update(assignee=world.agent)
    Ticket.objects.filter(pk=chats[1].pk).update(
        status=Status.PENDING
    )  # waiting on the customer: not in hand
    client = world.client_for(world.supervisor)
    client.get("/workspace/")  # a session's first request may write once (staff-session clocks on main)
    with django_assert_max_num_queries(10):
        page = client.get(BOARD).content.decode()
    assert 'dir="rtl"' in page and "حضور الموظفين" in page
    row = page.split(f'data-user="{world.agent.pk}"')[1].split("</tr>")[0]
    assert ('data-testid="chats">1/3<' in row and "1/20" in row and "متصل" in row) or "نعم" in row
    assert client.get(BOARD, HTTP_HX_REQUEST="true").content.decode().count('data-testid="agent-row"') == 19


def test_an_agent_going_offline_returns_their_chats_to_the_line(world: Any) -> None:
    """Issue 18, faults: an agent going offline with chats in hand returns them to the line, none lost, each at the
    place it had; away keeps them."""
    from awn.chat import services as chat
    from awn.chat.enums import ChatStatus
    from awn.chat.models import LiveSession

    started = [
        chat.chat_start(name=f"زائر {i}", phone="0501234567", question="لا أستطيع الدخول") for i in range(3)
    ]
    for conversation in started:
        LiveSession.objects.filter(pk=conversation.pk).update(
            status=ChatStatus.QUEUED, queued_at=timezone.now()
        )
        chat.chat_accept(conversation.pk, world.agent)
    status_set(actor=world.agent, user_id=world.agent.pk, state="away")
    assert LiveSession.objects.filter(agent=world.agent, status=ChatStatus.ASSIGNED).count() == 3
    queued_at = {c.pk: c.queued_at for c in LiveSession.objects.all()}
    status_set(actor=world.supervisor, user_id=world.agent.pk, state="offline")
    rows = list(LiveSession.objects.all())
    assert len(rows) == 3 and all(c.status == ChatStatus.QUEUED and c.agent_id is None for c in rows)
    assert {c.pk: c.queued_at for c in rows} == queued_at  # same places in the line
    assert not Ticket.objects.filter(assignee=world.agent).exists()
    assert all(c.lines.filter(body__contains="عدت إلى قائمة الانتظار").exists() for c in rows)
