from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TICKET = "ticket", _("ticket")
    CONTACT = "contact", _("contact")
    ARTICLE = "article", _("article")
