"""The ticket status machine: which status may follow which, checked in one place by every path that changes it
(an update, a reply that sets the status, a customer reply that reopens, a call answered)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from awn.core.errors import ValidationError, lazy_format

from .enums import Status

# Closed is final; a customer reply reopens a resolved ticket.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def may_move(old: str, new: str) -> bool:
    """True when a ticket in `old` may move to `new` (staying where it is is not a move)."""
    return new in ALLOWED_TRANSITIONS.get(old, frozenset())


def validate_transition(old: str, new: str) -> None:
    """Raise a bilingual ValidationError on the status field unless `old` → `new` is allowed."""
    if new not in Status.values:
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=new), field="status")
    if not may_move(old, new):
        raise ValidationError(
            lazy_format(
                _("A ticket cannot move from “%(old)s” to “%(new)s”."),
                old=Status(old).label,
                new=Status(new).label,
            ),
            field="status",
        )
