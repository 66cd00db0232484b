"""The fragments a live page fetches after a push (or while it polls): each checks the permission again, so a push
that named an id never shows anything the agent may not see."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from awn.realtime.services import notify
from awn.tickets.enums import Category, MessageKind, Status
from awn.tickets.models import Ticket, TicketWatcher
from awn.tickets.services import ticket_add_message, ticket_update


@pytest.fixture
def registration(world: Any) -> Ticket:
    """A ticket the vendor team does not cover."""
    return world.ticket(category=Category.REGISTRATION, subject="لم يظهر ابني في التسجيل")


def test_a_message_fragment_is_shown_only_to_staff_who_may_see_its_ticket(
    world: Any, registration: Ticket
) -> None:
    note = ticket_add_message(
        ticket=registration, actor=world.agent, body="ملاحظة للفريق فقط", kind=MessageKind.NOTE
    )
    other = world.ticket(category=Category.REGISTRATION)
    url = reverse("workspace:ticket-message-fragment", args=[registration.pk, note.pk])
    html = world.client_for(world.agent).get(url).content.decode()
    assert f'id="message-{note.pk}"' in html and "ملاحظة للفريق فقط" in html and 'data-kind="note"' in html
    assert "<html" not in html  # a fragment, not a page
    for user in (world.vendor_agent, world.parent_user):
        response = world.client_for(user).get(url)
        assert response.status_code == 404 and "ملاحظة للفريق فقط" not in response.content.decode()
    # The message id of another ticket, under a ticket one may see: not found either.
    wrong = reverse("workspace:ticket-message-fragment", args=[other.pk, note.pk])
    assert world.client_for(world.agent).get(wrong).status_code == 404


def test_the_new_messages_fragment_catches_up_after_an_id(world: Any, registration: Ticket) -> None:
    first = registration.messages.get()
    ticket_add_message(ticket=registration, actor=world.parent_user, body="رسالة ثانية")
    ticket_add_message(ticket=registration, actor=world.agent, body="رد ثالث")
    url = reverse("workspace:ticket-messages", args=[registration.pk])
    client = world.client_for(world.agent)
    newer = client.get(url, {"after": first.pk}).content.decode()
    assert newer.count('data-testid="message"') == 2 and "رسالة ثانية" in newer and "رد ثالث" in newer
    assert client.get(url, {"after": "0"}).content.decode().count('data-testid="message"') == 3
    assert world.client_for(world.vendor_agent).get(url, {"after": 0}).status_code == 404


def test_the_header_fragment_shows_the_status_and_assignee(world: Any, registration: Ticket) -> None:
    ticket_update(
        ticket=registration,
        actor=world.supervisor,
        changes={"status": Status.OPEN, "assignee_id": world.agent.pk, "team_id": world.in_house.pk},
    )
    url = reverse("workspace:ticket-header", args=[registration.pk])
    html = world.client_for(world.supervisor).get(url).content.decode()
    assert 'id="ticket-header"' in html and "مفتوحة" in html and "هند" in html and world.in_house.name in html
    assert 'data-testid="watch"' in html
    assert world.client_for(world.vendor_agent).get(url).status_code == 404


def test_the_queue_rows_fragment_lists_only_what_the_agent_may_see(world: Any, registration: Ticket) -> None:
    covered = world.ticket(category=Category.ACCOUNT_ACCESS, subject="لا أستطيع الدخول إلى حسابي")
    url = reverse("workspace:queue")
    vendor = (
        world.client_for(world.vendor_agent).get(url, {"queue": "all", "fragment": "rows"}).content.decode()
    )
    assert "<html" not in vendor and "<tbody" not in vendor
    assert f'data-ticket-id="{covered.pk}"' in vendor and f'data-ticket-id="{registration.pk}"' not in vendor
    agent = world.client_for(world.agent).get(url, {"queue": "all", "fragment": "rows"}).content.decode()
    assert f'data-ticket-id="{registration.pk}"' in agent


def test_pages_say_what_they_show_to_their_socket(world: Any, registration: Ticket) -> None:
    client = world.client_for(world.agent)
    ticket_page = client.get(reverse("workspace:ticket", args=[registration.pk])).content.decode()
    assert 'data-live-page="ticket"' in ticket_page and f'data-live-ticket="{registration.pk}"' in ticket_page
    assert 'data-live-page="queue"' in client.get(reverse("workspace:queue")).content.decode()
    assert 'data-live-page="chats"' in client.get(reverse("chat-agents")).content.decode()
    contacts = client.get(reverse("workspace:contacts")).content.decode()
    assert 'data-live-page="other"' in contacts and "workspace/live.js" in contacts
    assert "جارٍ إعادة الاتصال" in contacts  # the "reconnecting…" notice, hidden until the socket drops


def test_watch_and_unwatch_from_the_ticket_page(world: Any, registration: Ticket) -> None:
    url = reverse("workspace:ticket-watch", args=[registration.pk])
    client = world.client_for(world.agent)
    assert client.post(url, {"watch": "1"}).status_code == 302
    assert TicketWatcher.objects.filter(ticket=registration, user=world.agent).exists()
    header = client.get(reverse("workspace:ticket-header", args=[registration.pk])).content.decode()
    assert 'aria-pressed="true"' in header
    client.post(url, {"watch": "0"})
    assert not TicketWatcher.objects.exists()
    assert world.client_for(world.vendor_agent).post(url, {"watch": "1"}).status_code == 404
    assert not TicketWatcher.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_notification_list_and_marking_it_read(world: Any, registration: Ticket) -> None:
    ticket_update(ticket=registration, actor=world.supervisor, changes={"assignee_id": world.agent.pk})
    notify(
        ticket_id=registration.pk,
        user_ids=[world.agent.pk],
        kind="mentioned",
        key="m1",
        actor_id=world.supervisor.pk,
    )
    client = world.client_for(world.agent)
    html = client.get(reverse("workspace:notifications")).content.decode()
    assert 'data-unread="2"' in html and html.count('data-testid="notification"') == 2
    assert "أسند إليك supervisor تذكرة" in html and "ذكرك supervisor في ملاحظة" in html
    assert registration.reference in html
    read = client.post(reverse("workspace:notifications-read")).content.decode()
    assert 'data-unread="0"' in read and read.count('data-testid="notification"') == 2
    # A ticket that moves out of an agent's sight takes its notifications with it.
    covered = world.ticket(category=Category.ACCOUNT_ACCESS)
    notify(ticket_id=covered.pk, user_ids=[world.vendor_agent.pk], kind="mentioned", key="m2")
    vendor = world.client_for(world.vendor_agent)
    assert 'data-unread="1"' in vendor.get(reverse("workspace:notifications")).content.decode()
    ticket_update(ticket=covered, actor=world.admin, changes={"category": Category.REGISTRATION})
    vendor_list = vendor.get(reverse("workspace:notifications")).content.decode()
    assert 'data-testid="notifications-empty"' in vendor_list and 'data-unread="0"' in vendor_list
