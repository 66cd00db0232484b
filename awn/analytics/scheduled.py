"""Scheduled reports (issue 17 item 5): a supervisor subscribes to the KPI report of each complete week (Sunday to
Saturday, Riyadh) or calendar month; a periodic job (config/schedule.py) emails it, as a PDF and an XLSX, in the
subscription's language, once per period.

Once: the job writes one ReportDelivery row per (subscription, period) — a unique key, so a second run, a restarted
scheduler or two workers at once find the row there — and sends only rows still pending, each claimed under a
lease (awn.core.leases.claim_attempt, shared with the notifications' outbox). A crash after
the claim leaves the row pending: it is sent when the lease ends. The one window left is a crash after the mail
server took the message and before the row says sent; the retry then carries the same Message-ID, which mail
clients use to drop the duplicate.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from awn.accounts.models import User
from awn.core import formatting
from awn.core.leases import attempt_failed, claim_attempt

from .enums import DeliveryStatus, ReportFrequency
from .exports import to_xlsx
from .models import ReportDelivery, ReportSubscription
from .pdf import report_pdf
from .policies import can_view_reports, restricted_team_id
from .reports import build_report, kpi_table
from .selectors import REPORT_TZ, ReportFilter

logger = logging.getLogger("awn.analytics.scheduled")

MAX_ATTEMPTS = 6
LEASE_SECONDS = 300  # building the report and sending it take less; then another run may try again
BACKOFF_SECONDS = 600


def last_complete_period(frequency: str, today: date) -> tuple[date, date]:
    """The most recent whole period that ended before `today`: a Saudi week runs Sunday to Saturday."""
    if frequency == ReportFrequency.WEEKLY:
        this_sunday = today - timedelta(days=today.isoweekday() % 7)
        return this_sunday - timedelta(days=7), this_sunday - timedelta(days=1)
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def subscription_create(
    *, owner: User, frequency: str, recipients: list[str], language: str, team_id: int | None, by: str
) -> ReportSubscription:
    """A new subscription (the form has validated every field). An outsourced team's supervisor gets their own
    team whatever was asked."""
    only = restricted_team_id(owner)
    return ReportSubscription.objects.create(
        owner=owner,
        frequency=frequency,
        recipients=", ".join(recipients),
        language=language,
        team_id=only if only is not None else team_id,
        by=by,
    )


def subscription_delete(*, owner: User, subscription_id: int) -> bool:
    """Delete one of the owner's subscriptions (an administrator may delete any); False when none matched."""
    rows = ReportSubscription.objects.filter(pk=subscription_id)
    if owner.role != "admin":
        rows = rows.filter(owner=owner)
    deleted, _detail = rows.delete()
    return bool(deleted)


def deliveries_plan(now: datetime) -> int:
    """One pending row for the last complete period of every active subscription (no-op when it exists)."""
    today = now.astimezone(REPORT_TZ).date()
    planned = 0
    for sub in ReportSubscription.objects.filter(active=True).only("pk", "frequency"):
        start, end = last_complete_period(sub.frequency, today)
        if ReportDelivery.objects.filter(subscription_id=sub.pk, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                ReportDelivery.objects.create(
                    subscription_id=sub.pk, period_start=start, period_end=end, next_attempt_at=now
                )
            planned += 1
        except IntegrityError:  # another run planned it a moment ago
            continue
    return planned


def build_message(delivery: ReportDelivery) -> EmailMessage:
    """The email of one delivery, in its subscription's language: the report as PDF and its indicators as XLSX."""
    sub = delivery.subscription
    owner = sub.owner
    flt = ReportFilter(
        start=delivery.period_start,
        end=delivery.period_end,
        team=str(sub.team_id) if sub.team_id is not None else "",
    )
    # In the subscriber's language and the owner's digits (the layer of awn.core.formatting, as on the pages).
    with translation.override(sub.language), formatting.override_digits(owner.digits):
        report = build_report(flt, only_team_id=restricted_team_id(owner), by=sub.by)
        period = (
            f"{formatting.gregorian(delivery.period_start)} – {formatting.gregorian(delivery.period_end)}"
        )
        kind = _("weekly") if sub.frequency == ReportFrequency.WEEKLY else _("monthly")
        subject = _("Awn — %(kind)s report, %(period)s") % {"kind": kind, "period": period}
        body = _(
            "The %(kind)s indicators report of Awn for %(period)s is attached, as a PDF and as an Excel "
            "workbook.\n\nYou receive it because %(owner)s subscribed you; they can stop it on the reports page."
        ) % {"kind": kind, "period": period, "owner": owner.get_full_name() or owner.username}
        pdf = report_pdf(report)
        xlsx = to_xlsx(kpi_table(report))
    stamp = delivery.period_start.strftime("%Y%m%d")
    message = EmailMessage(
        subject=subject,
        body=body,
        to=sub.recipient_list,
        headers={"Message-ID": f"<awn-report-{delivery.pk}@awn.invalid>"},
    )
    message.attach(f"awn-report-{stamp}.pdf", pdf, "application/pdf")
    message.attach(
        f"awn-indicators-{stamp}.xlsx",
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return message


def delivery_send(delivery_id: int, *, now: datetime | None = None) -> bool:
    """Send one due delivery; a failure is kept and retried later, up to MAX_ATTEMPTS."""
    now = now or timezone.now()
    row = claim_attempt(
        ReportDelivery.objects.all(),
        delivery_id,
        pending=DeliveryStatus.PENDING,
        now=now,
        lease_seconds=LEASE_SECONDS,
    )
    if row is None:
        return False
    owner = row.subscription.owner
    if not can_view_reports(owner):
        # The owner lost the right to read reports: nothing goes out in their name.
        ReportDelivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.FAILED, last_error="owner may no longer read reports"
        )
        return False
    try:
        build_message(row).send()
    except Exception as exc:  # any transport or rendering error: keep the row, retry later
        last = row.attempts >= MAX_ATTEMPTS
        attempt_failed(
            row,
            exc,
            last=last,
            pending=DeliveryStatus.PENDING,
            failed=DeliveryStatus.FAILED,
            retry_at=now + timedelta(seconds=BACKOFF_SECONDS * row.attempts),
        )
        logger.warning("scheduled report %s attempt %s not sent: %s", row.pk, row.attempts, exc)
        return False
    ReportDelivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    logger.info(
        "analytics export",
        extra={"user_id": owner.pk, "table": "report", "format": "email", "unmasked": False, "rows": 0},
    )
    return True


def reports_send_due(*, now: datetime | None = None) -> int:
    """The periodic job: plan this period's rows, then send every pending row that is due; how many went out."""
    now = now or timezone.now()
    deliveries_plan(now)
    due = ReportDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    return sum(delivery_send(pk, now=now) for pk in list(due.values_list("pk", flat=True)))
