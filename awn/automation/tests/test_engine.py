"""Rules on events, end to end through the tickets services: what they change, the history naming them, the loop
guard, a refused action, and the rules saved only when valid."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.automation import services
from awn.automation.enums import Trigger
from awn.automation.models import Rule
from awn.core.errors import ValidationError
from awn.core.events import capture_events, publish
from awn.sla.events import SlaBreached
from awn.tickets.enums import Channel, Direction, MessageKind, Status
from awn.tickets.events import NoteAdded, ReplySent
from awn.tickets.models import AuditEntry, CannedResponse, Message, Ticket
from awn.tickets.services import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_rule(world: Any, trigger: str, conditions: list[Any], actions: list[Any], **kw: Any) -> Rule:
    return services.rule_create(
        name=kw.pop("name", f"rule {Rule.objects.count() + 1}"),
        trigger=trigger,
        spec={"match": kw.pop("match", "all"), "conditions": conditions, "actions": actions},
        actor=world.admin,
        **kw,
    )


def test_a_created_ticket_gets_the_rule_changes_with_the_rule_named_in_its_history(
    world: Any, run_after_commit: Any
) -> None:
    make_rule(
        world,
        Trigger.TICKET_CREATED,
        [
            {"field": "category", "op": "is", "value": "account_access"},
            {"field": "body", "op": "contains", "value": "رساله خطأ"},  # ta marbuta folded
        ],
        [
            {"type": "set_priority", "value": "high"},
            {"type": "set_team", "value": world.in_house.pk},
            {"type": "add_tag", "value": "دخول"},
        ],
        name="الدخول أولاً",
    )
    with run_after_commit():
        ticket = world.ticket()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team_id) == ("high", world.in_house.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["دخول"]
    history = list(
        AuditEntry.objects.filter(ticket=ticket).values_list("action", "field", "new_value", "actor")
    )
    assert ("rule", "automation", "الدخول أولاً", None) in history
    assert ("changed", "priority", "high", None) in history
    assert ("changed", "tags", "دخول", None) in history
    # The ticket's history (a fragment of its page) names the rule.
    page = world.client_for(world.agent).get(f"/workspace/tickets/{ticket.pk}/history/").content.decode()
    assert "طبّق قاعدة الأتمتة" in page and "الدخول أولاً" in page


def test_conditions_that_do_not_hold_change_nothing(world: Any, run_after_commit: Any) -> None:
    make_rule(
        world,
        Trigger.TICKET_CREATED,
        [{"field": "channel", "op": "is", "value": "whatsapp"}],
        [{"type": "set_priority", "value": "urgent"}],
    )
    with run_after_commit():
        ticket = world.ticket()
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not AuditEntry.objects.filter(ticket=ticket, action="rule").exists()


def test_a_canned_reply_goes_out_on_the_tickets_channel_and_an_internal_note_is_added(
    world: Any, run_after_commit: Any
) -> None:
    canned = CannedResponse.objects.create(
        title="استلام", body="مرحباً {{contact.first_name}}، وصلنا طلبك {{ticket.reference}}"
    )
    make_rule(
        world,
        Trigger.MESSAGE_RECEIVED,
        [{"field": "contact_type", "op": "is", "value": "parent"}],
        [{"type": "send_canned_reply", "value": canned.pk}, {"type": "add_note", "value": "ردّ آلي أُرسل"}],
        name="إشعار الاستلام",
    )
    with capture_events() as published, run_after_commit():
        ticket = world.ticket(channel=Channel.EMAIL)
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND, body__startswith="مرحباً")
    assert reply.body == f"مرحباً أحمد، وصلنا طلبك {ticket.reference}"
    assert (reply.channel, reply.kind, reply.author_user_id) == (Channel.EMAIL, MessageKind.REPLY, None)
    assert any(isinstance(e, ReplySent) and e.ticket_id == ticket.pk for e in published)
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE, body__contains="إشعار الاستلام")
    assert "ردّ آلي أُرسل" in note.body and "إشعار الاستلام" in note.body
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # an automatic reply is no agent's first response


def test_notify_and_escalate_mention_the_agents_and_the_teams_supervisor(
    world: Any, run_after_commit: Any
) -> None:
    make_rule(
        world,
        Trigger.TICKET_CREATED,
        [],
        [
            {"type": "set_team", "value": world.in_house.pk},
            {"type": "notify_users", "value": [world.agent.pk]},
            {"type": "escalate", "value": None},
        ],
    )
    with capture_events() as published, run_after_commit():
        ticket = world.ticket()
    mentioned = {uid for e in published if isinstance(e, NoteAdded) for uid in e.mentioned_user_ids}
    assert mentioned == {world.agent.pk, world.supervisor.pk}
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE, body__contains="@").count() == 2


def test_an_sla_breach_escalates(world: Any, run_after_commit: Any) -> None:
    make_rule(
        world,
        Trigger.SLA_BREACHED,
        [{"field": "priority", "op": "in", "value": ["normal", "high"]}],
        [{"type": "set_priority", "value": "urgent"}, {"type": "escalate", "value": None}],
    )
    ticket = world.ticket()
    with run_after_commit(), transaction.atomic():
        publish(SlaBreached(ticket_id=ticket.pk, metric="first_reply", due_at=timezone.now()))
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE, body__contains="@supervisor").exists()


def test_a_rules_own_change_does_not_retrigger_it(world: Any, run_after_commit: Any) -> None:
    # Fires on every update and adds a note each time it runs: its own change (the tag) must not run it again.
    make_rule(
        world,
        Trigger.TICKET_UPDATED,
        [],
        [{"type": "add_note", "value": "تحديث"}, {"type": "add_tag", "value": "updated"}],
    )
    ticket = world.ticket()
    with run_after_commit():
        ticket_update(ticket=ticket, actor=world.agent, changes={"priority": "high"})
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE, body__startswith="تحديث").count() == 1


def test_two_rules_undoing_each_other_stop_at_the_depth_limit(world: Any, run_after_commit: Any) -> None:
    # Saved directly (the loop check would refuse them): the chain guard still stops them at run time.
    for name, value in (("to high", "high"), ("to low", "low")):
        Rule.objects.create(
            name=name, trigger=Trigger.TICKET_UPDATED, actions=[{"type": "set_priority", "value": value}]
        )
    ticket = world.ticket()
    with run_after_commit():
        ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.OPEN})
    runs = AuditEntry.objects.filter(ticket=ticket, action="rule").count()
    assert 1 <= runs <= 3


def test_a_rule_that_would_loop_is_refused_and_nothing_is_saved(world: Any) -> None:
    make_rule(world, Trigger.TICKET_UPDATED, [], [{"type": "set_priority", "value": "high"}], name="A")
    with pytest.raises(ValidationError) as caught:
        make_rule(world, Trigger.TICKET_UPDATED, [], [{"type": "set_priority", "value": "low"}], name="B")
    assert "A" in str(caught.value.message)
    assert list(Rule.objects.values_list("name", flat=True)) == ["A"]
    # With a condition on the field one of them settles: no loop.
    make_rule(
        world,
        Trigger.TICKET_UPDATED,
        [{"field": "priority", "op": "is", "value": "urgent"}],
        [{"type": "set_priority", "value": "low"}],
        name="B",
    )


def test_a_refused_action_rolls_back_that_rule_alone(world: Any, run_after_commit: Any) -> None:
    outsider = user_create(username="outsider", password=None, role=Role.AGENT, team=world.vendor)
    make_rule(
        world,
        Trigger.TICKET_CREATED,
        [],
        [{"type": "add_tag", "value": "first"}, {"type": "set_assignee", "value": outsider.pk}],
        name="bad",
    )
    make_rule(world, Trigger.TICKET_CREATED, [], [{"type": "add_tag", "value": "second"}], name="good")
    with run_after_commit():
        ticket = world.ticket(category="registration")  # the vendor team does not cover it
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert list(ticket.tags.values_list("name", flat=True)) == ["second"]
    assert list(
        AuditEntry.objects.filter(ticket=ticket, action="rule").values_list("new_value", flat=True)
    ) == ["good"]


def test_rules_run_in_their_order_and_see_the_changes_before_them(world: Any, run_after_commit: Any) -> None:
    make_rule(world, Trigger.TICKET_CREATED, [], [{"type": "set_priority", "value": "high"}], name="first")
    make_rule(
        world,
        Trigger.TICKET_CREATED,
        [{"field": "priority", "op": "is", "value": "high"}],
        [{"type": "add_tag", "value": "seen-high"}],
        name="second",
    )
    with run_after_commit():
        ticket = world.ticket()
    assert list(ticket.tags.values_list("name", flat=True)) == ["seen-high"]
    services.rule_move(rule=Rule.objects.get(name="second"), up=True)
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["second", "first"]


def test_a_disabled_rule_does_nothing(world: Any, run_after_commit: Any) -> None:
    rule = make_rule(world, Trigger.TICKET_CREATED, [], [{"type": "set_priority", "value": "high"}])
    services.rule_set_enabled(rule=rule, enabled=False)
    with run_after_commit():
        ticket = world.ticket()
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_export_then_import_round_trips_and_a_bad_file_saves_nothing(world: Any) -> None:
    make_rule(world, Trigger.TICKET_CREATED, [], [{"type": "set_priority", "value": "high"}], name="A")
    exported = services.rules_export()
    Rule.objects.all().delete()
    services.rules_import(data=exported, actor=world.admin)
    assert services.rules_export() == exported
    bad = {
        **exported,
        "rules": [
            *exported["rules"],
            {"name": "B", "trigger": "ticket_created", "actions": [{"type": "rm"}]},
        ],
    }
    bad["rules"][0] = {**bad["rules"][0], "name": "A2"}
    with pytest.raises(ValidationError) as caught:
        services.rules_import(data=bad, actor=world.admin)
    assert "B" in str(caught.value.message)
    assert list(Rule.objects.values_list("name", flat=True)) == ["A"]


def test_dry_run_shows_what_would_change_and_writes_nothing(world: Any) -> None:
    ticket = world.ticket()
    result = services.rule_dry_run(
        trigger="ticket_updated",
        spec={
            "conditions": [{"field": "status", "op": "is", "value": "new"}],
            "actions": [{"type": "set_priority", "value": "urgent"}, {"type": "add_tag", "value": "x"}],
        },
        ticket=ticket,
    )
    assert result.matches
    assert [(c.action, c.new) for c in result.changes] == [("set_priority", "عاجلة"), ("add_tag", "x")] or [
        (c.action, c.new) for c in result.changes
    ] == [("set_priority", "Urgent"), ("add_tag", "x")]
    ticket.refresh_from_db()
    assert ticket.priority == "normal" and not ticket.tags.exists()
