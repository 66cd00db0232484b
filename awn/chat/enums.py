from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatStatus(models.TextChoices):
    BOT = "bot", _("With the assistant")
    QUEUED = "queued", _("Waiting for an agent")
    ASSIGNED = "assigned", _("With an agent")
    CLOSED = "closed", _("Closed")


ACTIVE_CHAT_STATUSES = (ChatStatus.BOT, ChatStatus.QUEUED, ChatStatus.ASSIGNED)


class Sender(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    BOT = "bot", _("Assistant")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")
