"""Retention per kind of data: the hourly job empties what is past its period, keeps the rest, and is idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from awn.connectors.models import InboundEvent, Inbox
from awn.crm.models import ExternalEvent
from awn.crm.services import external_event_record
from awn.notifications.models import Notification
from awn.privacy.retention import apply_retention
from awn.privacy.tasks import apply_retention as retention_job
from config.schedule import SCHEDULE

DAY = dt.timedelta(days=1)


def test_past_their_period_rows_are_emptied_once(world, settings):
    settings.AWN_RETENTION_DAYS = {
        "raw_channel_payloads": 90,
        "email_notifications": 180,
        "education_events": 365,
    }
    now = timezone.now()
    inbox = Inbox.objects.create(name="واتساب", kind="whatsapp")
    old_raw = InboundEvent.objects.create(
        inbox=inbox, external_id="a", payload={"from": "966501234567"}, status="done"
    )
    new_raw = InboundEvent.objects.create(
        inbox=inbox, external_id="b", payload={"from": "966501234567"}, status="done"
    )
    pending = InboundEvent.objects.create(
        inbox=inbox, external_id="c", payload={"from": "1"}, status="pending"
    )
    InboundEvent.objects.filter(pk__in=[old_raw.pk, pending.pk]).update(received_at=now - 91 * DAY)
    sent = Notification.objects.create(
        to_email="parent@example.sa", subject="s", body="b", status="sent", dedupe_key="n1"
    )
    Notification.objects.filter(pk=sent.pk).update(created_at=now - 181 * DAY)
    fresh = Notification.objects.create(
        to_email="parent@example.sa", subject="s", body="b", status="sent", dedupe_key="n2"
    )
    event, _created = external_event_record(
        event_id="e",
        event_type="login_failed",
        national_id=world.parent.national_id,
        reason="سبب",
        occurred_at=now - 366 * DAY,
    )

    assert apply_retention(now) == {
        "raw_channel_payloads": 1,
        "email_notifications": 1,
        "education_events": 1,
    }

    old_raw.refresh_from_db()
    new_raw.refresh_from_db()
    pending.refresh_from_db()
    assert old_raw.payload == {} and new_raw.payload == {"from": "966501234567"}
    assert pending.payload == {"from": "1"}  # not processed yet: never aged out
    assert Notification.objects.get(pk=sent.pk).to_email == ""
    assert Notification.objects.get(pk=fresh.pk).to_email == "parent@example.sa"
    event = ExternalEvent.objects.get(pk=event.pk)
    assert (event.reason, event.national_id, event.contact_id) == ("", "", world.parent.pk)
    # Idempotent.
    assert apply_retention(now) == {
        "raw_channel_payloads": 0,
        "email_notifications": 0,
        "education_events": 0,
    }


def test_zero_or_missing_period_keeps_everything(world, settings):
    settings.AWN_RETENTION_DAYS = {"raw_channel_payloads": 0}
    inbox = Inbox.objects.create(name="واتساب", kind="whatsapp")
    raw = InboundEvent.objects.create(inbox=inbox, external_id="a", payload={"x": 1}, status="done")
    InboundEvent.objects.filter(pk=raw.pk).update(received_at=timezone.now() - 1000 * DAY)
    assert sum(apply_retention().values()) == 0
    settings.AWN_RETENTION_DAYS = {}
    assert retention_job() == 0


def test_the_job_is_scheduled():
    assert "awn.privacy.tasks.apply_retention" in {p.task for p in SCHEDULE}
