"""Recomputation: a policy, calendar or holiday edit reschedules every open ticket in the background, in
resumable, idempotent batches with their progress stored; policy edits are validated before anything is saved."""

from __future__ import annotations

import pytest

from awn.core.errors import ValidationError
from awn.sla.enums import Metric, RecomputeState
from awn.sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaRecompute
from awn.sla.recompute import recompute_run, recompute_start, resume_stalled
from awn.sla.services import calendar_update, holiday_save, policy_delete, policy_save
from awn.sla.tests.helpers import HOUR, NORMAL, URGENT, riyadh
from awn.tickets.enums import Category, Status
from awn.tickets.services import ticket_update

pytestmark = pytest.mark.django_db


def due(ticket, metric=Metric.RESOLUTION):
    return SlaClock.objects.get(ticket=ticket, metric=metric).due_at


def test_a_calendar_edit_recomputes_every_open_ticket_in_the_background(
    world, policies, now, django_capture_on_commit_callbacks
) -> None:
    tickets = [world.ticket(subject=f"تذكرة {i}") for i in range(3)]
    closed = world.ticket(subject="مغلقة")
    ticket_update(ticket=closed, actor=world.agent, changes={"status": Status.CLOSED})
    assert due(tickets[0]) == riyadh(2026, 12, 7, 9, 0)  # 8 h from Sunday 09:00: 7 h Sunday, 1 h Monday
    calendar = BusinessCalendar.objects.get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_update(
            calendar=calendar,
            name=calendar.name,
            weekly_hours={day: [(8 * HOUR, 12 * HOUR)] for day in (6, 0, 1, 2, 3)},
        )
    # 8 h from Sunday 09:00 on 08:00–12:00: Sunday 3 h, Monday 4 h, Tuesday 1 h = Tuesday 09:00.
    for ticket in tickets:
        assert due(ticket) == riyadh(2026, 12, 8, 9, 0)
        assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 6, 10, 0)
        ticket.refresh_from_db()
        assert ticket.next_due_at == riyadh(2026, 12, 6, 10, 0)
    run = SlaRecompute.objects.get()
    assert (run.state, run.total, run.done, run.percent) == (RecomputeState.DONE, 3, 3, 100)


def test_a_holiday_recomputes_too(world, policies, now, django_capture_on_commit_callbacks) -> None:
    ticket = world.ticket()
    with django_capture_on_commit_callbacks(execute=True):
        holiday_save(
            name_ar="يوم إضافي", first_day=riyadh(2026, 12, 6).date(), last_day=riyadh(2026, 12, 6).date()
        )
    assert due(ticket) == riyadh(2026, 12, 7, 16, 0)  # Sunday off: the 8 hours are Monday's


def test_editing_a_policy_recomputes_and_snapshots_it_again(
    world, policies, now, django_capture_on_commit_callbacks
) -> None:
    ticket = world.ticket(category=Category.TRANSFER)
    with django_capture_on_commit_callbacks(execute=True):
        transfers = policy_save(
            name="النقل", position=1, categories=[Category.TRANSFER], targets={"normal": URGENT}
        )
    ticket.refresh_from_db()
    assert ticket.sla_policy_id == transfers.pk and ticket.sla_snapshot["version"] == 1
    assert due(ticket) == riyadh(2026, 12, 6, 11, 0)  # 2 h from 09:00
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 6, 9, 30)
    with django_capture_on_commit_callbacks(execute=True):
        policy_delete(policy=transfers)
    ticket.refresh_from_db()
    assert ticket.sla_policy_id == policies.pk and due(ticket) == riyadh(2026, 12, 7, 9, 0)


def test_a_recomputation_resumes_where_it_stopped_and_is_idempotent(world, policies, now) -> None:
    tickets = [world.ticket(subject=f"تذكرة {i}") for i in range(5)]
    SlaPolicy.objects.filter(pk=policies.pk).update(
        targets={"normal": {**NORMAL, "resolution": {"minutes": 120}}}
    )
    run = recompute_start("test")
    # A worker died after the first two tickets: the sweep resumes the run from the third.
    SlaRecompute.objects.filter(pk=run.pk).update(done=2, last_ticket_id=tickets[1].pk)
    resume_stalled()
    run.refresh_from_db()
    assert (run.state, run.done) == (RecomputeState.DONE, 5)
    assert due(tickets[0]) == riyadh(2026, 12, 7, 9, 0)  # skipped: the dead worker had done it (before)
    assert [due(t) for t in tickets[2:]] == [riyadh(2026, 12, 6, 11, 0)] * 3
    again = recompute_start("again")
    recompute_run(again.pk, batch_size=2)
    first = [due(t) for t in tickets]
    recompute_run(recompute_start("twice").pk, batch_size=3)
    assert [due(t) for t in tickets] == first == [riyadh(2026, 12, 6, 11, 0)] * 5


def test_a_newer_run_supersedes_a_running_one(world, policies) -> None:
    old = recompute_start("old")
    new = recompute_start("new")
    old.refresh_from_db()
    assert old.state == RecomputeState.DONE and new.state == RecomputeState.RUNNING
    stopped = recompute_run(old.pk)  # it does nothing more
    assert stopped is not None and stopped.state == RecomputeState.DONE


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"categories": ["nonsense"]}, "categories"),
        ({"channels": ["fax"]}, "channels"),
        ({"team_ids": [999999]}, "team_ids"),
        ({"organization_ids": ["x"]}, "organization_ids"),
        ({"pause_statuses": ["resolved"]}, "pause_statuses"),
        ({"warning_percent": 100}, "warning_percent"),
        ({"targets": {"normal": {"first_reply": {"minutes": 0}}}}, "targets"),
        ({"targets": {"normal": {"first_reply": {"minutes": 10**7}}}}, "target_normal_first_reply"),
        ({"targets": {"someday": {"first_reply": {"minutes": 5}}}}, "targets"),
        ({"targets": {"normal": {"lunch": {"minutes": 5}}}}, "targets"),
        ({"name": "السياسة الافتراضية"}, "name"),
    ],
)
def test_an_invalid_policy_is_refused_with_a_clear_error_and_nothing_is_saved(
    world, policies, changes, field
) -> None:
    values = {"name": "جديدة", "targets": {"normal": NORMAL}, **changes}
    before = list(SlaPolicy.objects.values_list("pk", "version"))
    with pytest.raises(ValidationError) as error:
        policy_save(**values)
    assert error.value.field == field and str(error.value.message)
    assert list(SlaPolicy.objects.values_list("pk", "version")) == before
    assert not SlaRecompute.objects.exists()


def test_the_default_policy_stays_active_and_cannot_be_deleted(world, policies) -> None:
    policy_save(policy=policies, name=policies.name, targets={"normal": NORMAL}, is_active=False)
    policies.refresh_from_db()
    assert policies.is_active and policies.version == 2
    with pytest.raises(ValidationError):
        policy_delete(policy=policies)


def test_the_calendar_fast_path_agrees_with_the_full_recomputation(
    world, policies, now, django_capture_on_commit_callbacks
) -> None:
    tickets = [
        world.ticket(subject=f"تذكرة {i}", priority=p) for i, p in enumerate(["normal", "urgent", "low"])
    ]
    now.value = riyadh(2026, 12, 6, 10, 0)
    ticket_update(ticket=tickets[2], actor=world.agent, changes={"status": Status.PENDING})
    calendar = BusinessCalendar.objects.get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_update(
            calendar=calendar,
            name=calendar.name,
            weekly_hours={day: [(9 * HOUR, 13 * HOUR), (14 * HOUR, 17 * HOUR)] for day in (6, 0, 1, 2, 3)},
        )
    assert SlaRecompute.objects.get().reason == "calendar"

    def state() -> list[object]:
        return list(
            SlaClock.objects.order_by("pk").values_list(
                "pk", "state", "due_at", "warn_at", "ticket__next_due_at"
            )
        )

    fast = state()
    recompute_run(recompute_start("policy").pk)
    assert state() == fast


def test_a_calendar_run_replacing_a_policy_run_matches_policies_too(world, policies) -> None:
    recompute_start("policy")
    assert recompute_start("calendar").reason == "policy"
    assert recompute_start("calendar").reason == "policy"  # it replaced an unfinished policy run again
    SlaRecompute.objects.update(state=RecomputeState.DONE)
    assert recompute_start("calendar").reason == "calendar"
