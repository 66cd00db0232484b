from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffingModel(models.TextChoices):
    ERLANG_C = "erlang_c", _("Erlang C (nobody abandons)")
    ERLANG_A = "erlang_a", _("Erlang A (callers abandon)")
