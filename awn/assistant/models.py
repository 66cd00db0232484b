"""What the assistant stores about tickets. The tickets app never imports this module: it reacts to events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.core.models import TimeStampedModel
from awn.tickets.enums import Category, Priority
from awn.tickets.models import Ticket


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Dialect(models.TextChoices):
    MSA = "msa", _("Modern Standard Arabic")
    GULF = "gulf", _("Gulf")
    EGYPTIAN = "egyptian", _("Egyptian")
    LEVANTINE = "levantine", _("Levantine")
    ARABIZI = "arabizi", _("Arabizi (Arabic in Latin letters)")
    ENGLISH = "english", _("English")
    MIXED = "mixed", _("Arabic mixed with English")


class Language(models.TextChoices):
    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")
    MIXED = "mixed", _("Mixed")


class TicketTriage(TimeStampedModel):
    """The triage of a ticket's first message, and an agent's correction of it.

    Predicted values stay as predicted; a correction fills the `corrected_*` fields (a confirmation copies the
    predicted values), so the learned category model can train on what agents said and accuracy can be measured.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="triage")
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    category_confidence = models.FloatField(default=0.0)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    priority_confidence = models.FloatField(default=0.0)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices)
    sentiment_confidence = models.FloatField(default=0.0)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    dialect = models.CharField(_("dialect"), max_length=10, choices=Dialect.choices)
    dialect_confidence = models.FloatField(default=0.0)
    cues = models.JSONField(_("urgent cues"), default=list, blank=True)  # cue codes (lexicons.COMBOS)
    model_version = models.CharField(max_length=64, blank=True)
    # Which ticket fields the automatic triage changed (["priority"], ["category"], …).
    applied_fields = models.JSONField(default=list, blank=True)

    corrected_category = models.CharField(
        _("corrected category"), max_length=32, choices=Category.choices, blank=True
    )
    corrected_priority = models.CharField(
        _("corrected priority"), max_length=8, choices=Priority.choices, blank=True
    )
    corrected_sentiment = models.CharField(
        _("corrected sentiment"), max_length=8, choices=Sentiment.choices, blank=True
    )
    corrected_dialect = models.CharField(
        _("corrected dialect"), max_length=10, choices=Dialect.choices, blank=True
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["corrected_at"],
                name="triage_corrected",
                condition=models.Q(corrected_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"triage of #{self.ticket_id}: {self.category}/{self.priority}"

    @property
    def is_reviewed(self) -> bool:
        return self.corrected_at is not None

    def final(self, field: str) -> str:
        """The agent's value if corrected, else the predicted one."""
        return str(getattr(self, f"corrected_{field}") or getattr(self, field))


class FirstLineState(models.TextChoices):
    ANSWERED = "answered", _("Answered, waiting for the customer's word")
    SOLVED = "solved", _("Solved by the assistant")
    HANDED_OFF = "handed_off", _("Handed to people")


class FirstLineConversation(TimeStampedModel):
    """The assistant's part in a ticket opened on a messaging channel (WhatsApp, Telegram, email): it answered
    first and waits for "did this solve it?", the customer confirmed, or people took over. Once handed off (or
    once an agent wrote), the assistant stays silent on the ticket."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="first_line")
    state = models.CharField(max_length=12, choices=FirstLineState.choices)
    article_external_id = models.CharField(max_length=64, blank=True)
    question = models.TextField(blank=True)  # the customer's question the answer was for
    reason = models.CharField(max_length=32, blank=True)  # why it handed off
    language = models.CharField(
        max_length=8, default="ar"
    )  # of the customer's question: the assistant's replies
    decided_at = models.DateTimeField(null=True, blank=True)
