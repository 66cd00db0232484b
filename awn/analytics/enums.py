from django.db import models
from django.utils.translation import gettext_lazy as _


class FactEventKind(models.TextChoices):
    """What the append-only analytics log records; every fact is a fold of these rows."""

    CREATED = "created", _("Created")
    REPLY = "reply", _("Public reply")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    UPDATED = "updated", _("Updated")
    MERGED = "merged", _("Merged")
    RATED = "rated", _("Rated")
    CONTACT_MERGED = "contact_merged", _("Contacts merged")
    SURVEYED = "surveyed", _("Survey sent")


class ReportFrequency(models.TextChoices):
    """How often a scheduled report goes out: each complete Saudi week (Sunday to Saturday) or calendar month."""

    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
