"""Slice 3: a broadcast to every affected person on the channel they used — one Recipient per person, sent in
batches at the providers' rates, exactly once even when the sender dies mid-broadcast."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from awn.core.errors import NotFound, ValidationError
from awn.crm.services import contact_create
from awn.incidents import services
from awn.incidents.enums import RecipientState
from awn.incidents.models import Broadcast, Incident, Recipient
from awn.incidents.selectors import Criteria
from awn.tickets import services as tickets
from awn.tickets.enums import Category, Channel, Direction, Status
from awn.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
UPDATE_AR = "عاد الدخول إلى نور للعمل."
UPDATE_EN = "Signing in to Noor works again."


class Crash(BaseException):
    """A sender process dying (not an Exception: nothing in the code under test may swallow it)."""


def declare(world: Any) -> Incident:
    return services.incident_declare(
        actor=world.supervisor, title_ar="تعطل الدخول", message_ar="نعمل على الإصلاح", auto_reply=False
    )


def affected_people(
    world: Any, incident: Incident, count: int, channel: str = Channel.WHATSAPP
) -> list[Ticket]:
    made = []
    for i in range(count):
        person = contact_create(name=f"متأثر {i}", language="en" if i % 2 else "ar")
        made.append(world.ticket(requester=person, channel=channel))
    services.incident_link_matching(
        actor=world.supervisor, incident=incident, criteria=Criteria(category=Category.ACCOUNT_ACCESS)
    )
    return made


def create(world: Any, incident: Incident, **extra: Any) -> Broadcast:
    return services.broadcast_create(
        actor=world.supervisor,
        incident=incident,
        kind="update",
        body_ar=UPDATE_AR,
        body_en=UPDATE_EN,
        **extra,
    )


def replies_per_ticket() -> dict[int, int]:
    rows = (
        Message.objects.filter(direction=Direction.OUTBOUND, body__in=(UPDATE_AR, UPDATE_EN))
        .values("ticket_id")
        .annotate(n=Count("id"))
    )
    return {row["ticket_id"]: row["n"] for row in rows}


def test_one_recipient_per_person_on_their_latest_ticket(world: Any) -> None:
    incident = declare(world)
    older = world.ticket(channel=Channel.EMAIL)
    newer = world.ticket(channel=Channel.WHATSAPP)  # same person (the parent), later
    other = world.ticket(requester=world.other_parent, channel=Channel.TELEGRAM)
    services.incident_link_matching(
        actor=world.supervisor, incident=incident, criteria=Criteria(category=Category.ACCOUNT_ACCESS)
    )
    broadcast = create(world, incident)
    rows = {r.contact_id: (r.ticket_id, r.channel) for r in Recipient.objects.filter(broadcast=broadcast)}
    assert rows == {
        world.parent.pk: (newer.pk, Channel.WHATSAPP),
        world.other_parent.pk: (other.pk, Channel.TELEGRAM),
    }
    assert broadcast.total == 2
    assert older.pk not in {ticket_id for ticket_id, _c in rows.values()}


def test_sent_in_the_persons_language_once(world: Any) -> None:
    incident = declare(world)
    people = affected_people(world, incident, 4)
    broadcast = create(world, incident)
    while services.broadcast_send_batch(broadcast.pk):
        pass
    assert replies_per_ticket() == {t.pk: 1 for t in people}
    for ticket in people:
        body = Message.objects.get(ticket=ticket, body__in=(UPDATE_AR, UPDATE_EN)).body
        assert body == (UPDATE_EN if ticket.requester.language == "en" else UPDATE_AR)
    assert set(Recipient.objects.values_list("state", flat=True)) == {RecipientState.SENT}
    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None
    # Running the job again sends nothing.
    assert services.broadcast_send_batch(broadcast.pk) == 0
    assert sum(replies_per_ticket().values()) == 4


def test_batches_follow_the_provider_rate(world: Any, settings: Any) -> None:
    settings.AWN_TASKS_MODE = "off"  # the rounds are driven here
    settings.AWN_BROADCAST_RATES = {"whatsapp": 3, "telegram": 2}
    incident = declare(world)
    affected_people(world, incident, 7, channel=Channel.WHATSAPP)
    for i in range(3):
        world.ticket(requester=contact_create(name=f"تيليجرام {i}"), channel=Channel.TELEGRAM)
    services.incident_link_matching(
        actor=world.supervisor, incident=incident, criteria=Criteria(category=Category.ACCOUNT_ACCESS)
    )
    broadcast = create(world, incident)

    def sent(channel: str) -> int:
        return Recipient.objects.filter(
            broadcast=broadcast, channel=channel, state=RecipientState.SENT
        ).count()

    assert (sent(Channel.WHATSAPP), sent(Channel.TELEGRAM)) == (0, 0)
    # One round: one second's worth per provider.
    assert services.broadcast_send_batch(broadcast.pk) == 10 - 3 - 2
    assert (sent(Channel.WHATSAPP), sent(Channel.TELEGRAM)) == (3, 2)
    assert services.broadcast_send_batch(broadcast.pk) == 10 - 5 - 3 - 1
    assert (sent(Channel.WHATSAPP), sent(Channel.TELEGRAM)) == (6, 3)
    assert services.broadcast_send_batch(broadcast.pk) == 0
    assert sent(Channel.WHATSAPP) == 7


def test_crash_mid_broadcast_then_restart_sends_each_person_exactly_once(world: Any, settings: Any) -> None:
    settings.AWN_BROADCAST_RATES = {"whatsapp": 4}
    settings.AWN_TASKS_MODE = "off"  # the job is not run at creation: this test drives the sender
    incident = declare(world)
    people = affected_people(world, incident, 10)
    broadcast = create(world, incident)
    calls = {"n": 0}

    def die_on_the_third(recipient: Recipient) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash  # after the reply was written, before the row was marked sent: both roll back

    services.after_reply_hook = die_on_the_third
    with pytest.raises(Crash):
        services.broadcast_send_batch(broadcast.pk)
    services.after_reply_hook = None
    states = dict(Recipient.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    assert states == {RecipientState.SENT: 2, RecipientState.SENDING: 2, RecipientState.PENDING: 6}
    assert sum(replies_per_ticket().values()) == 2
    # A restart before the dead sender's lease ran out leaves its rows alone (it may still be alive)...
    services.broadcast_send_batch(broadcast.pk)
    assert Recipient.objects.filter(state=RecipientState.SENDING).count() == 2
    # ...after it, the sweep nudges the broadcast and the rows are sent, each once.
    Recipient.objects.filter(state=RecipientState.SENDING).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.broadcasts_resume() == 1
    while services.broadcast_send_batch(broadcast.pk):
        pass
    assert replies_per_ticket() == {t.pk: 1 for t in people}
    assert Recipient.objects.filter(state=RecipientState.SENT).count() == 10


def test_two_senders_never_claim_the_same_row(world: Any, settings: Any) -> None:
    settings.AWN_TASKS_MODE = "off"
    incident = declare(world)
    affected_people(world, incident, 5)
    broadcast = create(world, incident)
    first = services._claim(broadcast.pk, Channel.WHATSAPP, 3)
    second = services._claim(broadcast.pk, Channel.WHATSAPP, 3)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert services._claim(broadcast.pk, Channel.WHATSAPP, 3) == []


def test_a_closed_ticket_is_a_failed_recipient_not_a_stuck_one(world: Any, settings: Any) -> None:
    settings.AWN_TASKS_MODE = "off"
    incident = declare(world)
    people = affected_people(world, incident, 2)
    broadcast = create(world, incident)
    tickets.ticket_update(ticket=people[0], actor=world.supervisor, changes={"status": Status.CLOSED})
    while services.broadcast_send_batch(broadcast.pk):
        pass
    failed = Recipient.objects.get(ticket=people[0])
    assert failed.state == RecipientState.FAILED and failed.error
    assert Recipient.objects.get(ticket=people[1]).state == RecipientState.SENT


def test_nobody_affected_is_refused_before_anything(world: Any) -> None:
    incident = declare(world)
    with pytest.raises(ValidationError) as caught:
        create(world, incident)
    assert "Nothing was sent" in str(caught.value.message) or "لم يُرسل" in str(caught.value.message)
    assert not Broadcast.objects.exists()


def test_more_than_the_providers_daily_limit_is_refused_before_anything(world: Any, settings: Any) -> None:
    settings.AWN_BROADCAST_DAILY_LIMITS = {"whatsapp": 3}
    incident = declare(world)
    affected_people(world, incident, 4)
    with pytest.raises(ValidationError):
        create(world, incident)
    assert not Broadcast.objects.exists() and not Recipient.objects.exists()
    settings.AWN_BROADCAST_DAILY_LIMITS = {"whatsapp": 4}
    assert create(world, incident).total == 4


def test_only_supervisors_broadcast(world: Any) -> None:
    incident = declare(world)
    affected_people(world, incident, 1)
    with pytest.raises(NotFound):
        services.broadcast_create(actor=world.agent, incident=incident, kind="update", body_ar=UPDATE_AR)
    assert not Broadcast.objects.exists()


def test_delivery_status_reaches_the_recipient_row(world: Any) -> None:
    incident = declare(world)
    affected_people(world, incident, 1)
    broadcast = create(world, incident)
    services.broadcast_send_batch(broadcast.pk)
    recipient = Recipient.objects.get(broadcast=broadcast)
    assert recipient.state == RecipientState.SENT and recipient.message_id
    from awn.connectors.events import DeliveryStatusChanged
    from config.event_subscriptions import broadcast_delivery

    broadcast_delivery(
        DeliveryStatusChanged(ticket_id=recipient.ticket_id, message_id=recipient.message_id, status="read")
    )
    recipient.refresh_from_db()
    assert recipient.delivery == "read"


def test_api_and_page_show_per_recipient_state(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    incident = declare(world)
    affected_people(world, incident, 2)
    client = world.client_for(world.supervisor)
    empty = client.post(
        f"/api/v1/incidents/{incident.pk}/broadcasts",
        json.dumps({"body_ar": ""}),
        content_type="application/json",
    )
    assert empty.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):  # the sending job runs once the request commits
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/broadcasts",
            json.dumps({"kind": "resolution", "body_ar": UPDATE_AR}),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total"] == 2 and body["progress"]["pending"] == 2  # answered before the job ran
    assert {r["state"] for r in body["recipients"]} == {"pending"}
    detail = client.get(f"/api/v1/incidents/broadcasts/{body['id']}?state=sent").json()
    assert len(detail["recipients"]) == 2
    assert world.client_for(world.agent).get(f"/api/v1/incidents/broadcasts/{body['id']}").status_code == 403
    page = client.get(f"/workspace/incidents/broadcasts/{body['id']}/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="recipient"') == 2
    assert 'http-equiv="refresh"' not in page.content.decode()  # finished: the page stops refreshing
    assert (
        world.client_for(world.agent).get(f"/workspace/incidents/broadcasts/{body['id']}/").status_code == 404
    )


def test_empty_segment_message_on_the_page(world: Any) -> None:
    incident = declare(world)
    response = world.client_for(world.supervisor).post(
        f"/workspace/incidents/{incident.pk}/broadcast/", {"kind": "update", "body_ar": UPDATE_AR}
    )
    assert response.status_code == 400
    assert 'data-testid="error"' in response.content.decode()
    assert not Broadcast.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_postgresql_sender_skips_rows_another_sender_holds(world: Any, settings: Any) -> None:
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite's IMMEDIATE transactions serialize the claim")
    settings.AWN_TASKS_MODE = "off"
    incident = declare(world)
    affected_people(world, incident, 5)
    broadcast = create(world, incident)
    every = set(Recipient.objects.filter(broadcast=broadcast).values_list("pk", flat=True))
    held, release, got = threading.Event(), threading.Event(), {}

    def other_sender_mid_claim() -> None:
        try:
            with transaction.atomic():
                rows = Recipient.objects.select_for_update().filter(broadcast=broadcast).order_by("id")[:3]
                got["held"] = set(rows.values_list("pk", flat=True))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender_mid_claim)
    thread.start()
    assert held.wait(10)
    claimed = services._claim(broadcast.pk, Channel.WHATSAPP, 5)  # does not wait for the other's locks
    release.set()
    thread.join(10)
    assert set(claimed) == every - got["held"] and len(claimed) == 2


def test_the_sweep_job_finishes_a_broadcast_a_dead_sender_left(world: Any, settings: Any) -> None:
    from awn.incidents import tasks

    settings.AWN_TASKS_MODE = "off"
    incident = declare(world)
    people = affected_people(world, incident, 3)
    broadcast = create(world, incident)
    services._claim(broadcast.pk, Channel.WHATSAPP, 2)  # a sender claimed two rows, then died
    Recipient.objects.filter(state=RecipientState.SENDING).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    settings.AWN_TASKS_MODE = "sync"  # the sweep's nudge runs the job here
    tasks.sweep()
    assert replies_per_ticket() == {t.pk: 1 for t in people}
    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None
    tasks.sweep()  # nothing left: nothing sent again
    assert sum(replies_per_ticket().values()) == 3
