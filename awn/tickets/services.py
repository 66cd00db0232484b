"""Every write to tickets goes through here: validation, audit, and events published after commit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from awn.accounts.enums import STAFF_ROLES
from awn.accounts.models import Team, User
from awn.accounts.policies import is_staff_member
from awn.core.errors import Conflict, NotFound, ValidationError, lazy_format, required_text
from awn.core.events import publish
from awn.core.tasks import enqueue
from awn.crm.models import Contact, Organization
from awn.search import services as search
from awn.search.enums import Kind as SearchKind

from . import events
from .attachments import CheckedFile, IncomingFile, check_attachments
from .enums import Category, Channel, Direction, MessageKind, Priority, Status
from .models import Attachment, AuditEntry, Message, Tag, Ticket, TicketWatcher
from .transitions import validate_transition

SUBJECT_MAX = 200
BODY_MAX = 20_000
# `@username` in a note: not glued to a word or an address before it (so mail@school.sa names nobody); Django
# usernames are letters, digits and @ . + - _ (Arabic letters included).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
MENTIONS_MAX = 20
TRACKED_FIELDS = ("subject", "priority", "category", "status", "team_id", "assignee_id")


_clean_text = required_text


def _check_choice(value: str, choices: Any, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=value), field=field)
    return value


def _store_attachments(message: Message, files: list[CheckedFile]) -> None:
    for checked in files:
        attachment = Attachment(
            message=message,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
        )
        attachment.file.save(checked.sha256, checked.as_django_file(), save=False)
        attachment.save()


def _audit(
    ticket_id: int, actor: User | None, action: str, field: str = "", old: Any = "", new: Any = ""
) -> AuditEntry:
    return AuditEntry(
        ticket_id=ticket_id,
        actor=actor if actor and actor.is_authenticated else None,
        action=action,
        field=field,
        old_value="" if old is None else str(old)[:200],
        new_value="" if new is None else str(new)[:200],
    )


@transaction.atomic
def ticket_create(
    *,
    requester: Contact,
    subject: str,
    body: str,
    category: str = Category.OTHER,
    priority: str = Priority.NORMAL,
    channel: str = Channel.PORTAL,
    actor: User | None = None,
    about_contact: Contact | None = None,
    organization: Organization | None = None,
    attachments: list[IncomingFile] | None = None,
    tags: Iterable[str] = (),
) -> Ticket:
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX, label=_("The subject"))
    body = _clean_text(body, field="body", max_length=BODY_MAX, label=_("The message"))
    _check_choice(category, Category, field="category")
    _check_choice(priority, Priority, field="priority")
    _check_choice(channel, Channel, field="channel")
    checked = check_attachments(attachments or [])
    now = timezone.now()
    ticket = Ticket.objects.create(
        subject=subject,
        body_preview=body[:200],
        requester=requester,
        about_contact=about_contact,
        organization=organization,
        category=category,
        priority=priority,
        channel=channel,
        last_message_at=now,
    )
    by_staff = actor is not None and is_staff_member(actor)
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        direction=Direction.INBOUND,
        channel=channel,
        author_contact=requester,
        author_user=actor if by_staff else None,
        body=body,
    )
    _store_attachments(message, checked)
    AuditEntry.objects.create(ticket_id=ticket.pk, actor=actor, action="created", new_value=channel)
    search.index_add(kind=SearchKind.TICKET, object_id=ticket.pk, title=subject, body=body)
    if tags:
        _set_tags(ticket, tags)
    publish(events.TicketCreated(ticket_id=ticket.pk, channel=channel, actor_id=actor.pk if actor else None))
    publish(events.MessageReceived(ticket_id=ticket.pk, message_id=message.pk))
    return ticket


def ticket_open_proactive(
    *, requester: Contact, subject: str, channel: str, actor: User | None = None
) -> Ticket:
    """A ticket the center opens to write first (proactive outreach): born resolved, so it waits in nobody's
    queue and runs no SLA clock (nobody asked anything), and it is no contact in the KPIs (no TicketCreated).
    The caller adds its one message with `ticket_add_bot_reply`, which delivers it on the ticket's channel. If the
    person answers, their message opens a ticket of its own (threads follow active tickets)."""
    subject = _clean_text(subject, field="subject", max_length=SUBJECT_MAX, label=_("The subject"))
    _check_choice(channel, Channel, field="channel")
    now = timezone.now()
    ticket = Ticket.objects.create(
        subject=subject,
        requester=requester,
        channel=channel,
        status=Status.RESOLVED,
        resolved_at=now,
        last_message_at=now,
    )
    AuditEntry.objects.create(ticket_id=ticket.pk, actor=actor, action="created", new_value="outreach")
    return ticket


def _lock(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket_id)


@transaction.atomic
def ticket_add_message(
    *,
    ticket: Ticket,
    body: str,
    actor: User | None,
    kind: str = MessageKind.REPLY,
    author_contact: Contact | None = None,
    channel: str | None = None,
    attachments: list[IncomingFile] | None = None,
    status_after: str | None = None,
) -> Message:
    """A public reply or an internal note. Customers only reply; staff replies count as first response."""
    body = _clean_text(body, field="body", max_length=BODY_MAX, label=_("The message"))
    _check_choice(kind, MessageKind, field="kind")
    checked = check_attachments(attachments or [])
    locked = _lock(ticket.pk)
    if locked.status == Status.CLOSED:
        raise ValidationError(_("This ticket is closed. Please open a new ticket."), field="body")
    from_staff = actor is not None and is_staff_member(actor)
    if kind == MessageKind.NOTE and actor is not None and not from_staff:
        # actor None is the system itself (the assistant recording its attempt), never a customer.
        raise ValidationError(_("Only staff can add internal notes."), field="kind")
    now = timezone.now()
    direction = (
        Direction.INTERNAL
        if kind == MessageKind.NOTE
        else (Direction.OUTBOUND if from_staff else Direction.INBOUND)
    )
    message = Message.objects.create(
        ticket=locked,
        kind=kind,
        direction=direction,
        channel=channel or (Channel.AGENT if from_staff else locked.channel),
        author_user=actor if actor and actor.is_authenticated else None,
        # A system note (actor None) has no author; a customer's message is theirs (or the requester's).
        author_contact=None
        if from_staff or (actor is None and kind == MessageKind.NOTE)
        else (author_contact or locked.requester),
        body=body,
    )
    _store_attachments(message, checked)
    if kind != MessageKind.NOTE:
        search.index_append(kind=SearchKind.TICKET, object_id=locked.pk, text=body)
    updates: dict[str, Any] = {"last_message_at": now}
    audit: list[AuditEntry] = []
    if kind == MessageKind.NOTE:
        publish(
            events.NoteAdded(
                ticket_id=locked.pk,
                message_id=message.pk,
                actor_id=actor.pk if actor else None,
                mentioned_user_ids=mentioned_user_ids(body),
            )
        )
    elif from_staff:
        if locked.first_response_at is None:
            updates["first_response_at"] = now
        if locked.status == Status.NEW and status_after is None:
            status_after = Status.OPEN
        publish(
            events.ReplySent(ticket_id=locked.pk, message_id=message.pk, actor_id=actor.pk if actor else None)
        )
    else:
        if locked.status in (Status.PENDING, Status.RESOLVED):
            status_after = Status.OPEN
            if locked.status == Status.RESOLVED:
                audit.append(_audit(locked.pk, actor, "reopened"))
        publish(events.MessageReceived(ticket_id=locked.pk, message_id=message.pk))
    if status_after and status_after != locked.status:
        validate_transition(locked.status, status_after)
        updates.update(_status_side_effects(locked, status_after, now))
        audit.append(_audit(locked.pk, actor, "changed", "status", locked.status, status_after))
        publish(
            events.TicketStatusChanged(
                ticket_id=locked.pk,
                old_status=locked.status,
                new_status=status_after,
                actor_id=actor.pk if actor else None,
            )
        )
    Ticket.objects.filter(pk=locked.pk).update(**updates, version=F("version") + 1, updated_at=now)
    AuditEntry.objects.bulk_create(audit)
    return message


def mentioned_user_ids(text: str) -> tuple[int, ...]:
    """The active staff members a note names with `@username` (trailing punctuation ignored), in id order."""
    names = {name.rstrip(".") for name in MENTION.findall(text)}
    names.discard("")
    if not names:
        return ()
    users = User.objects.filter(
        username__in=sorted(names)[:MENTIONS_MAX], is_active=True, role__in=STAFF_ROLES
    )
    return tuple(users.order_by("pk").values_list("pk", flat=True))


def ticket_add_bot_reply(*, ticket: Ticket, body: str) -> Message:
    """A public reply written by the system (the assistant's answer on the customer's channel). It goes out like
    an agent's reply (ReplySent), but counts as no agent's first response and changes no status."""
    body = _clean_text(body, field="body", max_length=BODY_MAX, label=_("The message"))
    locked = _lock(ticket.pk)
    if locked.status == Status.CLOSED:
        raise ValidationError(_("This ticket is closed. Please open a new ticket."), field="body")
    now = timezone.now()
    message = Message.objects.create(
        ticket=locked,
        kind=MessageKind.REPLY,
        direction=Direction.OUTBOUND,
        channel=locked.channel,
        author_user=None,
        author_contact=None,
        body=body,
    )
    search.index_append(kind=SearchKind.TICKET, object_id=locked.pk, text=body)
    publish(events.ReplySent(ticket_id=locked.pk, message_id=message.pk, actor_id=None))
    Ticket.objects.filter(pk=locked.pk).update(last_message_at=now, version=F("version") + 1, updated_at=now)
    return message


def _status_side_effects(ticket: Ticket, new: str, now: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": new}
    if new == Status.RESOLVED and ticket.resolved_at is None:
        changes["resolved_at"] = now
    if new == Status.CLOSED:
        changes["closed_at"] = now
    return changes


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: User | None,
    changes: Mapping[str, Any],
    seen: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    notify_requester: bool = True,
) -> Ticket:
    """Change tracked fields of a ticket under a row lock.

    `notify_requester` False: a resolution tells the requester nothing (they are told otherwise: an incident's
    resolution broadcast); it carries to the incidents of a problem resolved this way.

    Concurrent edits of different fields by two agents both land. An edit of a field that changed since the
    editor loaded it (`seen` holds the values the editor saw) or of a stale `expected_version` is refused with
    Conflict, so no update is silently lost.
    """
    locked = _lock(ticket.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict()
    for field, old_seen in (seen or {}).items():
        if field in changes and str(getattr(locked, field) or "") != str(old_seen or ""):
            raise Conflict()
    now = timezone.now()
    updates: dict[str, Any] = {}
    audit: list[AuditEntry] = []
    actor_id = actor.pk if actor else None
    new_values = _validated_changes(locked, changes)
    for field, value in new_values.items():
        old = getattr(locked, field)
        if old == value:
            continue
        updates[field] = value
        audit.append(_audit(locked.pk, actor, "changed", field.removesuffix("_id"), old, value))
    if not updates:
        return locked
    if "status" in updates:
        updates.update(_status_side_effects(locked, updates["status"], now))
    Ticket.objects.filter(pk=locked.pk).update(**updates, version=F("version") + 1, updated_at=now)
    AuditEntry.objects.bulk_create(audit)
    if "subject" in updates:
        search.index_set(kind=SearchKind.TICKET, object_id=locked.pk, title=updates["subject"])
    if "assignee_id" in updates or "team_id" in updates:
        publish(
            events.TicketAssigned(
                ticket_id=locked.pk,
                assignee_id=new_values.get("assignee_id", locked.assignee_id),
                team_id=new_values.get("team_id", locked.team_id),
                actor_id=actor_id,
            )
        )
    if "status" in updates:
        publish(
            events.TicketStatusChanged(
                ticket_id=locked.pk,
                old_status=locked.status,
                new_status=updates["status"],
                actor_id=actor_id,
                notify_requester=notify_requester,
            )
        )
        if updates["status"] == Status.RESOLVED and locked.is_problem:
            tickets_resolve_incidents(problem=locked, actor=actor, notify_requester=notify_requester)
    publish(events.TicketUpdated(ticket_id=locked.pk, fields=tuple(updates), actor_id=actor_id))
    locked.refresh_from_db()
    return locked


def _validated_changes(ticket: Ticket, changes: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "subject":
            result["subject"] = _clean_text(
                value, field="subject", max_length=SUBJECT_MAX, label=_("The subject")
            )
        elif field == "priority":
            result["priority"] = _check_choice(value, Priority, field="priority")
        elif field == "category":
            result["category"] = _check_choice(value, Category, field="category")
        elif field == "status":
            if value != ticket.status:
                validate_transition(ticket.status, value)
            result["status"] = value
        elif field in ("team", "team_id"):
            result["team_id"] = _existing_team_id(value)
        elif field in ("assignee", "assignee_id"):
            result["assignee_id"] = _assignable_user_id(ticket, value, changes)
        else:
            raise ValidationError(
                lazy_format(_("The field “%(field)s” cannot be changed."), field=field), field=field
            )
    return result


def _existing_team_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    team_id = value.pk if isinstance(value, Team) else int(value)
    if not Team.objects.filter(pk=team_id).exists():
        raise ValidationError(_("Unknown team."), field="team")
    return team_id


def _assignable_user_id(ticket: Ticket, value: Any, changes: Mapping[str, Any]) -> int | None:
    from .policies import visible_tickets

    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else User.objects.filter(pk=int(value)).first()
    if user is None or not is_staff_member(user):
        raise ValidationError(_("The assignee must be an active agent."), field="assignee")
    category = changes.get("category", ticket.category)
    probe = Ticket(pk=ticket.pk, category=category, team_id=ticket.team_id)
    if not visible_tickets(user, Ticket.objects.filter(pk=ticket.pk)).exists() and not _covers(user, probe):
        raise ValidationError(_("This agent's team does not cover this ticket's category."), field="assignee")
    return user.pk


def _covers(user: User, ticket: Ticket) -> bool:
    from awn.accounts.policies import covered_categories

    categories = covered_categories(user)
    return categories is None or ticket.category in categories


RESOLVE_BATCH = 200
RESOLVE_JOB = "awn.tickets.tasks.resolve_incidents"


def tickets_resolve_incidents(*, problem: Ticket, actor: User | None, notify_requester: bool = True) -> None:
    """A resolved problem resolves its linked incidents: in batches of RESOLVE_BATCH, each its own transaction and
    job, after this one commits (thousands of incidents never hold one long transaction or one request)."""
    enqueue(RESOLVE_JOB, problem.pk, actor.pk if actor else None, notify_requester, 0)


def tickets_resolve_incidents_batch(
    *,
    problem_id: int,
    actor_id: int | None,
    notify_requester: bool = True,
    after_id: int = 0,
    limit: int = RESOLVE_BATCH,
) -> int | None:
    """One batch: the next `limit` open incidents of the problem (by id, past `after_id`) resolved in one
    transaction, each as a resolution of its own (history, SLA, reports, the requester's notice unless told
    otherwise). Returns the last id done, or None when none remain or the problem was reopened meanwhile. An
    incident that cannot move to resolved is left as it is and skipped."""
    if not Ticket.objects.filter(pk=problem_id, status__in=(Status.RESOLVED, Status.CLOSED)).exists():
        return None
    ids = list(
        Ticket.objects.filter(problem_id=problem_id, pk__gt=after_id)
        .exclude(status__in=(Status.RESOLVED, Status.CLOSED))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return None
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with transaction.atomic():
        for ticket_id in ids:
            try:
                with transaction.atomic():
                    ticket_update(
                        ticket=Ticket(pk=ticket_id),
                        actor=actor,
                        changes={"status": Status.RESOLVED},
                        notify_requester=notify_requester,
                    )
            except ValidationError:
                continue
    return ids[-1]


def _set_tags(ticket: Ticket, names: Iterable[str]) -> None:
    clean = sorted({n.strip()[:60] for n in names if n and n.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=clean)}
    missing = [Tag(name=n) for n in clean if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=clean)}
    ticket.tags.set(existing.values())


@transaction.atomic
def ticket_set_tags(*, ticket: Ticket, actor: User | None, tags: Iterable[str]) -> None:
    locked = _lock(ticket.pk)
    old = sorted(locked.tags.values_list("name", flat=True))
    _set_tags(locked, tags)
    new = sorted(locked.tags.values_list("name", flat=True))
    if old != new:
        AuditEntry.objects.create(
            ticket_id=locked.pk,
            actor=actor,
            action="changed",
            field="tags",
            old_value=", ".join(old)[:200],
            new_value=", ".join(new)[:200],
        )
        publish(
            events.TicketUpdated(ticket_id=locked.pk, fields=("tags",), actor_id=actor.pk if actor else None)
        )


def ticket_record_automation(
    *, ticket_id: int, name: str, kind: str = "rule", actor: User | None = None
) -> None:
    """An automation rule (kind "rule", by the system) or a macro (kind "macro", by the agent who ran it) acts on
    the ticket: one history line naming it, followed by the lines of its changes."""
    AuditEntry.objects.create(
        ticket_id=ticket_id,
        actor=actor if actor and actor.is_authenticated else None,
        action=kind,
        field="automation",
        new_value=name[:200],
    )


@transaction.atomic
def ticket_link_incident(*, problem: Ticket, incident: Ticket, actor: User | None) -> None:
    if problem.pk == incident.pk:
        raise ValidationError(_("A ticket cannot be linked to itself."), field="problem")
    if incident.is_problem:
        raise ValidationError(
            _("A problem ticket cannot be an incident of another problem."), field="problem"
        )
    Ticket.objects.filter(pk=problem.pk).update(is_problem=True, problem=None, version=F("version") + 1)
    Ticket.objects.filter(pk=incident.pk).update(problem=problem, version=F("version") + 1)
    AuditEntry.objects.bulk_create(
        [
            _audit(problem.pk, actor, "linked", "incident", "", incident.reference),
            _audit(incident.pk, actor, "linked", "problem", "", problem.reference),
        ]
    )
    publish(
        events.TicketUpdated(ticket_id=incident.pk, fields=("problem",), actor_id=actor.pk if actor else None)
    )


@transaction.atomic
def ticket_unlink_incident(*, incident: Ticket, actor: User | None) -> None:
    locked = _lock(incident.pk)
    if locked.problem_id is None:
        return
    Ticket.objects.filter(pk=locked.pk).update(problem=None, version=F("version") + 1)
    AuditEntry.objects.create(
        ticket_id=locked.pk, actor=actor, action="unlinked", field="problem", old_value=str(locked.problem_id)
    )


LINK_CHUNK = 500


def tickets_link_to_problem(*, problem: Ticket, ticket_ids: Iterable[int], actor: User | None) -> int:
    """Link many tickets to `problem` at once (surge mode): set-based, one history line per ticket linked.

    Idempotent: a ticket already linked to a problem (this one or another), a problem ticket, a merged or a closed
    ticket is left as it is, so running the same linking twice links nothing the second time. Each chunk of
    LINK_CHUNK tickets is its own transaction (a short lock on a few hundred rows, not on ten thousand). No event
    per ticket: one TicketUpdated for the problem (its page and the queues refresh once). Returns how many were
    linked."""
    ids = sorted({int(pk) for pk in ticket_ids} - {problem.pk})
    if not ids:
        return 0
    Ticket.objects.filter(pk=problem.pk).update(is_problem=True, problem=None)
    linked = 0
    for start in range(0, len(ids), LINK_CHUNK):
        linked += _link_chunk(problem, ids[start : start + LINK_CHUNK], actor)
    if linked:
        AuditEntry.objects.create(
            ticket_id=problem.pk, actor=actor, action="linked", field="incident", new_value=str(linked)
        )
        publish(
            events.TicketUpdated(
                ticket_id=problem.pk, fields=("problem",), actor_id=actor.pk if actor else None
            )
        )
    return linked


@transaction.atomic
def _link_chunk(problem: Ticket, ids: list[int], actor: User | None) -> int:
    eligible = list(
        Ticket.objects.select_for_update()
        .filter(pk__in=ids, problem__isnull=True, is_problem=False, merged_into__isnull=True)
        .exclude(status=Status.CLOSED)
        .values_list("pk", flat=True)
    )
    if not eligible:
        return 0
    now = timezone.now()
    Ticket.objects.filter(pk__in=eligible).update(problem=problem, version=F("version") + 1, updated_at=now)
    AuditEntry.objects.bulk_create(
        [_audit(pk, actor, "linked", "problem", "", problem.reference) for pk in eligible]
    )
    return len(eligible)


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: User | None) -> Ticket:
    """Move every message of `source` into `target`, then close `source` pointing at `target`."""
    if source.pk == target.pk:
        raise ValidationError(_("A ticket cannot be merged into itself."), field="target")
    locked_source, locked_target = _lock(source.pk), _lock(target.pk)
    if locked_target.merged_into_id or locked_target.status == Status.CLOSED:
        raise ValidationError(_("The target ticket is closed or already merged."), field="target")
    if locked_source.merged_into_id:
        raise ValidationError(_("This ticket is already merged."), field="source")
    now = timezone.now()
    Message.objects.filter(ticket_id=locked_source.pk).update(ticket_id=locked_target.pk)
    Message.objects.create(
        ticket=locked_target,
        kind=MessageKind.NOTE,
        direction=Direction.INTERNAL,
        channel=Channel.AGENT,
        author_user=actor,
        body=gettext("Ticket %(ref)s was merged into this ticket.") % {"ref": locked_source.reference},
    )
    Ticket.objects.filter(pk=locked_source.pk).update(
        merged_into=locked_target,
        status=Status.CLOSED,
        closed_at=now,
        version=F("version") + 1,
        updated_at=now,
    )
    Ticket.objects.filter(pk=locked_target.pk).update(
        last_message_at=now, version=F("version") + 1, updated_at=now
    )
    Ticket.objects.filter(problem_id=locked_source.pk).update(problem=locked_target)
    search.index_merge(kind=SearchKind.TICKET, source_id=locked_source.pk, target_id=locked_target.pk)
    AuditEntry.objects.bulk_create(
        [
            _audit(locked_source.pk, actor, "merged", "into", "", locked_target.reference),
            _audit(locked_target.pk, actor, "merged", "from", "", locked_source.reference),
        ]
    )
    publish(
        events.TicketMerged(
            source_id=locked_source.pk, target_id=locked_target.pk, actor_id=actor.pk if actor else None
        )
    )
    return locked_target


@transaction.atomic
def ticket_rate(*, ticket: Ticket, contact: Contact, score: int, comment: str = "") -> None:
    if not 1 <= int(score) <= 5:
        raise ValidationError(_("The rating must be between 1 and 5."), field="score")
    locked = _lock(ticket.pk)
    if locked.requester_id != contact.pk:
        raise ValidationError(_("Only the requester can rate this ticket."), field="score")
    if locked.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError(_("You can rate a ticket once it is resolved."), field="score")
    if locked.csat_score is not None:
        raise ValidationError(_("This ticket has already been rated."), field="score")
    comment = (comment or "").strip()[:2000]
    Ticket.objects.filter(pk=locked.pk).update(
        csat_score=int(score), csat_comment=comment, version=F("version") + 1
    )
    AuditEntry.objects.create(ticket_id=locked.pk, action="rated", field="csat", new_value=str(score))
    publish(events.TicketRated(ticket_id=locked.pk, score=int(score)))


def _watchable(ticket: Ticket, user: User) -> None:
    from .policies import can_view_ticket

    if not is_staff_member(user) or not can_view_ticket(user, ticket):
        raise NotFound()


def ticket_watch(*, ticket: Ticket, user: User) -> None:
    """Follow a ticket (staff who may see it); watching twice is watching once."""
    _watchable(ticket, user)
    TicketWatcher.objects.bulk_create(
        [TicketWatcher(ticket_id=ticket.pk, user_id=user.pk)], ignore_conflicts=True
    )


def ticket_unwatch(*, ticket: Ticket, user: User) -> None:
    TicketWatcher.objects.filter(ticket_id=ticket.pk, user_id=user.pk).delete()


def tickets_bulk_update(
    *, tickets: Iterable[Ticket], actor: User, changes: Mapping[str, Any]
) -> tuple[int, list[str]]:
    """Apply the same change to many tickets; each one in its own transaction. Returns (done, errors)."""
    done, errors = 0, []
    for ticket in tickets:
        try:
            ticket_update(ticket=ticket, actor=actor, changes=changes)
            done += 1
        except (ValidationError, Conflict) as exc:
            errors.append(f"{ticket.reference}: {exc.message}")
    return done, errors


@transaction.atomic
def tickets_move_contact(*, source_id: int, target_id: int) -> None:
    """A merged contact's tickets (asked or about) and the messages it wrote now belong to the surviving contact
    (the reaction to crm's ContactMerged, inside the merge's transaction)."""
    Ticket.objects.filter(requester_id=source_id).update(requester_id=target_id)
    Ticket.objects.filter(about_contact_id=source_id).update(about_contact_id=target_id)
    Message.objects.filter(author_contact_id=source_id).update(author_contact_id=target_id)


ERASED_TEXT = "[محذوف]"


@transaction.atomic
def tickets_erase_contact(*, contact_id: int) -> int:
    """The reaction to crm's ContactErased, inside the erasure's transaction: what the person wrote (their
    messages, the subject and preview of the tickets they opened, their CSAT comments) is replaced, the files they
    sent are deleted from the store, and the search terms of those tickets are rebuilt from what remains.
    Returns the number of messages erased."""
    messages = Message.objects.filter(author_contact_id=contact_id)
    ticket_ids = set(messages.values_list("ticket_id", flat=True))
    attachments = Attachment.objects.filter(message__author_contact_id=contact_id)
    for attachment in attachments:
        # Stored by content hash: the same bytes sent by someone else share the file, which then stays.
        shared = (
            Attachment.objects.filter(file=attachment.file.name)
            .exclude(message__author_contact_id=contact_id)
            .exists()
        )
        if attachment.file and not shared:
            attachment.file.delete(save=False)
    attachments.update(file="", filename=ERASED_TEXT, sha256="")
    erased = messages.update(body=ERASED_TEXT)
    asked = Ticket.objects.filter(requester_id=contact_id)
    ticket_ids.update(asked.values_list("pk", flat=True))
    asked.update(subject=ERASED_TEXT, body_preview="", csat_comment="")
    for ticket_id, subject in Ticket.objects.filter(pk__in=ticket_ids).values_list("pk", "subject"):
        bodies = Message.objects.filter(ticket_id=ticket_id).values_list("body", flat=True)
        search.index_set(kind=SearchKind.TICKET, object_id=ticket_id, title=subject, body=" ".join(bodies))
    return erased
