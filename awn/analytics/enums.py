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
