"""The access audit: one row per read of a minor's record, unmasking, export, download or erasure.

Append-only. Python refuses to change or delete a row (the model and its queryset), and the database refuses too:
a trigger installed by migration 0001 raises on UPDATE or DELETE (PostgreSQL: both; SQLite: UPDATE — Django
empties SQLite tables with DELETE between transactional tests, so there a DELETE is refused by Python only).
`subject_id` is the contact the data concerns, kept as a plain integer: privacy sits below crm, and the audit
outlives the contact (an erased person's audit stays, it is a legal-hold table).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.enums import Role
from awn.core.errors import DomainError

from .enums import REASON_MAX, AccessAction, ObjectKind


class AppendOnlyError(DomainError):
    code = "append_only"


def _refuse() -> NoReturn:
    raise AppendOnlyError(_("The access audit is append-only: its rows cannot be changed or deleted."))


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        _refuse()

    def delete(self) -> NoReturn:
        _refuse()


class AccessRecord(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("role"), max_length=16, blank=True, choices=Role.choices)
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    object_kind = models.CharField(_("object"), max_length=16, choices=ObjectKind.choices)
    object_id = models.BigIntegerField(_("object id"), null=True)
    subject_id = models.BigIntegerField(_("person"), null=True)
    address = models.CharField(_("from"), max_length=45, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_id", "-at"], name="privacy_access_subject_at"),
            models.Index(fields=["actor", "-at"], name="privacy_access_actor_at"),
            models.Index(fields=["action", "-at"], name="privacy_access_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_kind}:{self.object_id} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()


class ErasureRecord(models.Model):
    """The erasure ledger: one row per person erased on request. It holds no personal data, only keyed hashes of
    what was erased (national id, phone, email, name), so `manage.py reapply_erasures` can erase the same person
    again after a restore brought them back, and never someone else who got their id. Each row is also appended
    to a file outside the database (AWN_ERASURE_LEDGER), which a restore of the database does not roll back.
    Append-only, like the access audit."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.BigIntegerField(_("person"), db_index=True)
    fingerprints = models.JSONField(default=list)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"erasure of {self.subject_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()
