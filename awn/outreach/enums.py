from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Whom a segment's criteria select: the people themselves, or the parents of the students they select."""

    PEOPLE = "people", _("The people selected")
    PARENTS = "parents", _("Parents of the students selected")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Not launched")  # recipients counted and checked, nothing sent until launched
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")  # nothing more is sent until it is launched again
    DONE = "done", _("Done")


class RecipientState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


DONE_STATES = (RecipientState.SENT, RecipientState.FAILED, RecipientState.SKIPPED)
# The channels a guide goes out on (a person's preferred one among them).
CHANNELS = ("whatsapp", "telegram", "email")
