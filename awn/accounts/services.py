from __future__ import annotations

import copy
import secrets
import threading
import time
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.core.errors import DomainError, NotFound, ValidationError
from awn.core.formatting import Digits

from .enums import STAFF_ROLES, AdminAction, Role, TeamKind, TokenScope
from .models import (
    RETENTION_KINDS,
    AdminAuditEntry,
    ApiToken,
    Invitation,
    OrganizationSettings,
    Passkey,
    RecoveryCode,
    SignedInSession,
    Team,
    TotpDevice,
    User,
)

INVITATION_SALT = "awn.accounts.invitation"


class InvitationGone(DomainError):
    """A link that existed but can no longer be used (used, expired or revoked)."""

    status_code = 410
    code = "gone"
    default_message = _("This invitation link has already been used or has expired. Ask for a new one.")


def user_create(
    *,
    username: str,
    password: str | None,
    role: str = Role.CUSTOMER,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
) -> User:
    user = User(
        username=username, email=email, role=role, first_name=first_name, last_name=last_name, team=team
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = role == Role.ADMIN
    user.save()
    return user


def user_digits_set(*, user: User, choice: str) -> None:
    """Store the user's digits (Latin or Arabic-Indic, "" for the language's default) for every page and email."""
    if choice not in ("", *Digits.values):
        raise ValidationError(_("Choose Latin or Arabic-Indic digits."), field="digits")
    if user.digits != choice:
        user.digits = choice
        user.save(update_fields=["digits"])


def team_create(*, name: str, kind: str, categories: list[str] | None = None) -> Team:
    return Team.objects.create(name=name, kind=kind, categories=list(categories or []))


@transaction.atomic
def team_save(
    *,
    actor: User,
    team: Team | None,
    name: str,
    kind: str,
    categories: list[str],
    address: str | None = None,
) -> Team:
    """Create or change a team. The categories are those an outsourced team covers (it sees nothing else)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(_("Give the team a name of 1 to 120 characters."), field="name")
    if kind not in TeamKind.values:
        raise ValidationError(_("Choose a kind of team."), field="kind")
    clash = Team.objects.filter(name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError(_("Another team has this name."), field="name")
    categories = sorted(set(categories))
    if team is None:
        team = Team.objects.create(name=name, kind=kind, categories=categories)
        audit_record(
            actor=actor,
            action=AdminAction.TEAM_CREATED,
            target=team,
            details={"kind": kind, "categories": categories},
            address=address,
        )
        return team
    changes: dict[str, Any] = {}
    for field, value in (("name", name), ("kind", kind), ("categories", categories)):
        if getattr(team, field) != value:
            changes[field] = [getattr(team, field), value]
            setattr(team, field, value)
    if changes:
        team.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, action=AdminAction.TEAM_CHANGED, target=team, details=changes, address=address
        )
    return team


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scope: str = TokenScope.READ_WRITE,
    expires_at: datetime | None = None,
    actor: User | None = None,
    address: str | None = None,
) -> tuple[ApiToken, str]:
    """Return the token row and the clear key, which is shown once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(_("Give the token a name of 1 to 120 characters."), field="name")
    if scope not in TokenScope.values:
        raise ValidationError(_("Choose a scope."), field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."), field="expires_at")
    if not user.is_active:
        raise ValidationError(_("This user is deactivated."), field="user")
    key = "awn_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[4:12],
        scope=scope,
        expires_at=expires_at,
        created_by=actor,
    )
    if actor is not None:
        audit_record(
            actor=actor,
            action=AdminAction.TOKEN_CREATED,
            target=token,
            details={
                "user": user.username,
                "scope": scope,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
            address=address,
        )
    return token, key


# Token → user kept per process for TOKEN_CACHE_SECONDS (the check was ~9% of an API creation): a revoked token, a
# deactivated user, is refused at once by the process that revoked it (its entries are dropped on commit) and by
# every other process within TOKEN_CACHE_SECONDS. Keyed by the key's SHA-256, as the table: no key is kept.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_SIZE = 1000
_tokens: dict[str, tuple[float, User, str, datetime | None]] = {}  # hash → (kept until, user, scope, expires)
_tokens_lock = threading.Lock()
_clock = time.monotonic  # tests move it


def api_token_authenticate(key: str) -> User | None:
    """The user of a valid token (not revoked, not expired, user active), with the token's scope on it as
    `api_token_scope` for the API to check. Each call gets its own copy of the user."""
    key_hash = ApiToken.hash_key(key)
    now = timezone.now()
    with _tokens_lock:
        kept = _tokens.get(key_hash)
    if kept is None or kept[0] < _clock():
        kept = _token_lookup(key_hash, now)
        if kept is None:
            return None
    _until, cached_user, scope, expires_at = kept
    if expires_at is not None and expires_at <= now:
        return None
    user = copy.copy(cached_user)
    user.api_token_scope = scope  # type: ignore[attr-defined]
    return user


def _token_lookup(key_hash: str, now: datetime) -> tuple[float, User, str, datetime | None] | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked=False, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    kept = (_clock() + TOKEN_CACHE_SECONDS, token.user, token.scope, token.expires_at)
    with _tokens_lock:
        if len(_tokens) >= TOKEN_CACHE_SIZE:
            _tokens.clear()
        _tokens[key_hash] = kept
    return kept


def forget_api_tokens(*, key_hash: str | None = None, user_id: int | None = None) -> None:
    """Drop this process's kept tokens: one token, every token of a user, or all (neither given)."""
    with _tokens_lock:
        if key_hash is None and user_id is None:
            _tokens.clear()
            return
        for kept_hash, kept in list(_tokens.items()):
            if kept_hash == key_hash or kept[1].pk == user_id:
                _tokens.pop(kept_hash, None)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken, address: str | None = None) -> None:
    if token.revoked:
        return
    token.revoked = True
    token.save(update_fields=["revoked"])
    forget_api_tokens(
        key_hash=token.key_hash
    )  # now, and again once committed (a request may refill it between)
    transaction.on_commit(lambda: forget_api_tokens(key_hash=token.key_hash))
    audit_record(actor=actor, action=AdminAction.TOKEN_REVOKED, target=token, address=address)


# --- audit -------------------------------------------------------------------------------------------------


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: User | Team | Invitation | ApiToken | None = None,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> AdminAuditEntry:
    target_repr = ""
    if isinstance(target, User):
        target_repr = target.username
    elif isinstance(target, Invitation):
        target_repr = target.email
    elif target is not None:
        target_repr = str(getattr(target, "name", target))
    return AdminAuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.username if actor is not None else "",
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=target.pk if target is not None else None,
        target_repr=target_repr[:200],
        details=details or {},
        address=address or None,
    )


# --- sessions ----------------------------------------------------------------------------------------------


def session_started(*, user: User, session_key: str | None, address: str | None = None) -> None:
    """Remember a session a user signed in with (to end it with the others)."""
    if session_key:
        # One statement: the key was just rotated, so it is new (a repeat is left as it is).
        SignedInSession.objects.bulk_create(
            [SignedInSession(user=user, session_key=session_key, address=address or None)],
            ignore_conflicts=True,
        )


def sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every session of `user` but `keep_session_key`: the rows are deleted, and the epoch in the session
    auth hash moves on, so a session this registry never saw (signed in elsewhere) is refused too. The caller
    keeps its own session with `update_session_auth_hash` afterwards."""
    engine = import_module(settings.SESSION_ENGINE)
    ended = 0
    rows = SignedInSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    for key in list(rows.values_list("session_key", flat=True)):
        engine.SessionStore(session_key=key).delete()
        ended += 1
    rows.delete()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    return ended


@transaction.atomic
def password_change(*, user: User, password: str, keep_session_key: str | None = None) -> None:
    """Set a new password (already validated by the form) and end every other session of the user."""
    user.set_password(password)
    user.save(update_fields=["password"])
    sessions_end(user=user, keep_session_key=keep_session_key)


def signed_in_sessions_prune() -> int:
    """Registry rows of sessions that can no longer be alive (older than the session cookie's age)."""
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    deleted, _rows = SignedInSession.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- invitations -------------------------------------------------------------------------------------------


def _invitation_days() -> int:
    return int(getattr(settings, "AWN_INVITATION_DAYS", 7))


def _check_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise ValidationError(_("Choose a staff role: agent, supervisor or administrator."), field="role")


@transaction.atomic
def invitation_create(
    *,
    actor: User | None,
    email: str,
    role: str,
    team: Team | None = None,
    address: str | None = None,
    link_base: str = "",
    send: bool = True,
) -> tuple[Invitation, str]:
    """Invite a staff member. Returns the invitation and the link's token (shown once, only its hash kept).
    An older pending invitation to the same address stops working."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationError(_("Enter a valid email address."), field="email") from exc
    _check_staff_role(role)
    if (
        User.objects.filter(email__iexact=email).exists()
        or User.objects.filter(username__iexact=email).exists()
    ):
        raise ValidationError(_("A user with this email address already exists."), field="email")
    now = timezone.now()
    Invitation.objects.filter(email=email, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        team=team,
        token_hash=Invitation.hash_token(raw),
        created_by=actor,
        expires_at=now + timedelta(days=_invitation_days()),
    )
    token = signing.Signer(salt=INVITATION_SALT).sign(raw)
    action = AdminAction.USER_INVITED if actor is not None else AdminAction.FIRST_ADMIN_LINK
    audit_record(
        actor=actor,
        action=action,
        target=invitation,
        details={"role": role, "team": team.name if team else None},
        address=address,
    )
    if send and link_base:
        link = f"{link_base.rstrip('/')}/accounts/invitation/{token}/"
        transaction.on_commit(lambda: _send_invitation(email, link))
    return invitation, token


class AdminExists(DomainError):
    status_code = 409
    code = "admin_exists"
    default_message = _("An administrator exists already: they invite the others from the workspace.")


FIRST_ADMIN_HOURS = 24


@transaction.atomic
def first_admin_invitation_create() -> tuple[Invitation, str]:
    """The first-run link: only while no administrator exists, valid 24 hours, once. A new link replaces an
    older one."""
    if User.objects.filter(role=Role.ADMIN).exists():
        raise AdminExists()
    now = timezone.now()
    Invitation.objects.filter(
        created_by__isnull=True, role=Role.ADMIN, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email="",
        role=Role.ADMIN,
        token_hash=Invitation.hash_token(raw),
        created_by=None,
        expires_at=now + timedelta(hours=FIRST_ADMIN_HOURS),
    )
    audit_record(actor=None, action=AdminAction.FIRST_ADMIN_LINK, target=invitation)
    return invitation, signing.Signer(salt=INVITATION_SALT).sign(raw)


def _send_invitation(email: str, link: str) -> None:
    send_mail(
        str(_("Your Awn account")),
        str(_("You are invited to Awn. Choose your password here (the link works once): %(link)s"))
        % {"link": link},
        None,
        [email],
        fail_silently=True,
    )


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link names. NotFound for a forged or unknown link; InvitationGone once it is used,
    revoked or past its expiry."""
    try:
        raw = signing.Signer(salt=INVITATION_SALT).unsign(token or "")
    except signing.BadSignature as exc:
        raise NotFound() from exc
    rows = Invitation.objects.select_related("team")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(token_hash=Invitation.hash_token(raw)).first()
    if invitation is None:
        raise NotFound()
    if invitation.used_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        raise InvitationGone()
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    new_email: str = "",
    address: str | None = None,
) -> User:
    invitation = invitation_for_token(token, lock=True)
    first_admin = invitation.created_by_id is None and not invitation.email
    if first_admin and User.objects.filter(role=Role.ADMIN).exists():
        raise InvitationGone()
    email = invitation.email
    if not email:
        email = (new_email or "").strip().lower()
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            raise ValidationError(_("Enter a valid email address."), field="email") from exc
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A user with this email address already exists."), field="email")
    if User.objects.filter(username__iexact=email).exists():
        raise InvitationGone()
    candidate = User(username=email, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(str(m) for m in exc.messages), field="password1") from exc
    user = user_create(
        username=email,
        password=password,
        role=invitation.role,
        email=email,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        team=invitation.team,
    )
    language = OrganizationSettings.objects.filter(pk=1).values_list("default_language", flat=True).first()
    if language and language != user.preferred_language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    invitation.used_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["used_at", "user"])
    audit_record(
        actor=user, action=AdminAction.INVITATION_ACCEPTED, target=invitation, details={}, address=address
    )
    return user


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation, address: str | None = None) -> None:
    if invitation.used_at or invitation.revoked_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AdminAction.INVITATION_REVOKED, target=invitation, address=address)


# --- users -------------------------------------------------------------------------------------------------


def _other_active_admins(user: User) -> bool:
    return User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()


@transaction.atomic
def user_change(*, actor: User, user: User, role: str, team: Team | None, address: str | None = None) -> User:
    """Change a staff member's role and team. A new role ends the user's sessions (they sign in again with
    the new privileges: a fresh session id)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role in STAFF_ROLES:
        _check_staff_role(role)
    elif role != user.role:
        raise ValidationError(_("A customer's role cannot be changed here."), field="role")
    if user.role == Role.ADMIN and role != Role.ADMIN and not _other_active_admins(user):
        raise ValidationError(_("Awn needs at least one active administrator."), field="role")
    changes: dict[str, Any] = {}
    if role != user.role:
        changes["role"] = [user.role, role]
    old_team = user.team.name if user.team else None
    new_team = team.name if team else None
    if (team.pk if team else None) != user.team_id:
        changes["team"] = [old_team, new_team]
    if not changes:
        return user
    user.role = role
    user.team = team
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["role", "team", "is_staff"])
    if "role" in changes:
        sessions_end(user=user)
    audit_record(actor=actor, action=AdminAction.USER_CHANGED, target=user, details=changes, address=address)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User, address: str | None = None) -> User:
    """Deactivate: the user's sessions end and their API tokens are revoked at once."""
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == Role.ADMIN and not _other_active_admins(user):
        raise ValidationError(_("Awn needs at least one active administrator."))
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
    forget_api_tokens(user_id=user.pk)
    transaction.on_commit(lambda: forget_api_tokens(user_id=user.pk))
    ended = sessions_end(user=user)
    audit_record(
        actor=actor,
        action=AdminAction.USER_DEACTIVATED,
        target=user,
        details={"tokens_revoked": revoked, "sessions_ended": ended},
        address=address,
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User, address: str | None = None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action=AdminAction.USER_REACTIVATED, target=user, address=address)
    return user


@transaction.atomic
def two_factor_reset(*, actor: User, user: User, address: str | None = None) -> None:
    """A lost phone: the user's authenticator app, recovery codes and passkeys are removed and their sessions end; they
    set up a new app at their next sign-in."""
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    Passkey.objects.filter(user=user).delete()  # a lost laptop or key too: they start over from the app
    sessions_end(user=user)
    audit_record(actor=actor, action=AdminAction.TWO_FACTOR_RESET, target=user, address=address)


LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}  # no SVG: it can carry scripts


@transaction.atomic
def organization_settings_save(
    *,
    actor: User,
    name: str,
    default_language: str,
    retention_days: dict[str, int],
    logo: tuple[str, bytes] | None = None,
    remove_logo: bool = False,
    address: str | None = None,
) -> OrganizationSettings:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(_("Give the organization a name of 1 to 120 characters."), field="name")
    if default_language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose Arabic or English."), field="default_language")
    cleaned: dict[str, int] = {}
    for kind in RETENTION_KINDS:
        days = retention_days.get(kind, 0)
        if not isinstance(days, int) or days < 0 or days > 36500:
            raise ValidationError(_("A retention period is a number of days from 0 to 36500."), field=kind)
        cleaned[kind] = days
    extension = None
    if logo is not None:
        _filename, content = logo
        if len(content) > LOGO_MAX_BYTES:
            raise ValidationError(_("The logo must be at most 512 KB."), field="logo")
        extension = next((ext for magic, ext in LOGO_TYPES.items() if content.startswith(magic)), None)
        if extension is None:
            raise ValidationError(_("The logo must be a PNG or JPEG image."), field="logo")
    row, _created = OrganizationSettings.objects.select_for_update().get_or_create(pk=1)
    changes: dict[str, Any] = {}
    for field, value in (("name", name), ("default_language", default_language), ("retention_days", cleaned)):
        if getattr(row, field) != value:
            changes[field] = [getattr(row, field), value]
            setattr(row, field, value)
    if logo is not None and extension is not None:
        if row.logo:
            row.logo.delete(save=False)
        row.logo.save(f"logo.{extension}", ContentFile(logo[1]), save=False)
        changes["logo"] = "new"
    elif remove_logo and row.logo:
        row.logo.delete(save=False)
        changes["logo"] = "removed"
    row.save()
    if changes:
        audit_record(
            actor=actor,
            action=AdminAction.SETTINGS_CHANGED,
            target=None,
            details=changes,
            address=address,
        )
    return row
