"""Routing and workforce rows: known peaks entered by supervisors, contacts counted per half-hour (the forecast's
history, recounted by a periodic job so the page never scans the ticket table)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.core.models import TimeStampedModel
from awn.tickets.enums import Channel


class PeakEvent(TimeStampedModel):
    """A known peak (registration opens, results come out): contacts × multiplier on its days, for one channel or
    all. Past peaks are divided out of the history so they do not inflate ordinary days."""

    name = models.CharField(_("name"), max_length=120)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    multiplier = models.DecimalField(_("multiplier"), max_digits=5, decimal_places=2)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-first_day"]
        indexes = [models.Index(fields=["last_day", "first_day"], name="routing_peak_days")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="routing_peak_range_in_order"
            ),
            models.CheckConstraint(
                condition=models.Q(multiplier__gt=0), name="routing_peak_multiplier_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IntervalVolume(models.Model):
    """Contacts created in one channel during one 30-minute interval (start in UTC; Riyadh has no DST)."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    start = models.DateTimeField()
    contacts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "start"], name="routing_volume_channel_start")
        ]
