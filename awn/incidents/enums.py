from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("Resolved")


class BroadcastKind(models.TextChoices):
    UPDATE = "update", _("Update")
    RESOLUTION = "resolution", _("Resolution")


class RecipientState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


DONE_STATES = (RecipientState.SENT, RecipientState.FAILED)
