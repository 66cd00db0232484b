from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffingModel(models.TextChoices):
    ERLANG_C = "erlang_c", _("Erlang C (nobody abandons)")
    ERLANG_A = "erlang_a", _("Erlang A (callers abandon)")


class AgentState(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class LoadChannel(models.TextChoices):
    """What an agent's capacity counts: live chats, calls, and every other ticket."""

    CHATS = "chats", _("Chats")
    CALLS = "calls", _("Calls")
    TICKETS = "tickets", _("Tickets")


class SkillKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    LANGUAGE = "language", _("Language")
    CHANNEL = "channel", _("Channel")
