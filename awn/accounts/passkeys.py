"""WebAuthn passkeys for staff: a second step instead of the authenticator app's code (issue 15, item 3).

A staff member registers passkeys on their security page (signed in, so after a TOTP step) and may then use one
at the second step of a sign-in. The ceremonies are py_webauthn's; what Awn adds:

- the relying party is the deployment's public address (settings.AWN_PUBLIC_URL): its host is the RP id and its
  scheme + host + port the only origin accepted;
- every challenge is stored server-side for one user and one purpose, expires after CHALLENGE_SECONDS and is
  used once: it is deleted (in its own statement, committed) before the response is checked, so a wrong answer
  burns it as well and a replay finds nothing;
- the authenticator's signature counter must move on (py_webauthn refuses a count not above the stored one);
- a credential is looked up among the user's own passkeys only: another person's passkey is refused;
- additions, removals, sign-ins and refusals are written to the administration audit (AdminAuditEntry).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, generate_challenge
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from awn.core.errors import ValidationError

from . import mfa, selectors
from .enums import AdminAction
from .models import Passkey, User, WebAuthnChallenge
from .services import audit_record

REGISTER = "register"
AUTHENTICATE = "authenticate"
CHALLENGE_SECONDS = 300
NAME_MAX = 64
MAX_PASSKEYS = 10
TIMEOUT_MS = 120_000


class PasskeyRefused(ValidationError):
    code = "passkey_refused"
    default_message = _("This passkey could not be checked. Try again.")


def relying_party() -> tuple[str, str]:
    """(RP id, origin) from AWN_PUBLIC_URL: `https://awn.example.sa` gives ("awn.example.sa", the same URL)."""
    url = urlsplit(str(settings.AWN_PUBLIC_URL))
    return url.hostname or "", f"{url.scheme}://{url.netloc}"


def user_passkeys(user: User) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user).defer("public_key"))


def has_passkey(user: User) -> bool:
    return Passkey.objects.filter(user=user).exists()


def _user_handle(user: User) -> bytes:
    """An opaque, stable handle (the authenticator stores it): not the database id, nothing personal."""
    return salted_hmac("awn.accounts.passkey.user", str(user.pk), algorithm="sha256").digest()


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for value in passkey.transports or []:
        try:
            transports.append(AuthenticatorTransport(value))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


def _issue(user: User, purpose: str) -> bytes:
    """A fresh challenge, stored for this user and purpose; expired ones (anyone's) are dropped on the way."""
    now = timezone.now()
    WebAuthnChallenge.objects.filter(expires_at__lte=now).delete()
    challenge = generate_challenge()
    WebAuthnChallenge.objects.create(
        user=user,
        purpose=purpose,
        challenge=bytes_to_base64url(challenge),
        expires_at=now + timedelta(seconds=CHALLENGE_SECONDS),
    )
    return challenge


def _challenge_of(credential: dict[str, Any]) -> str:
    """The challenge the browser signed, read from the response's clientDataJSON ("" when unreadable)."""
    try:
        client_data = json.loads(base64url_to_bytes(str(credential["response"]["clientDataJSON"])))
        value = client_data["challenge"]
    except (KeyError, TypeError, ValueError):
        return ""
    return value if isinstance(value, str) and len(value) <= 128 else ""


def _consume(user: User, purpose: str, credential: dict[str, Any]) -> bytes:
    """The stored challenge the response answers, deleted at once (single use, even when the response turns out
    wrong). Unknown, expired, another user's or already used: refused."""
    value = _challenge_of(credential)
    deleted = 0
    if value:
        with transaction.atomic():  # committed on its own: a later refusal does not bring the challenge back
            deleted, _rows = WebAuthnChallenge.objects.filter(
                user=user, purpose=purpose, challenge=value, expires_at__gt=timezone.now()
            ).delete()
    if not deleted:
        raise PasskeyRefused(
            _("This request has expired or was already used. Try again."), field="credential"
        )
    return base64url_to_bytes(value)


def _refused(user: User, reason: str, address: str | None) -> None:
    audit_record(
        actor=user,
        action=AdminAction.PASSKEY_REFUSED,
        target=user,
        details={"reason": reason},
        address=address,
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the passkey a name (for example: work laptop)."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("The name is too long (at most 64 characters)."), field="name")
    return name


# --- registration (the staff member is signed in) -----------------------------------------------------------


def registration_options(user: User) -> dict[str, Any]:
    """The options for navigator.credentials.create(), as JSON-ready data; a challenge is stored."""
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=selectors.organization_settings().name or "Awn",
        user_id=_user_handle(user),
        user_name=user.username,
        user_display_name=user.get_full_name() or user.username,
        challenge=_issue(user, REGISTER),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in user_passkeys(user)],
    )
    return dict(json.loads(options_to_json(options)))


def register(*, user: User, name: str, credential: dict[str, Any], address: str | None = None) -> Passkey:
    """Check the browser's answer to the registration options and keep the new passkey (audited)."""
    name = _clean_name(name)
    if Passkey.objects.filter(user=user).count() >= MAX_PASSKEYS:
        raise ValidationError(_("You have the most passkeys allowed. Remove one first."), field="name")
    expected = _consume(user, REGISTER, credential)
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=expected, expected_rp_id=rp_id, expected_origin=origin
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
        _refused(user, f"registration: {exc}"[:200], address)
        raise PasskeyRefused(field="credential") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    transports = credential.get("response", {}).get("transports") or []
    with transaction.atomic():
        if Passkey.objects.filter(credential_id=credential_id).exists():
            raise ValidationError(_("This passkey is already registered."), field="credential")
        passkey = Passkey.objects.create(
            user=user,
            name=name,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[str(t)[:32] for t in transports if isinstance(t, str)][:8],
        )
        audit_record(
            actor=user,
            action=AdminAction.PASSKEY_ADDED,
            target=user,
            details={"passkey": name, "passkey_id": passkey.pk},
            address=address,
        )
    return passkey


@transaction.atomic
def remove(*, user: User, passkey: Passkey, address: str | None = None) -> None:
    """The caller has checked `passkey` is the user's own (a foreign one is a 404 before this)."""
    details = {"passkey": passkey.name, "passkey_id": passkey.pk}
    passkey.delete()
    audit_record(
        actor=user, action=AdminAction.PASSKEY_REMOVED, target=user, details=details, address=address
    )


# --- authentication (the second step of a sign-in) --------------------------------------------------------


def authentication_options(user: User) -> dict[str, Any]:
    """The options for navigator.credentials.get(): the user's own passkeys only; a challenge is stored."""
    passkeys = user_passkeys(user)
    if not passkeys:
        raise ValidationError(_("You have no passkey yet. Use a code from your authenticator app."))
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=_issue(user, AUTHENTICATE),
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in passkeys],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return dict(json.loads(options_to_json(options)))


def authenticate(*, user: User, credential: dict[str, Any], address: str | None = None) -> Passkey:
    """Check a passkey's answer at the second step: throttled with the codes, challenge used once, the user's own
    credential only, the signature and its counter checked. Audited either way."""
    mfa.throttle(user)
    expected = _consume(user, AUTHENTICATE, credential)
    credential_id = str(credential.get("id") or "")[:1400]
    rp_id, origin = relying_party()
    refusal: tuple[str, PasskeyRefused] | None = None
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().filter(user=user, credential_id=credential_id).first()
        if passkey is None:
            refusal = (
                "authentication: not one of this user's passkeys",
                PasskeyRefused(_("This passkey is not registered for your account."), field="credential"),
            )
        else:
            try:
                verified = verify_authentication_response(
                    credential=credential,
                    expected_challenge=expected,
                    expected_rp_id=rp_id,
                    expected_origin=origin,
                    credential_public_key=bytes(passkey.public_key),
                    credential_current_sign_count=passkey.sign_count,
                )
            except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
                refusal = (f"authentication: {exc}"[:200], PasskeyRefused(field="credential"))
            else:
                passkey.sign_count = verified.new_sign_count
                passkey.last_used_at = timezone.now()
                passkey.save(update_fields=["sign_count", "last_used_at"])
                audit_record(
                    actor=user,
                    action=AdminAction.PASSKEY_SIGN_IN,
                    target=user,
                    details={"passkey": passkey.name, "passkey_id": passkey.pk},
                    address=address,
                )
    if refusal is not None or passkey is None:
        reason, error = refusal or ("", PasskeyRefused(field="credential"))
        _refused(user, reason, address)  # after the transaction: the audit row stays
        raise error
    return passkey
