"""Quality reviews: a scorecard of weighted criteria, a supervisor's review of one resolved ticket of an agent
(drawn in a reproducible weekly sample), a score per criterion and a coaching note the agent reads."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.core.models import TimeStampedModel
from awn.tickets.models import Ticket

# Each criterion is scored on 0..MAX_SCORE; "not applicable" (no score) leaves the criterion out of the total.
MAX_SCORE = 5


class Scorecard(TimeStampedModel):
    name_ar = models.CharField(_("name (Arabic)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["-is_active", "name_ar"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "ar").startswith("en") and self.name_en else self.name_ar


class Criterion(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    label_ar = models.CharField(_("criterion (Arabic)"), max_length=200)
    label_en = models.CharField(_("criterion (English)"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)], default=1
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "ar").startswith("en") and self.label_en else self.label_ar


class Review(models.Model):
    """One ticket of one agent reviewed against one scorecard. Pending until the reviewer scores it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quality_reviews"
    )
    # The agent's team when sampled: a vendor's history stays with the vendor if the agent moves.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="quality_reviews_given"
    )
    week = models.DateField(_("week"))  # the Monday of the week the ticket was resolved in
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    coaching_note = models.TextField(_("coaching note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "scorecard"], name="quality_one_review_per_ticket")
        ]
        indexes = [models.Index(fields=["agent", "week"]), models.Index(fields=["team", "week"])]

    @property
    def is_done(self) -> bool:
        return self.reviewed_at is not None


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(MAX_SCORE)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="quality_one_score_per_criterion")
        ]
