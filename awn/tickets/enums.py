from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.core.channels import Channel as _Channel


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting on customer)")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Category(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    TRANSFER = "transfer", _("Transfer")
    ACCOUNT_ACCESS = "account_access", _("Account access")
    PARENT_LINK = "parent_link", _("Parent link")
    RESULTS_CERTIFICATES = "results_certificates", _("Results and certificates")
    ACADEMIC_RECORD = "academic_record", _("Academic record")
    ATTENDANCE = "attendance", _("Attendance")
    GRADE_ENTRY = "grade_entry", _("Grade entry")
    TIMETABLE_ASSIGNMENT = "timetable_assignment", _("Timetable and assignments")
    SCHOOL_TECHNICAL = "school_technical", _("School technical")
    COMPLAINTS_SUGGESTIONS = "complaints_suggestions", _("Complaints and suggestions")
    OTHER = "other", _("Other")


# Channels are registered, not enumerated (adding one edits nothing here): see awn/core/channels.py.
Channel = _Channel


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")
    INTERNAL = "internal", _("Internal")
