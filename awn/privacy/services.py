"""Writes of the privacy app: the access audit (append-only).

`record_access` writes one row; `record_request_accesses` writes the rows of one request (who, from where, the
request id) in a single INSERT, so auditing a page costs one statement whatever it shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.addresses import client_address
from awn.core.errors import ValidationError

from .enums import REASON_MAX, AccessAction, ObjectKind
from .erasure import append_to_file, fingerprints
from .models import AccessRecord, ErasureRecord

REASON_MIN = 5
_REQUEST_ID = re.compile(r"[^A-Za-z0-9._:-]")


@dataclass(frozen=True)
class Access:
    """One thing done to one person's data: `subject_id` is the contact it concerns."""

    action: str
    object_kind: str
    object_id: int | None = None
    subject_id: int | None = None
    reason: str = ""


def clean_reason(reason: str, *, required: bool) -> str:
    text = " ".join((reason or "").replace("\x00", "").split())
    if required and len(text) < REASON_MIN:
        raise ValidationError(
            _("Give a reason (at least %(min)d characters) to see the full value.") % {"min": REASON_MIN},
            field="reason",
        )
    if len(text) > REASON_MAX:
        raise ValidationError(
            _("The reason is too long (at most %(max)d characters).") % {"max": REASON_MAX}, field="reason"
        )
    return text


def _check(access: Access) -> Access:
    if access.action not in AccessAction.values:
        raise ValidationError(_("Unknown audit action."), field="action")
    if access.object_kind not in ObjectKind.values:
        raise ValidationError(_("Unknown audit object."), field="object_kind")
    reason = clean_reason(access.reason, required=access.action == AccessAction.UNMASK)
    if reason == access.reason:
        return access
    return Access(access.action, access.object_kind, access.object_id, access.subject_id, reason)


def request_id_of(request: HttpRequest) -> str:
    """The id a proxy or middleware gave the request, if any (kept to 64 safe characters)."""
    value = getattr(request, "request_id", "") or request.headers.get("X-Request-ID", "")
    return _REQUEST_ID.sub("", str(value))[:64]


def record_accesses(
    actor: User | None, accesses: Sequence[Access], *, address: str = "", request_id: str = ""
) -> list[AccessRecord]:
    """Write every access in one INSERT. A bad access (unknown action, missing reason) writes nothing."""
    checked = [_check(a) for a in accesses]
    if not checked:
        return []
    who = actor if actor is not None and actor.is_authenticated else None
    rows = [
        AccessRecord(
            actor=who,
            actor_role=getattr(who, "role", "") or "",
            action=a.action,
            object_kind=a.object_kind,
            object_id=a.object_id,
            subject_id=a.subject_id,
            address=(address or "")[:45],
            request_id=(request_id or "")[:64],
            reason=a.reason,
        )
        for a in checked
    ]
    # bulk_create is atomic on its own (one batch: one INSERT, no savepoint).
    return AccessRecord.objects.bulk_create(rows)


def record_access(
    *,
    actor: User | None,
    action: str,
    object_kind: str,
    object_id: int | None = None,
    subject_id: int | None = None,
    reason: str = "",
    address: str = "",
    request_id: str = "",
) -> AccessRecord:
    return record_accesses(
        actor,
        [Access(action, object_kind, object_id, subject_id, reason)],
        address=address,
        request_id=request_id,
    )[0]


def record_request_accesses(request: HttpRequest, *accesses: Access) -> list[AccessRecord]:
    """The accesses of one request, by its user, from its client address (awn.core.addresses)."""
    user = getattr(request, "user", None)
    return record_accesses(
        user if isinstance(user, User) else None,
        accesses,
        address=client_address(request),
        request_id=request_id_of(request),
    )


def erasure_record(
    *,
    actor: User | None,
    subject_id: int,
    identifiers: list[tuple[str, str]],
    reason: str,
    address: str = "",
    request_id: str = "",
    reapplied: bool = False,
) -> ErasureRecord | None:
    """Record an erasure in the access audit and, the first time, in the erasure ledger (database + file, the
    file once the transaction commits). `identifiers`: (kind, value) pairs, kept only as keyed hashes."""
    text = clean_reason(reason, required=False)
    record_accesses(
        actor,
        [Access(AccessAction.ERASE, ObjectKind.CONTACT, subject_id, subject_id, text)],
        address=address,
        request_id=request_id,
    )
    if reapplied:
        return None
    who = actor if actor is not None and actor.is_authenticated else None
    record = ErasureRecord.objects.create(
        actor=who, subject_id=subject_id, fingerprints=fingerprints(identifiers), reason=text
    )
    transaction.on_commit(lambda: append_to_file(record))
    return record
