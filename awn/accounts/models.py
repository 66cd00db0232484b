from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from awn.core.formatting import Digits
from awn.core.models import TimeStampedModel

from .enums import STAFF_ROLES, AdminAction, Role, TeamKind, TokenScope


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
    # Latin (012) or Arabic-Indic (٠١٢) digits in what Awn prints for this user; "" is the language's default
    # (awn/core/formatting.py, DigitsMiddleware).
    digits = models.CharField(_("digits"), max_length=8, choices=Digits.choices, blank=True, default="")
    # Bumped to end every session of the user at once (sign-out everywhere, deactivation, a change of role): it
    # is part of the session's auth hash, so a session signed before the bump is refused on its next request,
    # whichever session backend keeps it (services.sessions_end).
    session_epoch = models.PositiveIntegerField(default=0)

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_supervisor_or_admin(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    def _get_session_auth_hash(self, secret: Any = None) -> str:
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "awn.accounts.User.session_auth_hash",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ApiToken(TimeStampedModel):
    """A token for integrations (e.g. the education system pushing events). Only its hash is stored."""

    name = models.CharField(_("name"), max_length=120)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    scope = models.CharField(
        _("scope"), max_length=16, choices=TokenScope.choices, default=TokenScope.READ_WRITE
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_tokens_created"
    )

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time link that lets a new staff member choose a password. Only a hash of the token is stored."""

    # Empty for the first administrator's link (create_first_admin_link): they give their address themselves.
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation_used"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["email"]),
            models.Index(fields=["used_at", "revoked_at", "expires_at"]),
        ]

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class SignedInSession(models.Model):
    """The sessions a user signed in with, so that all of them can be deleted at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)


class AdminAuditEntry(models.Model):
    """Who changed what in the administration, when and from where. Rows are only ever added."""

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="admin_actions"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AdminAction.choices)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"]), models.Index(fields=["action"])]


class TotpDevice(models.Model):
    """A staff member's authenticator app (RFC 6238). In force once confirmed with a first code."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    secret = models.CharField(max_length=255)  # sealed (mfa.seal): a Fernet token of the base32 secret
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step whose code was accepted: that code and every earlier one are refused (no replay).
    last_used_step = models.BigIntegerField(null=True, blank=True)


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"])]


class Passkey(models.Model):
    """A staff member's WebAuthn credential (a passkey or a security key): a second step instead of a code from
    the authenticator app (awn/accounts/passkeys.py). Only the public key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=64)
    credential_id = models.CharField(max_length=1400, unique=True)  # base64url, as the browser sends it
    public_key = models.BinaryField()  # COSE
    # The authenticator's signature counter: a response whose count does not move past it is refused (a clone).
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class WebAuthnChallenge(models.Model):
    """A challenge handed to the browser for one ceremony: used once (deleted when a response comes back, right
    or wrong), and worthless after `expires_at`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16)  # "register" or "authenticate"
    challenge = models.CharField(max_length=128, unique=True)  # base64url
    expires_at = models.DateTimeField(db_index=True)


RETENTION_KINDS = ("closed_tickets", "attachments", "chat_transcripts", "admin_audit")


class OrganizationSettings(models.Model):
    """The one row of settings an administrator changes without code (pk 1; selectors.organization_settings)."""

    name = models.CharField(_("organization name"), max_length=120, default="عون")
    logo = models.FileField(_("logo"), upload_to="organization/", blank=True)
    default_language = models.CharField(_("default language"), max_length=8, default="ar")
    # Days each kind of data is kept (0 = kept without limit); read by the retention job (awn/privacy).
    retention_days = models.JSONField(_("retention periods"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
