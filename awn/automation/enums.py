from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    """When a rule is evaluated: on one of the tickets domain's or the SLA scan's events, or on the schedule."""

    TICKET_CREATED = "ticket_created", _("Ticket created")
    TICKET_UPDATED = "ticket_updated", _("Ticket updated")
    MESSAGE_RECEIVED = "message_received", _("Message received from the customer")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SCHEDULED = "scheduled", _("Time-based (checked every few minutes)")


class Match(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class Scope(models.TextChoices):
    """Who sees a canned response or a macro."""

    PERSONAL = "personal", _("Personal (only me)")
    TEAM = "team", _("My team")
    GLOBAL = "global", _("Everyone")
