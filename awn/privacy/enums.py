from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    UNMASK = "unmask", _("Unmasked")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded")
    ERASE = "erase", _("Erased")


class ObjectKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    TICKET = "ticket", _("Ticket")
    ATTACHMENT = "attachment", _("Attachment")
    AUDIT = "audit", _("Audit log")


REASON_MAX = 500
