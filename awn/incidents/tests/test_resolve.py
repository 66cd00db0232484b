"""Surge mode's resolution is one action: the resolution broadcast to every affected person, the incident ended,
the problem ticket resolved and its linked tickets resolved in batches (each batch its own transaction and job),
with no "your ticket was resolved" notice beside the broadcast. Tested with 1,000 linked tickets."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from awn.crm.models import Contact
from awn.incidents import services
from awn.incidents.enums import BroadcastKind, IncidentStatus, RecipientState
from awn.incidents.models import Incident, Recipient
from awn.incidents.selectors import Criteria
from awn.notifications.models import Notification
from awn.tickets import services as tickets
from awn.tickets import tasks as ticket_tasks
from awn.tickets.enums import Category, Channel, Direction, Status
from awn.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
SOLVED_AR = "عاد الدخول إلى نور للعمل، شكراً لصبركم."
LINKED = 1000


def declare(world: Any) -> Incident:
    return services.incident_declare(
        actor=world.supervisor,
        title_ar="تعطل الدخول",
        message_ar="نعمل على الإصلاح",
        category=Category.ACCOUNT_ACCESS,
        auto_reply=False,
    )


def seed_linked(world: Any, incident: Incident, count: int) -> list[int]:
    """`count` open tickets from as many people (every other one with an email: a "resolved" notice would reach
    them), linked to the incident's problem. Bulk inserts: the test is about resolving, not creating."""
    Contact.objects.bulk_create(
        [
            Contact(
                name=f"متأثر {i}",
                name_normalized=f"متاثر {i}",
                email=f"p{i}@example.sa" if i % 2 else "",
            )
            for i in range(count)
        ]
    )
    people = list(
        Contact.objects.filter(name__startswith="متأثر").order_by("pk").values_list("pk", flat=True)
    )
    channels = [Channel.WHATSAPP, Channel.TELEGRAM, Channel.EMAIL, Channel.PORTAL]
    Ticket.objects.bulk_create(
        [
            Ticket(
                subject="لا أستطيع الدخول",
                requester_id=person,
                category=Category.ACCOUNT_ACCESS,
                channel=channels[i % len(channels)],
                status=Status.OPEN if i % 3 else Status.NEW,
            )
            for i, person in enumerate(people)
        ]
    )
    linked = services.incident_link_matching(
        actor=world.supervisor, incident=incident, criteria=Criteria(category=Category.ACCOUNT_ACCESS)
    )
    assert linked == count
    return list(Ticket.objects.filter(problem_id=incident.problem_id).values_list("pk", flat=True))


def resolve(world: Any, incident: Incident) -> Any:
    return services.broadcast_create(
        actor=world.supervisor, incident=incident, kind=BroadcastKind.RESOLUTION, body_ar=SOLVED_AR
    )


def test_resolving_1000_linked_in_one_action_in_batches_with_one_broadcast_each(
    world: Any, settings: Any
) -> None:
    settings.AWN_TASKS_MODE = "off"  # the batches and the sending rounds are driven here, one by one
    incident = declare(world)
    linked = seed_linked(world, incident, LINKED)
    broadcast = resolve(world, incident)

    # The one action: everyone affected is a recipient; the incident ended; the problem is resolved.
    assert broadcast.total == LINKED
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.resolved_at is not None
    assert services.active_incident_reply(category=Category.ACCOUNT_ACCESS) is None  # banner, auto reply off
    assert Ticket.objects.get(pk=incident.problem_id).status == Status.RESOLVED

    # The linked tickets: in batches of RESOLVE_BATCH, each batch one job.
    batches, after = 0, 0
    while (
        last := tickets.tickets_resolve_incidents_batch(
            problem_id=incident.problem_id,
            actor_id=world.supervisor.pk,
            notify_requester=False,
            after_id=after,
        )
    ) is not None:
        batches += 1
        done = Ticket.objects.filter(pk__in=linked, status=Status.RESOLVED).count()
        assert done == min(batches * tickets.RESOLVE_BATCH, LINKED)
        after = last
    assert batches == LINKED // tickets.RESOLVE_BATCH == 5
    assert set(Ticket.objects.filter(pk__in=linked).values_list("status", flat=True)) == {Status.RESOLVED}

    # Nobody got a "your ticket was resolved" notice: the broadcast is the message.
    assert not Notification.objects.filter(dedupe_key__startswith="resolved:").exists()

    # The broadcast: each person exactly once, on their ticket (resolved tickets still take it).
    settings.AWN_BROADCAST_RATES = dict.fromkeys(("whatsapp", "telegram", "email", "portal"), 500)
    while services.broadcast_send_batch(broadcast.pk):
        pass
    per_ticket = dict(
        Message.objects.filter(direction=Direction.OUTBOUND, body=SOLVED_AR)
        .values_list("ticket_id")
        .annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    assert per_ticket == dict.fromkeys(linked, 1)
    assert set(Recipient.objects.filter(broadcast=broadcast).values_list("state", flat=True)) == {
        RecipientState.SENT
    }


def test_the_resolution_job_chains_its_batches_to_the_end(world: Any, settings: Any) -> None:
    incident = declare(world)
    linked = seed_linked(world, incident, 450)
    settings.AWN_TASKS_MODE = "off"
    resolve(world, incident)
    settings.AWN_TASKS_MODE = "sync"  # the first job as the worker would run it; it dispatches the next ones
    ticket_tasks.resolve_incidents(incident.problem_id, world.supervisor.pk, False, 0)
    assert set(Ticket.objects.filter(pk__in=linked).values_list("status", flat=True)) == {Status.RESOLVED}


def test_a_problem_reopened_meanwhile_stops_the_batches(world: Any, settings: Any) -> None:
    settings.AWN_TASKS_MODE = "off"
    incident = declare(world)
    linked = seed_linked(world, incident, 250)
    resolve(world, incident)
    first = tickets.tickets_resolve_incidents_batch(
        problem_id=incident.problem_id, actor_id=None, notify_requester=False
    )
    assert first is not None
    problem = Ticket.objects.get(pk=incident.problem_id)
    tickets.ticket_update(ticket=problem, actor=world.supervisor, changes={"status": Status.OPEN})
    assert (
        tickets.tickets_resolve_incidents_batch(
            problem_id=incident.problem_id, actor_id=None, notify_requester=False, after_id=first
        )
        is None
    )
    assert Ticket.objects.filter(pk__in=linked, status=Status.RESOLVED).count() == tickets.RESOLVE_BATCH


def test_an_update_broadcast_resolves_nothing(world: Any, settings: Any) -> None:
    settings.AWN_TASKS_MODE = "off"
    incident = declare(world)
    seed_linked(world, incident, 3)
    services.broadcast_create(
        actor=world.supervisor, incident=incident, kind=BroadcastKind.UPDATE, body_ar="ما زلنا نعمل"
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACTIVE
    assert Ticket.objects.get(pk=incident.problem_id).status != Status.RESOLVED


def test_the_page_resolves_in_one_action(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    incident = declare(world)
    linked = seed_linked(world, incident, 5)
    client = world.client_for(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/workspace/incidents/{incident.pk}/broadcast/", {"kind": "resolution", "body_ar": SOLVED_AR}
        )
    assert response.status_code == 302
    assert set(Ticket.objects.filter(pk__in=linked).values_list("status", flat=True)) == {Status.RESOLVED}
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    assert not Notification.objects.filter(dedupe_key__startswith="resolved:").exists()


def test_resolving_on_the_ticket_page_still_tells_each_requester(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Without the incident's broadcast (a problem resolved from its ticket), each requester gets the usual notice."""
    incident = declare(world)
    linked = seed_linked(world, incident, 4)
    problem = Ticket.objects.get(pk=incident.problem_id)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_update(ticket=problem, actor=world.supervisor, changes={"status": Status.RESOLVED})
    assert set(Ticket.objects.filter(pk__in=linked).values_list("status", flat=True)) == {Status.RESOLVED}
    notified = Notification.objects.filter(dedupe_key__startswith="resolved:", ticket_id__in=linked)
    assert notified.count() == 2  # the two of the four with an email
