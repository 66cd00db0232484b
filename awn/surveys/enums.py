from django.db import models
from django.utils.translation import gettext_lazy as _


class Refusal(models.TextChoices):
    """Why a survey link is refused (each with its own polite page)."""

    INVALID = "invalid", _("This survey link is not valid.")
    EXPIRED = "expired", _("This survey link has expired.")
    ANSWERED = "answered", _("This survey was already answered. Thank you!")
    OPTED_OUT = "opted_out", _("You asked us not to send you surveys.")
    REOPENED = "reopened", _("This ticket was opened again; you can rate it once it is resolved.")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class CommentTopic(models.TextChoices):
    """What a survey comment is about (the service, not the ticket's own category)."""

    WAITING = "waiting", _("Waiting and speed")
    STAFF = "staff", _("Staff and courtesy")
    SOLUTION = "solution", _("The solution")
    SYSTEM = "system", _("The system or website")
    COMMUNICATION = "communication", _("Communication and follow-up")
    OTHER = "other", _("Other")
