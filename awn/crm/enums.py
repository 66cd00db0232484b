from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactType(models.TextChoices):
    PARENT = "parent", _("Parent / guardian")
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    SCHOOL_STAFF = "school_staff", _("School staff")
    OTHER = "other", _("Other")


class OrganizationKind(models.TextChoices):
    SCHOOL = "school", _("School")
    EDUCATION_OFFICE = "education_office", _("Education office")


class RelationKind(models.TextChoices):
    PARENT_OF = "parent_of", _("Parent of")
    STUDENT_AT = "student_at", _("Student at")
    TEACHER_AT = "teacher_at", _("Teacher at")
    STAFF_AT = "staff_at", _("Staff at")


# Relations between two contacts vs. between a contact and an organization.
PERSON_RELATIONS = frozenset({RelationKind.PARENT_OF})
ORGANIZATION_RELATIONS = frozenset({RelationKind.STUDENT_AT, RelationKind.TEACHER_AT, RelationKind.STAFF_AT})


# Labels for the event types the education system pushes; unknown types are shown as sent.
EXTERNAL_EVENT_LABELS = {
    "login_failed": _("Login failed"),
    "login_succeeded": _("Signed in"),
    "account_locked": _("Account locked"),
    "password_reset_requested": _("Password reset requested"),
    "otp_failed": _("Verification code failed"),
    "enrollment_submitted": _("Enrollment submitted"),
    "transfer_submitted": _("Transfer request submitted"),
    "guardian_linked": _("Guardian linked to the student"),
    "guardian_unlinked": _("Guardian unlinked from the student"),
}
