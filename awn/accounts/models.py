from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.core.models import TimeStampedModel

from .enums import STAFF_ROLES, Role, TeamKind


class Team(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TeamKind.choices, default=TeamKind.IN_HOUSE)
    # Category slugs this team covers. An outsourced team sees only these; empty means every category
    # for in-house teams and nothing for outsourced ones (closed by default).
    categories = models.JSONField(_("categories covered"), default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_restricted(self) -> bool:
        return self.kind == TeamKind.OUTSOURCED


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER, db_index=True
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    preferred_language = models.CharField(_("language"), max_length=8, default="ar")

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_supervisor_or_admin(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


class ApiToken(TimeStampedModel):
    """A token for integrations (e.g. the education system pushing events). Only its hash is stored."""

    name = models.CharField(_("name"), max_length=120)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
