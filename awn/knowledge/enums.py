from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (staff only)")


# Fields whose change writes a new ArticleVersion and re-indexes the article.
CONTENT_FIELDS = ("title_ar", "body_ar", "title_en", "body_en", "tags")
