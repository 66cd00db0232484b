"""Satisfaction surveys (issue 17 item 6): what a survey asks, one invitation per resolved ticket, one answer per
ticket, and the contacts who asked to receive none."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awn.crm.models import Contact
from awn.tickets.models import Ticket

from .enums import CommentTopic, Sentiment

DEFAULT_EXPIRY_DAYS = 14
DEFAULT_REMINDER_HOURS = 48


class Survey(models.Model):
    """The questions: CSAT (1–5) and a comment always; CES (1–7) and NPS (0–10) when switched on.
    The active survey with the smallest id is the one sent."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    ask_ces = models.BooleanField(_("ask customer effort (CES)"), default=True)
    ask_nps = models.BooleanField(_("ask likelihood to recommend (NPS)"), default=False)
    expiry_days = models.PositiveSmallIntegerField(_("link valid for (days)"), default=DEFAULT_EXPIRY_DAYS)
    reminder_after_hours = models.PositiveSmallIntegerField(
        _("remind after (hours)"), default=DEFAULT_REMINDER_HOURS
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class SurveyInvitation(models.Model):
    """The one invitation of a resolved ticket, on the channel its requester used. Its link is a signed token
    naming this row (tokens.py); `answered_at` is set by whichever channel answers first."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey_invitation")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="survey_invitations")
    channel = models.CharField(_("channel"), max_length=16)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["sent_at"], name="survey_invitation_unanswered", condition=Q(answered_at__isnull=True)
            ),
            models.Index(fields=["contact", "-sent_at"], name="survey_invitation_contact"),
        ]

    def __str__(self) -> str:
        return f"survey #{self.ticket_id}"


class SurveyResponse(models.Model):
    """The answer of a ticket's survey: at most one per ticket, whatever the channel it came from."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("answered on"), max_length=16)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1–5)"))
    ces = models.PositiveSmallIntegerField(_("effort (1–7)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("recommend (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices, blank=True)
    topic = models.CharField(_("topic"), max_length=16, choices=CommentTopic.choices, blank=True)
    follow_up = models.BooleanField(_("follow-up opened"), default=False)
    answered_at = models.DateTimeField(_("answered"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket"], name="survey_one_response_per_ticket"),
            models.CheckConstraint(condition=Q(csat__gte=1, csat__lte=5), name="survey_csat_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.csat}/5 #{self.ticket_id}"


class SurveyOptOut(models.Model):
    """A contact who asked to receive no more surveys."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="survey_opt_out")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"opt-out #{self.contact_id}"
