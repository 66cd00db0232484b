"""Business calendars: weekly working hours, date-range overrides and holidays, all in Asia/Riyadh.

The arithmetic lives in business_time.py (pure); these rows are read into it by selectors.calendar_for.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.core.models import TimeStampedModel

from .enums import HolidayKind


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
