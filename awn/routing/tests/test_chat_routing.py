"""Skills routing of live chats (issue 18): with routing on, a waiting chat is on the panel of the agent it was
offered to only; accepting the chat accepts the offer (its expiry never takes the chat back); an agent going
offline with chats in hand returns each to the line, none lost, and routing offers them to another agent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.chat import services as chat
from awn.chat.enums import ChatStatus
from awn.chat.models import AgentPresence, LiveSession
from awn.chat.selectors import chats_for_agent, routed_to_someone_else
from awn.realtime import services as realtime
from awn.routing.models import OfferState, RoutingDecision, RoutingOffer
from awn.routing.services import (
    activity_seen,
    capacity_set,
    offers_expire,
    route_ticket,
    route_waiting,
    skills_set,
    status_set,
)
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_update
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(world: Any, settings: Any) -> Any:
    """Routing on; the agent (account access) and a second in-house agent (transfers), both online with room
    for 3 chats; panels open (someone online for chat)."""
    settings.AWN_ROUTING_AUTO_ASSIGN = True
    settings.AWN_ROUTING_OFFER_SECONDS = 30
    world.agent_b = user_create(
        username="agent_b", password=PASSWORD, role=Role.AGENT, team=world.in_house, first_name="سلمى"
    )
    for user, skill in ((world.agent, "account_access"), (world.agent_b, "transfer")):
        skills_set(actor=world.supervisor, user_id=user.pk, text=f"category:{skill}, language:ar")
        capacity_set(actor=world.supervisor, user_id=user.pk, chats=3, calls=1, tickets=20)
        AgentPresence.objects.create(user=user, channel_name=f"test-{user.pk}", seen_at=timezone.now())
    cache.clear()
    for user in (world.agent, world.agent_b):
        activity_seen(user.pk)
    return world


def open_chat(category: str, name: str = "منى") -> LiveSession:
    with override_settings(AWN_ROUTING_AUTO_ASSIGN=False):
        conversation = chat.chat_start(name=name, phone="0551234567", question="لا أستطيع الدخول")
    ticket_update(ticket=conversation.ticket, actor=None, changes={"category": category})
    chat.chat_request_human(conversation.pk)
    route_ticket(conversation.ticket.pk)  # the routing job the handoff enqueues (run on commit)
    return LiveSession.objects.select_related("thread__ticket").get(pk=conversation.pk)


def ids(user: Any) -> set[int]:
    return set(chats_for_agent(user).values_list("pk", flat=True))


def test_a_routed_chat_is_on_the_panel_of_its_agent_only(routed: Any, settings: Any) -> None:
    mine = open_chat(Category.ACCOUNT_ACCESS)
    theirs = open_chat(Category.TRANSFER, name="ريم")
    assert mine.ticket.assignee_id == routed.agent.pk and theirs.ticket.assignee_id == routed.agent_b.pk
    assert ids(routed.agent) == {mine.pk} and ids(routed.agent_b) == {theirs.pk}
    assert ids(routed.vendor_agent) == set()  # covers account access, but nothing overflowed to them
    assert ids(routed.supervisor) == {mine.pk, theirs.pk}
    # The socket's filter agrees with the panel's first load.
    summary = chat.chat_summary(mine)
    assert summary["offered_to"] == routed.agent.pk
    assert not routed_to_someone_else(routed.agent.pk, summary)
    assert routed_to_someone_else(routed.agent_b.pk, summary)
    settings.AWN_ROUTING_AUTO_ASSIGN = False  # without routing: the shared line, as before
    assert ids(routed.agent_b) == {mine.pk, theirs.pk}


def test_accepting_a_routed_chat_accepts_its_offer(routed: Any) -> None:
    conversation = open_chat(Category.ACCOUNT_ACCESS)
    chat.chat_accept(conversation.pk, routed.agent)
    assert RoutingOffer.objects.get(ticket=conversation.ticket).state == OfferState.ACCEPTED
    # Long after the offer's 30 s, the periodic pass leaves the chat and its ticket with the agent.
    assert offers_expire(now=timezone.now() + timedelta(seconds=120)) == 0
    assert Ticket.objects.get(pk=conversation.ticket.pk).assignee_id == routed.agent.pk
    assert LiveSession.objects.get(pk=conversation.pk).agent_id == routed.agent.pk


def test_offline_with_chats_in_hand_returns_them_and_routing_offers_them_to_another(routed: Any) -> None:
    chats = [open_chat(Category.ACCOUNT_ACCESS, name=f"زائر {i}") for i in range(3)]
    for conversation in chats:
        assert conversation.ticket.assignee_id == routed.agent.pk
        chat.chat_accept(conversation.pk, routed.agent)
    status_set(actor=routed.supervisor, user_id=routed.agent.pk, state="offline")
    rows = LiveSession.objects.filter(pk__in=[c.pk for c in chats])
    assert rows.count() == 3 and all(c.status == ChatStatus.QUEUED and c.agent_id is None for c in rows)
    assert ids(routed.agent) == set() and ids(routed.supervisor) == {c.pk for c in chats}  # none lost
    assert route_waiting() == 3
    tickets = Ticket.objects.filter(pk__in=[c.ticket.pk for c in chats])
    assert set(tickets.values_list("assignee_id", flat=True)) == {routed.agent_b.pk}
    assert ids(routed.agent_b) == {c.pk for c in chats}  # each on the other agent's panel, to accept
    for conversation in chats:
        chat.chat_accept(conversation.pk, routed.agent_b)
    assert set(rows.values_list("status", "agent_id")) == {(ChatStatus.ASSIGNED, routed.agent_b.pk)}


# ---- a chat is routed when the assistant hands it to a person, not while it talks -------------------------------


def test_a_chat_with_the_assistant_is_not_routed_until_it_is_handed_to_a_person(
    routed: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = chat.chat_start(name="منى", phone="0551234567", question="لا أستطيع الدخول")
    ticket = conversation.ticket
    assert LiveSession.objects.get(pk=conversation.pk).status == ChatStatus.BOT
    # The new-ticket job and the periodic pass both leave it: the assistant is talking, its category unknown yet.
    assert route_ticket(ticket.pk) is None
    assert route_waiting() == 0
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert not RoutingDecision.objects.filter(ticket=ticket).exists()
    # Meanwhile it is classified (account access); then the assistant hands it to a person: routed now, to the
    # agent whose skill is that category (not the transfers agent), and onto their panel only.
    ticket_update(
        ticket=Ticket.objects.get(pk=ticket.pk), actor=None, changes={"category": Category.ACCOUNT_ACCESS}
    )
    with django_capture_on_commit_callbacks(execute=True):
        chat.chat_request_human(conversation.pk)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == routed.agent.pk
    decision = RoutingDecision.objects.get(ticket=ticket)
    assert "category=account_access" in decision.reason["matched"]
    assert ids(routed.agent) == {conversation.pk} and ids(routed.agent_b) == set()


def test_a_chat_the_visitor_leaves_with_the_assistant_goes_to_the_line(routed: Any) -> None:
    # Closed by the visitor before any handoff: its ticket is still open for the team, so routing may take it.
    conversation = chat.chat_start(name="منى", phone="0551234567", question="لا أستطيع الدخول")
    assert route_ticket(conversation.ticket.pk) is None
    chat.chat_close(conversation.pk)
    decision = route_ticket(conversation.ticket.pk)
    assert decision is not None and decision.agent_id == routed.agent.pk


@pytest.mark.django_db(transaction=True)
def test_the_panels_hear_last_whom_a_handed_over_chat_was_offered_to(routed: Any) -> None:
    # Real commits (the routing job runs when the handoff commits, its own pushes when it commits): the frame
    # "queued, offered to nobody" must not reach the panels after the frame naming the agent, or a routed agent's
    # socket would take the chat off their panel ("chat_gone") and nobody could accept it.
    conversation = chat.chat_start(name="منى", phone="0551234567", question="لا أستطيع الدخول")
    ticket_update(ticket=conversation.ticket, actor=None, changes={"category": Category.ACCOUNT_ACCESS})
    frames: list[dict[str, Any]] = []
    with patch.object(realtime, "send_many", side_effect=lambda batch: frames.extend(b for _g, b in batch)):
        chat.chat_request_human(conversation.pk)
    assert Ticket.objects.get(pk=conversation.ticket.pk).assignee_id == routed.agent.pk
    offers = [f["data"]["chat"]["offered_to"] for f in frames if f["data"].get("type") == "chat"]
    assert offers and offers[-1] == routed.agent.pk
