"""Knowledge articles (مقالات). Categories are the 12 ticket category slugs, so an article and a ticket about the
same need share one vocabulary. Writes go through `awn.knowledge.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awn.core.models import FastChoiceDisplayMixin, TimeStampedModel
from awn.tickets.enums import Category

from .enums import ArticleStatus, Visibility


class Article(TimeStampedModel):
    external_id = models.CharField(_("article id"), max_length=32, unique=True)
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, default=Category.OTHER
    )
    title_ar = models.CharField(_("Arabic title"), max_length=200)
    body_ar = models.TextField(_("Arabic body"))
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    body_en = models.TextField(_("English body"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    helpful_count = models.PositiveIntegerField(default=0)
    not_helpful_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "visibility", "category"], name="kb_article_listing")]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.title_ar}"

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC


class ArticleVersion(models.Model):
    """A snapshot of an article's content, written by every content change (number 1 is the original)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title_ar = models.CharField(max_length=200)
    body_ar = models.TextField()
    title_en = models.CharField(max_length=200, blank=True)
    body_en = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleVote(FastChoiceDisplayMixin, models.Model):
    """One "was this helpful?" answer per person: a signed-in user, or else an anonymous session."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=40, blank=True)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="kb_vote_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="kb_vote_one_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="kb_vote_has_voter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class ArticleQuestion(models.Model):
    """A question, in the user's own words, that this article answered («yes, it solved my problem»).

    The assistant reads these beside the article, so the next person who asks the same way finds it: the knowledge
    base learns its users' dialect and phrasing. Digit runs (ids, phone numbers) are removed before storing; the
    texts are never shown to other users, and are deleted after AWN_LEARNED_QUESTIONS_DAYS.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="learned_questions")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "text"], name="kb_question_once")]
        indexes = [
            models.Index(fields=["article", "-created_at"], name="kb_question_recent"),
            models.Index(fields=["created_at"], name="kb_question_age"),  # the retention sweep
        ]
