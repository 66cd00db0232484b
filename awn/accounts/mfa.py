"""Two-factor authentication for staff: TOTP (awn/accounts/totp.py) and ten single-use recovery codes.

Writes in one transaction each, like services.py; kept apart so services.py stays readable. A code is accepted
once: the TOTP time step last used is stored and a code of that step or an earlier one is refused (RFC 6238
§5.2); a recovery code is hashed (HMAC with the deployment's secret key and the user's id) and marked used.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from awn.core.errors import ValidationError
from awn.core.ratelimit import allow

from . import totp
from .enums import STAFF_ROLES
from .models import Passkey, RecoveryCode, TotpDevice, User

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand
ATTEMPTS = 5
ATTEMPT_WINDOW_SECONDS = 300


class CodeRefused(ValidationError):
    code = "code_refused"
    default_message = _("This code is wrong. Check your authenticator app and try again.")


def _fernet() -> Fernet:
    """The key that seals TOTP secrets at rest: AWN_SECRETS_KEY (a Fernet key) or one derived from SECRET_KEY."""
    key = os.environ.get("AWN_SECRETS_KEY", "")
    if not key:
        digest = hashlib.sha256(("awn-totp-secrets:" + settings.SECRET_KEY).encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode())


def seal(secret_b32: str) -> str:
    """A TOTP secret as stored: a Fernet token (AES + HMAC), so a copy of the database gives no codes."""
    return _fernet().encrypt(secret_b32.encode()).decode()


def device_secret(device: TotpDevice) -> str:
    """The base32 secret of a device (a row written before sealing holds it in clear)."""
    stored = device.secret
    if not stored.startswith("gAAAA"):
        return stored
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        return ""  # a changed key: no code can match; an administrator resets the user's second step


def staff_2fa_on() -> bool:
    return bool(getattr(settings, "AWN_STAFF_2FA", True))


def required_for(user: User) -> bool:
    return staff_2fa_on() and user.role in STAFF_ROLES


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def _recovery_hash(user: User, code: str) -> str:
    normalized = code.strip().lower().replace("-", "").replace(" ", "")
    return salted_hmac("awn.accounts.recovery", f"{user.pk}:{normalized}", algorithm="sha256").hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _throttle(user: User) -> None:
    if not allow(f"mfa:{user.pk}", limit=ATTEMPTS, window_seconds=ATTEMPT_WINDOW_SECONDS):
        raise ValidationError(_("Too many wrong codes. Wait five minutes, then try again."))


throttle = _throttle  # the passkey step (passkeys.py) counts against the same budget as the codes


@transaction.atomic
def enrolment_start(user: User) -> TotpDevice:
    """A new secret to scan, not yet in force (an enrolled user keeps theirs until the new one is confirmed)."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=seal(totp.new_secret()))
    return device


def pending_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()


@transaction.atomic
def enrolment_confirm(user: User, code: str) -> list[str]:
    """The first code from the app puts the new secret in force; returns ten new recovery codes, shown once."""
    _throttle(user)
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ValidationError(_("Start the enrolment again."))
    step = totp.matching_step(device_secret(device), code)
    if step is None:
        raise CodeRefused(field="code")
    TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).delete()
    device.confirmed_at = timezone.now()
    device.last_used_step = step
    device.save(update_fields=["confirmed_at", "last_used_step"])
    return recovery_codes_renew(user)


@transaction.atomic
def recovery_codes_renew(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes]
    )
    return codes


@dataclass(frozen=True)
class Verified:
    by_recovery_code: bool
    recovery_codes_left: int


@transaction.atomic
def verify(user: User, code: str) -> Verified:
    """Check a second factor: a TOTP code not used before, or an unused recovery code. Throttled per user."""
    _throttle(user)
    code = (code or "").strip()
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise ValidationError(_("Set up your authenticator app first."))
    digits = code.replace(" ", "")
    if digits.isdigit():
        step = totp.matching_step(device_secret(device), digits)
        if step is None:
            raise CodeRefused(field="code")
        if device.last_used_step is not None and step <= device.last_used_step:
            raise CodeRefused(
                _("This code was already used. Wait for the next code in your app."), field="code"
            )
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
        return Verified(by_recovery_code=False, recovery_codes_left=-1)
    recovery = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True)
        .first()
    )
    if recovery is None:
        raise CodeRefused(_("This recovery code is wrong or was already used."), field="code")
    recovery.used_at = timezone.now()
    recovery.save(update_fields=["used_at"])
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    return Verified(by_recovery_code=True, recovery_codes_left=left)


@transaction.atomic
def disable(user: User) -> None:
    """Remove a user's second factor (an administrator's action when a phone is lost): they enrol again at
    their next sign-in."""
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    Passkey.objects.filter(user=user).delete()
