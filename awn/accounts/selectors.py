"""Reads for the administration pages."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .enums import STAFF_ROLES
from .models import AdminAuditEntry, ApiToken, Invitation, OrganizationSettings, Team, TotpDevice, User


def user_list(*, q: str = "", role: str = "", staff_only: bool = True) -> QuerySet[User]:
    rows = User.objects.select_related("team").order_by("username", "pk")
    if staff_only:
        rows = rows.filter(role__in=list(STAFF_ROLES))
    if role:
        rows = rows.filter(role=role)
    q = q.strip()[:100]
    if q:
        rows = rows.filter(
            Q(username__icontains=q)
            | Q(email__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
        )
    return rows


def user_for_admin(pk: int) -> User | None:
    return User.objects.select_related("team").filter(pk=pk).first()


def invitations_pending() -> QuerySet[Invitation]:
    return (
        Invitation.objects.select_related("team", "created_by")
        .filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
    )


def invitation_for_admin(pk: int) -> Invitation | None:
    return Invitation.objects.filter(pk=pk).first()


def team_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def audit_list(*, target_type: str = "", target_id: int | None = None) -> QuerySet[AdminAuditEntry]:
    rows = AdminAuditEntry.objects.select_related("actor").order_by("-created_at", "-pk")
    if target_type:
        rows = rows.filter(target_type=target_type)
    if target_id is not None:
        rows = rows.filter(target_id=target_id)
    return rows


def active_user(pk: object) -> User | None:
    if not isinstance(pk, int):
        return None
    return User.objects.select_related("team").filter(pk=pk, is_active=True).first()


def api_token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user").order_by("revoked", "-created_at", "-pk")


def api_token_for_admin(pk: int) -> ApiToken | None:
    return ApiToken.objects.filter(pk=pk).first()


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username.strip()[:150]).first()


def team_for_admin(pk: int) -> Team | None:
    return Team.objects.filter(pk=pk).first()


def team_member_counts() -> dict[int, int]:
    rows = User.objects.filter(team__isnull=False, is_active=True).values("team").annotate(n=Count("pk"))
    return {row["team"]: row["n"] for row in rows}


def has_two_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def organization_settings() -> OrganizationSettings:
    """The settings row, or its defaults when none was saved yet (nothing is written by a read)."""
    return OrganizationSettings.objects.filter(pk=1).first() or OrganizationSettings(pk=1)


def retention_days(kind: str) -> int | None:
    """Days to keep `kind` of data (one of models.RETENTION_KINDS); None when no limit is set."""
    days = organization_settings().retention_days.get(kind) or 0
    return int(days) or None
