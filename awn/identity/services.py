"""Customers prove who they are: a one-time code sent to their phone or email, a sign-up verified by that code.

No account enumeration: asking for a code answers the same whether the address has an account or not, and does
the same work (one code row, one message: the code, or a note that the address has no account). What an
address's owner learns after typing the code they received is theirs to know.
Never a link on an unverified claim: a sign-up joins an existing CRM contact only through the address it just
verified (the contact's phone or email, or the WhatsApp / email identity it wrote to us from).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.accounts.services import user_create
from awn.connectors.models import ChannelIdentity
from awn.core.errors import DomainError, ValidationError
from awn.core.ratelimit import allow
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Contact
from awn.crm.services import (
    contact_create,
    contact_link_user,
    contact_update,
    relation_add,
    relation_verify,
)
from awn.crm.validators import clean_email, clean_national_id, clean_phone

from .codes import code_hash, new_code, normalize_code
from .enums import Channel, Purpose
from .models import ExternalLogin, OneTimeCode, VerifiedAddress

logger = logging.getLogger(__name__)


class CodeRefused(DomainError):
    code = "code_refused"
    default_message = _("This code is wrong or has expired. Check it, or ask for a new code.")


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"
    default_message = _("Too many codes were asked for. Wait a while, then try again.")


class SendFailed(DomainError):
    status_code = 503
    code = "send_failed"
    default_message = _("The code could not be sent just now. Try again in a few minutes.")


class SignUpRefused(DomainError):
    code = "sign_up_refused"


@dataclass(frozen=True)
class Destination:
    channel: str
    address: str  # E.164 phone or lower-case email


@dataclass(frozen=True)
class SignUpClaim:
    name: str
    national_id: str
    destination: Destination


def destination_parse(raw: str) -> Destination:
    """A mobile number (Saudi by default) or an email address, normalized; refused when it is neither."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter your mobile number or email address."), field="address")
    try:
        if "@" in text:
            return Destination(Channel.EMAIL, clean_email(text))
        return Destination(Channel.SMS, clean_phone(text))
    except ValidationError as error:
        raise ValidationError(
            _("Enter a valid mobile number (such as 0501234567) or email address."), field="address"
        ) from error


def sign_up_claim(*, name: str, national_id: str, address: str) -> SignUpClaim:
    """Validate a sign-up form: a name, a checksum-valid national id and an address to verify."""
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError(_("The name is required."), field="name")
    if len(name) > 200:
        raise ValidationError(_("The name is too long."), field="name")
    if not (national_id or "").strip():
        raise ValidationError(_("The national id is required."), field="national_id")
    return SignUpClaim(
        name=name, national_id=clean_national_id(national_id), destination=destination_parse(address)
    )


def _check_rates(destination: Destination, client: str) -> None:
    window = 3600
    if not allow(f"otp:client:{client}", limit=settings.AWN_OTP_PER_CLIENT_HOUR, window_seconds=window):
        raise TooManyRequests()
    if not allow(
        f"otp:dest:{destination.address}", limit=settings.AWN_OTP_PER_ADDRESS_HOUR, window_seconds=window
    ):
        raise TooManyRequests()


def _account_for(address: str) -> User | None:
    """The active customer who verified `address`. By the unique address alone (the user's columns checked
    here): a filter on the user's role would let SQLite walk the role index of every customer."""
    found = VerifiedAddress.objects.filter(address=address).select_related("user").first()
    if found is None or not found.user.is_active or found.user.role != Role.CUSTOMER:
        return None
    return found.user


def _message(purpose: str, code: str, has_account: bool) -> tuple[str, str]:
    """(subject, text) of the message: the code, or (asking to sign in without an account) how to sign up."""
    minutes = settings.AWN_OTP_TTL_SECONDS // 60
    if purpose == Purpose.SIGN_IN and not has_account:
        return (
            gettext("Signing in to Awn"),
            gettext(
                "Someone asked to sign in to Awn with this address, which has no account. "
                "If it was you, sign up first. If not, ignore this message."
            ),
        )
    return (
        gettext("Your Awn code"),
        gettext("Your Awn code is %(code)s. It works once, for %(minutes)d minutes. Never share it.")
        % {"code": code, "minutes": minutes},
    )


def _deliver(destination: Destination, subject: str, text: str) -> None:
    from .sms import send_sms

    try:
        if destination.channel == Channel.SMS:
            send_sms(to=destination.address, text=text)
        else:
            send_mail(subject, text, None, [destination.address])
    except Exception as error:
        logger.warning("one-time code to a %s address not sent: %s", destination.channel, error)
        raise SendFailed() from error


def code_request(*, destination: Destination, purpose: str, client: str) -> OneTimeCode:
    """Make and send a code for `destination`. The same work and the same answer whether or not an account
    uses the address (sign-in), or already exists (sign-up: the owner of the address learns it once verified)."""
    _check_rates(destination, client)
    code = new_code()
    now = timezone.now()
    row = OneTimeCode.objects.create(
        channel=destination.channel,
        address=destination.address,
        purpose=purpose,
        code_hash=code_hash(destination.address, code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.AWN_OTP_TTL_SECONDS),
    )
    has_account = _account_for(destination.address) is not None
    subject, text = _message(purpose, code, has_account)
    _deliver(destination, subject, text)
    return row


def _refusal(row: OneTimeCode | None) -> CodeRefused | None:
    if row is None:
        return CodeRefused()
    if row.used_at is not None:
        return CodeRefused(_("This code was already used. Ask for a new code."))
    if row.expires_at <= timezone.now():
        return CodeRefused(_("This code has expired. Ask for a new code."))
    if row.attempts >= settings.AWN_OTP_MAX_ATTEMPTS:
        return CodeRefused(_("Too many wrong tries for this code. Ask for a new code."))
    return None


def code_consume(*, code_id: int, address: str, purpose: str, code: str) -> None:
    """Mark the code used when `code` is right; otherwise count the wrong try (kept: it is written before
    the refusal is raised) and raise CodeRefused saying why.

    The right code is one conditional UPDATE (unused, unexpired, tries left, the same keyed hash): it either
    uses the code or changes nothing, so two requests racing with the same code cannot both succeed. Only a
    refusal reads the row, locked, to count the try and say why."""
    now = timezone.now()
    used = OneTimeCode.objects.filter(
        pk=code_id,
        address=address,
        purpose=purpose,
        code_hash=code_hash(address, normalize_code(code)),
        used_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=settings.AWN_OTP_MAX_ATTEMPTS,
    ).update(used_at=now)
    if used:
        return
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(pk=code_id, address=address, purpose=purpose)
            .first()
        )
        refusal = _refusal(row) or CodeRefused()
        if row is not None and _refusal(row) is None:
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
    raise refusal


def code_sign_in(*, code_id: int, address: str, code: str) -> User:
    """The user whose verified address received this code. A right code for an address without an account
    is refused like a wrong one (that address was told it has none)."""
    code_consume(code_id=code_id, address=address, purpose=Purpose.SIGN_IN, code=code)
    user = _account_for(address)
    if user is None:
        raise CodeRefused()
    return user


def code_sign_up(*, code_id: int, claim: SignUpClaim, code: str) -> tuple[User, bool]:
    """Check the code, then sign the person up in one transaction (or, when the verified address already has
    an account, sign them in). Returns (user, created). A refusal creates nothing."""
    address = claim.destination.address
    code_consume(code_id=code_id, address=address, purpose=Purpose.SIGN_UP, code=code)
    with transaction.atomic():
        existing = _account_for(address)
        if existing is not None:
            return existing, False
        return _sign_up(claim), True


def _contacts_at(destination: Destination) -> list[Contact]:
    """Active CRM contacts reached at this address: their own phone or email, or the WhatsApp or email
    identity they wrote from (a wa_id is the number's digits without «+»), oldest first."""
    if destination.channel == Channel.SMS:
        by_field = Contact.objects.filter(phone=destination.address)
        identity_ids = [destination.address.lstrip("+"), destination.address]
    else:
        by_field = Contact.objects.filter(email__iexact=destination.address)
        identity_ids = [destination.address]
    via_identity = ChannelIdentity.objects.filter(external_id__in=identity_ids).values("contact_id")
    found = (
        (by_field | Contact.objects.filter(pk__in=via_identity))
        .filter(merged_into__isnull=True)
        .distinct()
        .order_by("pk")
    )
    return list(found)


def _sign_up(claim: SignUpClaim) -> User:
    destination = claim.destination
    at_address = [c for c in _contacts_at(destination) if c.user_id is None]
    holder = Contact.objects.filter(national_id=claim.national_id, merged_into__isnull=True).first()
    if holder is not None:
        if holder.user_id is not None:
            raise SignUpRefused(
                _(
                    "This national id already has an account. Sign in with the phone or email it uses, or "
                    "through the education system."
                ),
                field="national_id",
            )
        if holder not in at_address:
            raise SignUpRefused(
                _(
                    "We hold this national id with other contact details. Sign in through the education "
                    "system, or contact support to confirm your identity."
                ),
                field="national_id",
            )
        contact = holder
    else:
        contact = next((c for c in at_address if not c.national_id), None) or contact_create(
            name=claim.name,
            national_id=claim.national_id,
            **{"phone" if destination.channel == Channel.SMS else "email": destination.address},
        )
    return _open_account(contact, claim)


def _open_account(contact: Contact, claim: SignUpClaim) -> User:
    destination = claim.destination
    updates: dict[str, str] = {}
    if not contact.national_id:
        updates["national_id"] = claim.national_id
    field = "phone" if destination.channel == Channel.SMS else "email"
    if not getattr(contact, field):
        updates[field] = destination.address
    if updates:
        contact = contact_update(contact=contact, **updates)
    user = user_create(
        username=f"c{secrets.token_hex(8)}",
        password=None,
        role=Role.CUSTOMER,
        email=destination.address if destination.channel == Channel.EMAIL else "",
        first_name=claim.name[:150],
    )
    contact_link_user(contact=contact, user=user)
    VerifiedAddress.objects.create(user=user, channel=destination.channel, address=destination.address)
    return user


def codes_prune() -> int:
    """Delete codes a day past their expiry (periodic): the table stays small, nothing usable is kept."""
    deleted, _rows = OneTimeCode.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    return deleted


class SsoRefused(DomainError):
    code = "sso_refused"


def _claim_national_id(value: Any) -> str:
    try:
        return clean_national_id(value) if isinstance(value, str) else ""
    except ValidationError:
        return ""


def _children(claim: Any) -> list[tuple[str, str]]:
    """(national id, name) of each child the claim lists: ids, or objects with `national_id` and `name`."""
    if not isinstance(claim, list):
        return []
    found = []
    for item in claim[:20]:
        if isinstance(item, dict):
            national_id, name = _claim_national_id(item.get("national_id")), str(item.get("name") or "")
        else:
            national_id, name = _claim_national_id(item), ""
        if national_id:
            found.append((national_id, name.strip()[:200]))
    return found


def _link_children(parent: Contact, claim: Any) -> None:
    """Parent → child links the education system vouches for: created verified, or verified when they waited
    for a check. A link that staff revoked stays revoked (the claim does not undo a revocation)."""
    for national_id, name in _children(claim):
        child = Contact.objects.filter(national_id=national_id, merged_into__isnull=True).first()
        if child is None:
            if not name:
                continue  # a child the CRM does not know yet and the claim does not name
            child = contact_create(name=name, national_id=national_id, contact_type=ContactType.STUDENT)
        if child.pk == parent.pk:
            continue
        relation = relation_add(kind=RelationKind.PARENT_OF, contact=parent, other_contact=child)
        if relation.verified_at is None and relation.revoked_at is None:
            relation_verify(relation)


def _account_by_national_id(national_id: str, name: str) -> tuple[User, Contact]:
    """The contact holding the national id the provider vouches for (or a new one), and its portal account."""
    contact = Contact.objects.filter(national_id=national_id, merged_into__isnull=True).first()
    if contact is None:
        contact = contact_create(name=(name or national_id)[:200], national_id=national_id)
    user: User | None = contact.user
    if user is None:
        user = user_create(
            username=f"c{secrets.token_hex(8)}", password=None, role=Role.CUSTOMER, first_name=name[:150]
        )
        contact_link_user(contact=contact, user=user)
    return user, contact


@transaction.atomic
def oidc_sign_in(*, issuer: str, claims: dict[str, Any]) -> User:
    """The customer the provider vouches for: found by (issuer, subject), else by the national id it asserts
    (a verified identity: linking is safe), else created; their children linked from the claim."""
    subject = str(claims.get("sub") or "")
    national_id = _claim_national_id(claims.get(settings.AWN_OIDC_NATIONAL_ID_CLAIM))
    if not subject or not national_id:
        raise SsoRefused(_("The education system did not send a valid national id. Contact support."))
    login = ExternalLogin.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if login is not None:
        user = login.user
        contact = Contact.objects.filter(user=user, merged_into__isnull=True).first()
    else:
        user, contact = _account_by_national_id(national_id, str(claims.get("name") or "").strip())
    if not user.is_active or user.role != Role.CUSTOMER:
        raise SsoRefused(_("This account cannot sign in here. Contact support."))
    if login is None:
        ExternalLogin.objects.create(user=user, issuer=issuer, subject=subject)
    else:
        ExternalLogin.objects.filter(pk=login.pk).update(last_used_at=timezone.now())
    if contact is not None:
        _link_children(contact, claims.get(settings.AWN_OIDC_CHILDREN_CLAIM))
    return user
