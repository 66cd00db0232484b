"""Writes to the CRM: contacts, organizations, relations, external events, merges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.errors import ValidationError, lazy_format
from awn.core.events import publish
from awn.core.text.arabic import normalize_arabic
from awn.privacy.erasure import fingerprints, ledger_entries
from awn.privacy.scrub import scrub_everywhere
from awn.privacy.services import erasure_record
from awn.search import services as search
from awn.search.enums import Kind as SearchKind

from .enums import ORGANIZATION_RELATIONS, PERSON_RELATIONS, ContactType, OrganizationKind, RelationKind
from .events import ContactErased, ContactMerged
from .models import Contact, ExternalEvent, Organization, Relation
from .validators import clean_email, clean_national_id, clean_phone


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The name is required."), field="name")
    if len(name) > 200:
        raise ValidationError(_("The name is too long."), field="name")
    return name


def _check_national_id_free(national_id: str, exclude_pk: int | None = None) -> None:
    if not national_id:
        return
    clash = Contact.objects.filter(national_id=national_id, merged_into__isnull=True)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(_("Another contact already has this national id."), field="national_id")


@transaction.atomic
def contact_create(
    *,
    name: str,
    contact_type: str = ContactType.PARENT,
    national_id: str = "",
    phone: str = "",
    email: str = "",
    language: str = "ar",
    user: Any = None,
) -> Contact:
    """Validate everything first, then write once: a bad field saves nothing."""
    if contact_type not in ContactType.values:
        raise ValidationError(_("Unknown contact type."), field="contact_type")
    clean = {
        "name": _clean_name(name),
        "national_id": clean_national_id(national_id),
        "phone": clean_phone(phone),
        "email": clean_email(email),
    }
    _check_national_id_free(clean["national_id"])
    contact = Contact.objects.create(
        **clean,
        name_normalized=normalize_arabic(clean["name"])[:200],
        contact_type=contact_type,
        language=language,
        user=user,
    )
    search.index_add(kind=SearchKind.CONTACT, object_id=contact.pk, title=contact.name)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, **fields: Any) -> Contact:
    cleaners = {
        "name": _clean_name,
        "national_id": clean_national_id,
        "phone": clean_phone,
        "email": clean_email,
    }
    updates: dict[str, Any] = {}
    for field, value in fields.items():
        if field in cleaners:
            updates[field] = cleaners[field](value)
        elif field == "contact_type":
            if value not in ContactType.values:
                raise ValidationError(_("Unknown contact type."), field="contact_type")
            updates[field] = value
        elif field == "language":
            updates[field] = value if value in ("ar", "en") else "ar"
        else:
            raise ValidationError(
                lazy_format(_("The field “%(field)s” cannot be changed."), field=field), field=field
            )
    if "national_id" in updates:
        _check_national_id_free(updates["national_id"], exclude_pk=contact.pk)
    if "name" in updates:
        updates["name_normalized"] = normalize_arabic(updates["name"])[:200]
    for field, value in updates.items():
        setattr(contact, field, value)
    contact.save()
    if "name" in updates:
        search.index_set(kind=SearchKind.CONTACT, object_id=contact.pk, title=updates["name"])
    return contact


def contact_link_user(*, contact: Contact, user: User) -> Contact:
    """The portal account of this person (a verified sign-up or single sign-on): one account per contact."""
    if contact.user_id not in (None, user.pk):
        raise ValidationError(_("This person already has an account."), field="user")
    if contact.user_id is None:
        contact.user = user
        contact.save(update_fields=["user", "updated_at"])
    return contact


def organization_create(
    *,
    name: str,
    kind: str = OrganizationKind.SCHOOL,
    code: str = "",
    city: str = "",
    parent: Organization | None = None,
) -> Organization:
    name = _clean_name(name)
    return Organization.objects.create(
        name=name,
        name_normalized=normalize_arabic(name)[:200],
        kind=kind,
        code=code,
        city=city,
        parent=parent,
    )


def relation_add(
    *,
    kind: str,
    contact: Contact,
    other_contact: Contact | None = None,
    organization: Organization | None = None,
    verified: bool = True,
    grade: int | None = None,
) -> Relation:
    """`verified`: the link comes from a trusted source (the education system, an agent who checked it). An
    unverified parent_of link discloses nothing to the guardian until `relation_verify`."""
    if kind in PERSON_RELATIONS:
        if other_contact is None or other_contact.pk == contact.pk:
            raise ValidationError(_("Choose another person for this relation."), field="other_contact")
        relation, _created = Relation.objects.get_or_create(
            kind=kind,
            contact=contact,
            other_contact=other_contact,
            defaults={"verified_at": timezone.now() if verified else None},
        )
        return relation
    if kind in ORGANIZATION_RELATIONS:
        if organization is None:
            raise ValidationError(_("Choose a school for this relation."), field="organization")
        relation, _created = Relation.objects.get_or_create(
            kind=kind,
            contact=contact,
            organization=organization,
            defaults={"verified_at": timezone.now() if verified else None, "grade": grade},
        )
        if grade is not None and relation.grade != grade:
            relation.grade = grade
            relation.save(update_fields=["grade", "updated_at"])
        return relation
    raise ValidationError(_("Unknown relation."), field="kind")


def relation_verify(relation: Relation) -> Relation:
    """The link was checked: it discloses from the next request on (a revoked link is linked again)."""
    relation.verified_at = timezone.now()
    relation.revoked_at = None
    relation.save(update_fields=["verified_at", "revoked_at", "updated_at"])
    return relation


def relation_revoke(relation: Relation) -> Relation:
    """The guardian loses access to the child from the next request on; the link stays, for the record."""
    if relation.revoked_at is None:
        relation.revoked_at = timezone.now()
        relation.save(update_fields=["revoked_at", "updated_at"])
    return relation


# Events of the education system that change a guardian link (issue 15): a parent and a student, by national id.
GUARDIAN_LINKED = "guardian_linked"
GUARDIAN_UNLINKED = "guardian_unlinked"
GUARDIAN_EVENTS = frozenset({GUARDIAN_LINKED, GUARDIAN_UNLINKED})


def _person_by_national_id(value: Any, *, field: str, missing: Any, unknown: Any) -> Contact:
    """The one current contact with this national id; a bad or unknown id is a 400 naming `field`."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(missing, field=field)
    try:
        national_id = clean_national_id(value)
    except ValidationError as exc:
        raise ValidationError(exc.message, field=field) from exc
    contact = Contact.objects.filter(national_id=national_id, merged_into__isnull=True).first()
    if contact is None:
        raise ValidationError(unknown, field=field)
    return contact


def _guardian_pair(national_id: str, payload: dict[str, Any]) -> tuple[Contact, Contact]:
    """(parent, student) of a guardian event: `data.parent_national_id` (or the event's `national_id`) and
    `data.student_national_id`. Both must be valid ids of known contacts, and two different people."""
    parent_raw = payload.get("parent_national_id", national_id) or national_id
    parent = _person_by_national_id(
        parent_raw,
        field="data.parent_national_id",
        missing=_("The parent's national id is required (data.parent_national_id)."),
        unknown=_("No contact has the parent's national id."),
    )
    student = _person_by_national_id(
        payload.get("student_national_id"),
        field="data.student_national_id",
        missing=_("The student's national id is required (data.student_national_id)."),
        unknown=_("No contact has the student's national id."),
    )
    if national_id and parent.national_id != national_id:
        raise ValidationError(
            _("national_id and data.parent_national_id name two different people."), field="national_id"
        )
    if parent.pk == student.pk:
        raise ValidationError(
            _("The parent and the student must be two different people."), field="data.student_national_id"
        )
    return parent, student


def _guardian_link_apply(event_type: str, parent: Contact, student: Contact, at: datetime) -> None:
    """Link (verified, active) or revoke, from the education system's word. An event older than the link's last
    change (`at` before it) is kept on the timeline but changes nothing: deliveries out of order do not undo a
    newer decision. Repeats change nothing either."""
    relation = (
        Relation.objects.select_for_update()
        .filter(kind=RelationKind.PARENT_OF, contact=parent, other_contact=student)
        .first()
    )
    if event_type == GUARDIAN_LINKED:
        if relation is None:
            Relation.objects.create(
                kind=RelationKind.PARENT_OF, contact=parent, other_contact=student, verified_at=at
            )
        elif not relation.is_active_link and not (relation.revoked_at and at < relation.revoked_at):
            relation.verified_at = at
            relation.revoked_at = None
            relation.save(update_fields=["verified_at", "revoked_at", "updated_at"])
        return
    if relation is None or relation.revoked_at is not None:
        return
    if relation.verified_at is not None and at < relation.verified_at:
        return
    relation.revoked_at = at
    relation.save(update_fields=["revoked_at", "updated_at"])


def external_event_record(
    *,
    event_id: str,
    event_type: str,
    occurred_at: datetime | None = None,
    national_id: str = "",
    contact: Contact | None = None,
    reason: str = "",
    payload: dict | None = None,
    source: str = "sis",
) -> tuple[ExternalEvent, bool]:
    """Store an event from the education system once; a repeat of the same (source, event_id) is a no-op.

    `guardian_linked` / `guardian_unlinked` (data: `parent_national_id`, `student_national_id`) also create or
    revoke the parent's link to the student, in the same transaction: the link is verified and active, or revoked
    (the guardian sees nothing more of the child from their next request). Bad or unknown ids: refused, nothing
    written. Returns (event, created).
    """
    event_id = (event_id or "").strip()
    if not event_id or len(event_id) > 128:
        raise ValidationError(_("event_id is required (at most 128 characters)."), field="event_id")
    event_type = (event_type or "").strip()
    if not event_type or len(event_type) > 64:
        raise ValidationError(_("type is required (at most 64 characters)."), field="type")
    existing = ExternalEvent.objects.filter(source=source, event_id=event_id).first()
    if existing:
        return existing, False
    national_id = clean_national_id(national_id) if national_id else ""
    payload = payload or {}
    pair = _guardian_pair(national_id, payload) if event_type in GUARDIAN_EVENTS else None
    if pair is not None and contact is None:
        contact = pair[0]
        national_id = national_id or pair[0].national_id
    if contact is None and national_id:
        contact = Contact.objects.filter(national_id=national_id, merged_into__isnull=True).first()
    occurred_at = occurred_at or timezone.now()
    try:
        with transaction.atomic():
            event = ExternalEvent.objects.create(
                source=source,
                event_id=event_id,
                event_type=event_type,
                contact=contact,
                national_id=national_id,
                occurred_at=occurred_at,
                reason=(reason or "")[:200],
                payload=payload,
            )
            if pair is not None:
                _guardian_link_apply(event_type, *pair, at=occurred_at)
    except IntegrityError:
        # A concurrent delivery of the same event won the race.
        winner = ExternalEvent.objects.filter(source=source, event_id=event_id).first()
        if winner is None:
            raise
        return winner, False
    return event, True


@transaction.atomic
def contact_merge(*, source: Contact, target: Contact) -> Contact:
    """Fold `source` into `target`: relations and external events move, and ContactMerged lets the other domains
    move what they hold of the source (tickets, messages) in the same transaction; nothing is deleted."""
    if source.pk == target.pk:
        raise ValidationError(_("A contact cannot be merged into itself."), field="target")
    if source.merged_into_id:
        raise ValidationError(_("This contact is already merged."), field="source")
    ExternalEvent.objects.filter(contact=source).update(contact=target)
    for relation in Relation.objects.filter(contact=source):
        _move_relation(relation, contact=target)
    for relation in Relation.objects.filter(other_contact=source):
        _move_relation(relation, other_contact=target)
    for field in ("national_id", "phone", "email"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    source.merged_into = target
    source.national_id = ""  # frees the unique id for the surviving profile
    source.save(update_fields=["merged_into", "national_id", "updated_at"])
    if source.user_id and not target.user_id:
        target.user_id, source.user_id = source.user_id, None
        source.save(update_fields=["user"])
    target.save()
    search.index_remove(kind=SearchKind.CONTACT, object_ids=[source.pk])
    publish(ContactMerged(source_id=source.pk, target_id=target.pk))
    return target


def _move_relation(relation: Relation, **new: Contact) -> None:
    probe = {
        "kind": relation.kind,
        "contact": relation.contact,
        "other_contact": relation.other_contact,
        "organization": relation.organization,
        **new,
    }
    if probe["contact"] == probe["other_contact"] or Relation.objects.filter(**probe).exists():
        relation.delete()
        return
    for key, value in new.items():
        setattr(relation, key, value)
    relation.save()


ERASED_NAME = "[محذوف]"


def contact_identifiers(contact: Contact) -> list[tuple[str, str]]:
    """(kind, value) of what identifies the person: the erasure ledger keeps them as keyed hashes."""
    return [
        ("national_id", contact.national_id),
        ("phone", contact.phone),
        ("email", contact.email),
        ("name", contact.name),
    ]


def _phone_forms(phone: str) -> list[str]:
    """+966501234567 as it may appear in raw payloads too: 966501234567 (WhatsApp wa_id), 0501234567."""
    if not phone:
        return []
    digits = phone.lstrip("+")
    forms = [phone, digits]
    if digits.startswith("966"):
        forms.append("0" + digits[3:])
    return forms


def is_erased(contact: Contact) -> bool:
    return contact.name == ERASED_NAME and not contact.national_id and not contact.phone and not contact.email


@transaction.atomic
def contact_erase(
    *,
    contact: Contact,
    actor: Any,
    reason: str,
    address: str = "",
    request_id: str = "",
    reapplied: bool = False,
) -> Contact:
    """Erase a person on request (PDPL; issue 15, item 4): their national id, phone, email and name leave the
    contact; the domains anonymize what they hold of them (ContactErased: messages they wrote, their files and
    channel identities); then every remaining occurrence of their national id, phone (every form) and email in
    any table outside the legal-hold ones is replaced (awn.privacy.scrub). The erasure is audited and recorded
    in the erasure ledger, which `manage.py reapply_erasures` replays after a restore. The contact row stays,
    anonymized, so tickets keep their history."""
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    identifiers = contact_identifiers(locked)
    # Duplicates merged into this person earlier are the same person: erased with them.
    people = [locked, *Contact.objects.select_for_update().filter(merged_into=locked)]
    needles: list[str] = []
    for person in people:
        needles += [person.national_id, *_phone_forms(person.phone), person.email]
    external = list(
        ExternalEvent.objects.filter(contact__in=people).values_list("national_id", flat=True).distinct()
    )
    publish(ContactErased(contact_id=locked.pk))
    ExternalEvent.objects.filter(contact__in=people).update(national_id="", reason="", payload={})
    ids = [n for n in (p.national_id for p in people) if n]
    if ids:
        ExternalEvent.objects.filter(national_id__in=ids).update(national_id="", payload={})
    Contact.objects.filter(pk__in=[p.pk for p in people]).update(
        name=ERASED_NAME,
        name_normalized=normalize_arabic(ERASED_NAME),
        national_id="",
        phone="",
        email="",
        updated_at=timezone.now(),
    )
    # The person's portal account: nothing that names them stays, and it can no longer sign in.
    User.objects.filter(pk__in=[p.user_id for p in people if p.user_id is not None]).update(
        username=Concat(Value("erased-"), Cast("pk", output_field=CharField())),
        email="",
        first_name="",
        last_name="",
        password=make_password(None),
        is_active=False,
    )
    search.index_remove(kind=SearchKind.CONTACT, object_ids=[p.pk for p in people[1:]])
    search.index_set(kind=SearchKind.CONTACT, object_id=locked.pk, title=ERASED_NAME, body="")
    # Other people's own contact rows keep their values (a family may share a phone): only this person's rows were
    # emptied above; everywhere else, every occurrence goes.
    scrub_everywhere([*needles, *(n for n in external if n)], keep_tables={"crm_contact"})
    erasure_record(
        actor=actor,
        subject_id=locked.pk,
        identifiers=identifiers,
        reason=reason,
        address=address,
        request_id=request_id,
        reapplied=reapplied,
    )
    locked.refresh_from_db()
    return locked


def contact_erasures_reapply() -> list[int]:
    """After a restore: erase again everyone the erasure ledger lists (database or file) whom the restore
    brought back. A contact is erased again only if one of its identifiers matches the ledger's keyed hashes, so
    a different person who got the same id is never touched. Idempotent. Returns the contact ids erased."""
    erased: list[int] = []
    for entry in ledger_entries():
        contact = Contact.objects.filter(pk=entry.subject_id).first()
        if contact is None or is_erased(contact):
            continue
        if not entry.fingerprints.intersection(fingerprints(contact_identifiers(contact))):
            continue
        contact_erase(
            contact=contact,
            actor=None,
            reason="reapplied after a restore (erasure ledger)",
            reapplied=True,
        )
        erased.append(contact.pk)
    return erased
