"""Business calendars (weekly working hours, date-range overrides and holidays, all in Asia/Riyadh), SLA
policies, the clocks they open on tickets and the metric events those clocks record.

The arithmetic lives in business_time.py (pure); these rows are read into it by selectors.calendar_for.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.core.models import TimeStampedModel
from awn.tickets.models import Ticket

from .enums import ClockState, HolidayKind, Metric, MetricEventKind, RecomputeState


class BusinessCalendar(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    # {"sun": [[28800, 57600]], …}: seconds from midnight, weekday keys mon…sun; a missing day is closed.
    weekly_hours = models.JSONField(_("weekly hours"), default=dict)
    is_default = models.BooleanField(_("default calendar"), default=False)
    # Bumped by every change to this calendar, its overrides or a holiday it follows: the built calendar is
    # cached per (id, version).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("business calendar")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sla_one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamCalendar(models.Model):
    """Which calendar a team works on; a team without a row works on the default calendar."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True, related_name="+")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="team_links")


class CalendarOverride(TimeStampedModel):
    """Hours that replace the weekly pattern from first_day to last_day (Ramadan, exams, an emergency Saturday)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="overrides")
    name = models.CharField(_("name"), max_length=120)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    # Same form as BusinessCalendar.weekly_hours; a weekday left out is closed during the override.
    weekly_hours = models.JSONField(_("hours"), default=dict)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="sla_override_range_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(TimeStampedModel):
    """No work from first_day to last_day. Without a calendar it is national: every calendar follows it."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, null=True, blank=True, related_name="holidays"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HolidayKind.choices, default=HolidayKind.OTHER)
    name_ar = models.CharField(_("name in Arabic"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    first_day = models.DateField(_("first day"), db_index=True)
    last_day = models.DateField(_("last day"))
    # The Umm al-Qura date the holiday is defined by (1 Shawwal 1448 for Eid al-Fitr), when it is a Hijri one.
    hijri_year = models.PositiveSmallIntegerField(null=True, blank=True)
    hijri_month = models.PositiveSmallIntegerField(null=True, blank=True)
    hijri_day = models.PositiveSmallIntegerField(null=True, blank=True)
    # True until an admin confirms the announced dates.
    estimated = models.BooleanField(_("estimated"), default=False)
    # When an admin last confirmed or edited it: seeding again never overwrites a reviewed holiday.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Set on seeded holidays ("eid_al_fitr:1448", "national_day:2027") so seeding again updates, never doubles.
    seed_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="sla_holiday_range_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.name_ar

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def default_pause_statuses() -> list[str]:
    return ["pending"]


class SlaPolicy(TimeStampedModel):
    """A promise: ordered by `position`, the first active policy whose conditions all match a ticket (an empty
    list matches anything) and that has targets for its priority applies; else the default policy.

    `targets`: {priority: {metric: {"minutes": int, "business": bool}}}; a metric left out has no clock.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default policy"), default=False)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    contact_types = models.JSONField(_("contact types"), default=list, blank=True)
    team_ids = models.JSONField(_("teams"), default=list, blank=True)
    # A school or an education office (a ticket of one of its schools matches the office).
    organization_ids = models.JSONField(_("schools / education offices"), default=list, blank=True)
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    # Statuses that pause resolution (requester wait pauses only while waiting on the customer).
    pause_statuses = models.JSONField(
        _("statuses that pause resolution"), default=default_pause_statuses, blank=True
    )
    warning_percent = models.PositiveSmallIntegerField(_("warn at this percent of the target"), default=75)
    hold_alerts_outside_hours = models.BooleanField(
        _("hold warnings and breaches until business hours"), default=False
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["is_default", "position", "pk"]
        verbose_name = _("SLA policy")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sla_one_default_policy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaClock(models.Model):
    """One metric of one ticket. Running time is `used_seconds` (counted up to `resumed_at`) plus the time since
    `resumed_at`, in business or calendar seconds; due_at = resumed_at + (target - used) in that time."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks", db_index=False)
    metric = models.CharField(max_length=16, choices=Metric.choices)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.ACTIVE)
    target_seconds = models.PositiveIntegerField()
    business = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)
    used_seconds = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    # The warning of this cycle was sent (a recomputed warn_at never sends it twice).
    warned = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="sla_clock_once")]
        indexes = [
            # The scan: active clocks by due time and by warning time (range queries on partial indexes).
            models.Index(fields=["due_at"], name="sla_clock_due", condition=models.Q(state="active")),
            models.Index(
                fields=["warn_at"],
                name="sla_clock_warn",
                condition=models.Q(state="active", warn_at__isnull=False),
            ),
        ]


class SlaMetricEvent(models.Model):
    """A clock's history (activate, pause, fulfil, breach, warning): the rows SLA KPIs are computed from.

    A warning or a breach is written once per (ticket, metric, kind, due time): the scan running twice, or again after a
    restart, finds the row and emits nothing."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    metric = models.CharField(max_length=16, choices=Metric.choices)
    kind = models.CharField(max_length=10, choices=MetricEventKind.choices)
    at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    policy_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "kind", "due_at"],
                condition=models.Q(kind__in=["warning", "breach"]),
                name="sla_alert_once",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "at"], name="sla_event_ticket"),
            models.Index(fields=["metric", "kind", "at"], name="sla_event_kpi"),
        ]


class SlaRecompute(models.Model):
    """A background recomputation of the open tickets' due times (after a policy, calendar or holiday edit).
    Resumable: it walks tickets by id from `last_ticket_id`; `done` of `total` drives the progress bar."""

    reason = models.CharField(max_length=200)
    state = models.CharField(max_length=8, choices=RecomputeState.choices, default=RecomputeState.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    last_ticket_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)
