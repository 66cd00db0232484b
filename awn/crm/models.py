from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awn.core.models import TimeStampedModel

from .enums import ContactType, OrganizationKind, RelationKind
from .validators import mask_national_id, mask_phone


class Organization(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    name_normalized = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=24, choices=OrganizationKind.choices, default=OrganizationKind.SCHOOL
    )
    code = models.CharField(_("ministry code"), max_length=32, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("education office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schools",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    """One person: parent, student, teacher or school staff. One profile across every channel."""

    name = models.CharField(_("name"), max_length=200)
    name_normalized = models.CharField(max_length=200, db_index=True, editable=False)
    contact_type = models.CharField(
        _("contact type"),
        max_length=16,
        choices=ContactType.choices,
        default=ContactType.PARENT,
        db_index=True,
    )
    national_id = models.CharField(_("national id"), max_length=10, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=8, default="ar")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_contacts"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(merged_into__isnull=True) & ~Q(national_id=""),
                name="crm_contact_unique_active_national_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Relation(TimeStampedModel):
    """parent_of: contact → other_contact; student_at / teacher_at / staff_at: contact → organization."""

    kind = models.CharField(_("relation"), max_length=16, choices=RelationKind.choices)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="relations")
    other_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="reverse_relations"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="relations"
    )
    # A guardian sees a child's data only through a verified link that is not revoked (issue 15, item 4): the
    # portal, the assistant and the API read `children_ids`, which keeps to those, on every request.
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # student_at: the grade the student is in at that school (1–12), as the education system sends it; outreach
    # segments select on it ("parents of grade 1 students at school X").
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["contact", "kind"],
                condition=Q(verified_at__isnull=False, revoked_at__isnull=True),
                name="crm_relation_active_links",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "contact", "other_contact"],
                condition=Q(other_contact__isnull=False),
                name="crm_relation_unique_person",
            ),
            models.UniqueConstraint(
                fields=["kind", "contact", "organization"],
                condition=Q(organization__isnull=False),
                name="crm_relation_unique_org",
            ),
        ]

    @property
    def is_active_link(self) -> bool:
        return self.verified_at is not None and self.revoked_at is None


class ExternalEvent(models.Model):
    """An event pushed by the education system (e.g. a failed login), shown on the contact's timeline."""

    source = models.CharField(max_length=64, default="sis")
    event_id = models.CharField(max_length=128)
    event_type = models.CharField(_("event"), max_length=64, db_index=True)
    contact = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="external_events")
    national_id = models.CharField(max_length=10, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="crm_external_event_unique_id")
        ]
        indexes = [models.Index(fields=["contact", "-occurred_at"], name="crm_extevent_contact_time")]
