from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class TeamKind(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house")
    OUTSOURCED = "outsourced", _("Outsourced")
    HYBRID = "hybrid", _("Hybrid")


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
