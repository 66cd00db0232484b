from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .enums import Channel, Purpose


class OneTimeCode(models.Model):
    """A 6-digit code sent to a phone or an email address. Only its keyed hash is stored (codes.code_hash)."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254)  # E.164 phone or lower-case email
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["address", "created_at"], name="identity_code_address")]


class VerifiedAddress(models.Model):
    """A phone number or email address a customer proved is theirs: they sign in with a code sent to it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_addresses"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, unique=True)
    verified_at = models.DateTimeField(default=timezone.now)


class ExternalLogin(models.Model):
    """A customer's account at an OpenID Connect provider (the education system): (issuer, subject) → user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_logins"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_external_login_unique")
        ]
