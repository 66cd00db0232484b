"""Every write of routing: known peaks, the half-hourly contact counts (the forecast's history)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.errors import NotFound, PermissionDenied, ValidationError
from awn.tickets.enums import Channel
from awn.tickets.models import Ticket

from .forecast import DEFAULT_WEEKS, INTERVAL_MINUTES
from .models import IntervalVolume, PeakEvent
from .policies import can_plan_staffing

PEAK_NAME_MAX = 120
PEAK_MAX_DAYS = 366
PEAK_MULTIPLIER_MIN = Decimal("0.10")
PEAK_MULTIPLIER_MAX = Decimal("50")
# The periodic recount covers the last ROLLUP_RECENT_HOURS (late rows, clock skew); the first run the whole
# forecast window.
ROLLUP_RECENT_HOURS = 48


# ---- known peaks ---------------------------------------------------------------------------------------------


def _multiplier(value: object) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The multiplier must be a number."), field="multiplier") from None
    if not PEAK_MULTIPLIER_MIN <= number <= PEAK_MULTIPLIER_MAX:
        raise ValidationError(_("The multiplier must be between 0.1 and 50."), field="multiplier")
    return number


@transaction.atomic
def peak_create(
    *,
    actor: User,
    name: str,
    first_day: date,
    last_day: date,
    multiplier: object,
    channel: str = "",
) -> PeakEvent:
    """A known peak: contacts × multiplier on its days (every channel when `channel` is empty)."""
    if not can_plan_staffing(actor):
        raise PermissionDenied()
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the peak a name."), field="name")
    if len(name) > PEAK_NAME_MAX:
        raise ValidationError(_("The name is too long (at most 120 characters)."), field="name")
    if last_day < first_day:
        raise ValidationError(_("The last day comes before the first day."), field="last_day")
    if (last_day - first_day).days >= PEAK_MAX_DAYS:
        raise ValidationError(_("A peak lasts at most a year."), field="last_day")
    if channel and channel not in Channel.values:
        raise ValidationError(_("Unknown channel."), field="channel")
    return PeakEvent.objects.create(
        name=name,
        first_day=first_day,
        last_day=last_day,
        multiplier=_multiplier(multiplier),
        channel=channel,
        created_by=actor,
    )


@transaction.atomic
def peak_delete(*, actor: User, peak_id: int) -> None:
    if not can_plan_staffing(actor):
        raise NotFound()
    deleted, _rows = PeakEvent.objects.filter(pk=peak_id).delete()
    if not deleted:
        raise NotFound()


# ---- contact counts --------------------------------------------------------------------------------------------


def interval_floor(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % INTERVAL_MINUTES, second=0, microsecond=0)


@transaction.atomic
def volumes_rollup(since: datetime, until: datetime) -> int:
    """Count the tickets created per channel and half-hour in [since, until) (widened to whole intervals) and
    replace the stored counts of that window: idempotent, a rerun after a crash gives the same rows. One grouped
    query over the created_at index; returns the number of non-empty intervals."""
    since = interval_floor(since)
    until = interval_floor(until) + timedelta(minutes=INTERVAL_MINUTES)
    grouped = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .annotate(
            hour=TruncHour("created_at", tzinfo=UTC),
            half=Case(
                When(created_at__minute__gte=30, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .values("channel", "hour", "half")
        .annotate(n=Count("id"))
    )
    rows = [
        IntervalVolume(
            channel=row["channel"],
            start=row["hour"].astimezone(UTC) + timedelta(minutes=INTERVAL_MINUTES * row["half"]),
            contacts=row["n"],
        )
        for row in grouped
    ]
    IntervalVolume.objects.filter(start__gte=since, start__lt=until).delete()
    IntervalVolume.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def volumes_rollup_recent(now: datetime | None = None) -> int:
    """The periodic recount: the last ROLLUP_RECENT_HOURS, or the whole forecast window when nothing is stored."""
    now = now or timezone.now()
    hours = ROLLUP_RECENT_HOURS if IntervalVolume.objects.exists() else DEFAULT_WEEKS * 7 * 24
    return volumes_rollup(now - timedelta(hours=hours), now)
