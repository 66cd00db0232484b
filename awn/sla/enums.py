from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    EID_AL_FITR = "eid_al_fitr", _("Eid al-Fitr")
    EID_AL_ADHA = "eid_al_adha", _("Eid al-Adha")
    FOUNDING_DAY = "founding_day", _("Founding Day")
    NATIONAL_DAY = "national_day", _("National Day")
    ACADEMIC_BREAK = "academic_break", _("Academic break")
    OTHER = "other", _("Other holiday")


class Metric(models.TextChoices):
    """What a policy promises (Zendesk's SLA metrics)."""

    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    PERIODIC_UPDATE = "periodic_update", _("Periodic update")
    RESOLUTION = "resolution", _("Resolution")
    REQUESTER_WAIT = "requester_wait", _("Requester wait")


class ClockState(models.TextChoices):
    ACTIVE = "active", _("Running")
    PAUSED = "paused", _("Paused")
    FULFILLED = "fulfilled", _("Met")
    BREACHED = "breached", _("Breached")


# A running clock counts time; a breached one still runs until it is fulfilled (it was late).
RUNNING_STATES = (ClockState.ACTIVE, ClockState.BREACHED)


class MetricEventKind(models.TextChoices):
    """Zendesk's metric events, plus the warning Awn sends before a breach."""

    ACTIVATE = "activate", _("Started")
    PAUSE = "pause", _("Paused")
    FULFIL = "fulfil", _("Met")
    BREACH = "breach", _("Breached")
    WARNING = "warning", _("Warning")


class RecomputeState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
