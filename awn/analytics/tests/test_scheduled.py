"""Scheduled reports (issue 17 item 5): a supervisor subscribes (weekly or monthly, recipients, language); the
periodic job emails the PDF and the XLSX once per period — across a restarted scheduler, a crash mid-send and a
failing mail server."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from openpyxl import load_workbook

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.analytics.enums import DeliveryStatus
from awn.analytics.models import ReportDelivery, ReportSubscription
from awn.analytics.scheduled import (
    LEASE_SECONDS,
    last_complete_period,
    reports_send_due,
    subscription_create,
)
from awn.core.leases import claim_attempt
from config.schedule import SCHEDULE

from .test_pdf import pdf_text, words

URL = "/workspace/analytics/subscriptions/"
# Wednesday 9 December 2026, 08:00 in Riyadh: the last complete week is Sunday 29 Nov – Saturday 5 Dec.
NOW = datetime(2026, 12, 9, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "today", "expected"),
    [
        ("weekly", date(2026, 12, 9), (date(2026, 11, 29), date(2026, 12, 5))),  # a Wednesday
        (
            "weekly",
            date(2026, 12, 6),
            (date(2026, 11, 29), date(2026, 12, 5)),
        ),  # Sunday: last week just ended
        (
            "weekly",
            date(2026, 12, 5),
            (date(2026, 11, 22), date(2026, 11, 28)),
        ),  # Saturday: this week is not over
        ("monthly", date(2026, 12, 9), (date(2026, 11, 1), date(2026, 11, 30))),
        ("monthly", date(2027, 3, 1), (date(2027, 2, 1), date(2027, 2, 28))),
        ("monthly", date(2027, 1, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_the_last_complete_period_by_hand(frequency: str, today: date, expected: tuple[date, date]) -> None:
    assert last_complete_period(frequency, today) == expected


def test_the_job_is_declared_in_the_schedule() -> None:
    from awn.analytics.tasks import send_scheduled_reports

    assert any(p.task == "awn.analytics.tasks.send_scheduled_reports" for p in SCHEDULE)
    assert callable(send_scheduled_reports)


@pytest.mark.django_db
def test_a_supervisor_subscribes_through_the_page_and_bad_input_is_refused(world: Any) -> None:
    client = world.client_for(world.supervisor)
    page = client.get(URL)
    assert page.status_code == 200 and 'data-testid="subscriptions-empty"' in page.content.decode()
    bad = client.post(
        URL, {"frequency": "weekly", "recipients": "boss@example.sa, ليس-بريدا", "language": "ar"}
    )
    assert bad.status_code == 400 and "ليس-بريدا" in bad.content.decode()  # the Arabic error names it
    assert "ليس عنوان بريد إلكتروني" in bad.content.decode()
    assert not ReportSubscription.objects.exists()
    none = client.post(URL, {"frequency": "weekly", "recipients": " , ", "language": "ar", "by": "team_id"})
    assert none.status_code == 400 and not ReportSubscription.objects.exists()
    ok = client.post(
        URL,
        {
            "frequency": "monthly",
            "recipients": "boss@example.sa\nqa@example.sa، BOSS@example.sa",
            "language": "en",
            "team": "",
            "by": "channel",
        },
    )
    assert ok.status_code == 302
    sub = ReportSubscription.objects.get()
    assert sub.owner == world.supervisor and sub.frequency == "monthly" and sub.language == "en"
    assert sub.recipient_list == ["boss@example.sa", "qa@example.sa"] and sub.by == "channel"
    assert world.client_for(world.agent).get(URL).status_code == 404
    assert world.client_for(world.agent).post(f"{URL}{sub.pk}/delete/").status_code == 404
    other = user_create(username="boss2", password="a-long-password-1", role=Role.SUPERVISOR)
    assert world.client_for(other).post(f"{URL}{sub.pk}/delete/").status_code == 404  # not theirs
    assert client.post(f"{URL}{sub.pk}/delete/").status_code == 302
    assert not ReportSubscription.objects.exists()


@pytest.mark.django_db
def test_an_outsourced_supervisor_subscribes_to_their_own_team_only(world: Any) -> None:
    boss = user_create(
        username="vboss", password="a-long-password-1", role=Role.SUPERVISOR, team=world.vendor
    )
    sub = subscription_create(
        owner=boss, frequency="weekly", recipients=["v@example.sa"], language="ar", team_id=None, by="team_id"
    )
    assert sub.team_id == world.vendor.pk


def _subscribe(world: Any, language: str = "ar", frequency: str = "weekly") -> ReportSubscription:
    return subscription_create(
        owner=world.supervisor,
        frequency=frequency,
        recipients=["boss@example.sa", "qa@example.sa"],
        language=language,
        team_id=None,
        by="team_id",
    )


@pytest.mark.django_db
def test_the_job_emails_the_pdf_and_the_xlsx_once_per_period_across_restarts(world: Any) -> None:
    _subscribe(world)
    assert reports_send_due(now=NOW) == 1
    (message,) = mail.outbox
    assert message.to == ["boss@example.sa", "qa@example.sa"]
    assert "2026-11-29" in message.subject and "2026-12-05" in message.subject and "أسبوعي" in message.subject
    (pdf_name, pdf, pdf_type), (xlsx_name, xlsx, _type) = message.attachments
    assert pdf_type == "application/pdf" and pdf_name.endswith(".pdf") and xlsx_name.endswith(".xlsx")
    text = pdf_text(pdf)
    assert words("تقرير المؤشرات زمن الرد الأول") <= words(text) and "2026-11-29" in text
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None and sheet.sheet_view.rightToLeft and sheet["A1"].value == "المؤشر"
    # The scheduler restarts (a new process runs the job again), later the same day and the next day: no resend.
    assert reports_send_due(now=NOW) == 0
    assert reports_send_due(now=NOW + timedelta(hours=1)) == 0
    assert reports_send_due(now=NOW + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1 and ReportDelivery.objects.get().status == DeliveryStatus.SENT
    # The next week ends: one more email.
    assert reports_send_due(now=NOW + timedelta(days=7)) == 1
    assert len(mail.outbox) == 2 and "2026-12-06" in mail.outbox[1].subject


@pytest.mark.django_db
def test_a_crash_after_the_claim_sends_once_when_the_lease_ends(world: Any) -> None:
    _subscribe(world)
    from awn.analytics.scheduled import deliveries_plan

    deliveries_plan(NOW)
    delivery = ReportDelivery.objects.get()
    taken = claim_attempt(
        ReportDelivery.objects.all(),
        delivery.pk,
        pending=DeliveryStatus.PENDING,
        now=NOW,
        lease_seconds=LEASE_SECONDS,
    )
    assert taken is not None  # the worker took it, then died before sending
    assert reports_send_due(now=NOW + timedelta(seconds=60)) == 0  # still leased: nobody else sends it
    assert not mail.outbox
    assert reports_send_due(now=NOW + timedelta(seconds=LEASE_SECONDS + 1)) == 1
    assert reports_send_due(now=NOW + timedelta(seconds=LEASE_SECONDS + 2)) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<awn-report-{delivery.pk}@awn.invalid>"


@pytest.mark.django_db
def test_a_failing_mail_server_is_retried_and_the_report_goes_once(world: Any, settings: Any) -> None:
    _subscribe(world)
    settings.EMAIL_BACKEND = "awn.analytics.tests.test_scheduled.BrokenBackend"
    assert reports_send_due(now=NOW) == 0
    delivery = ReportDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "refused" in delivery.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reports_send_due(now=NOW + timedelta(minutes=1)) == 0  # not due yet (backoff)
    assert reports_send_due(now=NOW + timedelta(hours=1)) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_english_subscriptions_get_english_reports_and_a_demoted_owner_sends_nothing(world: Any) -> None:
    _subscribe(world, language="en", frequency="monthly")
    assert reports_send_due(now=NOW) == 1
    (message,) = mail.outbox
    assert "monthly" in message.subject and "2026-11-01" in message.subject
    assert "First reply time" in pdf_text(message.attachments[0][1]).replace("\n", " ")  # a cell may wrap
    world.supervisor.role = Role.AGENT
    world.supervisor.save()
    assert reports_send_due(now=NOW + timedelta(days=31)) == 0
    assert len(mail.outbox) == 1
    assert ReportDelivery.objects.order_by("-period_start").first().status == DeliveryStatus.FAILED  # type: ignore[union-attr]


class BrokenBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("the mail server refused the connection")
