"""Reads of tickets for the agent workspace: queues, the ticket page, audit history, related lists.

Every read starts from `visible_tickets(user)` so an outsourced agent never sees a category outside their
contract. Lists are bounded and use a constant number of queries whatever the page size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from awn.accounts.enums import STAFF_ROLES, Role, TeamKind
from awn.accounts.models import Team, User
from awn.core.errors import NotFound
from awn.core.ids import is_id
from awn.core.pagination import CappedPaginator, capped_count
from awn.core.text.arabic import normalize_digits
from awn.crm.models import Contact
from awn.search.documents import Document
from awn.search.enums import Kind as SearchKind
from awn.search.selectors import search_filter

from .enums import ACTIVE_STATUSES, PRIORITY_RANK, Category, Channel, MessageKind, Priority, Status
from .models import AuditEntry, Message, Ticket, TicketWatcher
from .policies import visible_tickets

QUEUES = ("mine", "team", "unassigned", "open", "all")
COUNTED_QUEUES = ("mine", "team", "unassigned", "open")
QUEUE_COUNT_CAP = 1000
SORTS: dict[str, tuple[Any, ...]] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "priority": ("-priority_rank", "-created_at", "-id"),
    "updated": ("-updated_at", "-id"),
    # The SLA due time (Ticket.next_due_at, written by awn.sla), soonest first; tickets with no running clock last.
    "due": (F("next_due_at").asc(nulls_last=True), "-created_at", "-id"),
    # Best search match first; without a search it is the same as "newest".
    "relevance": ("-search_rank", "-created_at", "-id"),
}
DEFAULT_QUEUE = "open"
DEFAULT_SORT = "newest"
_REFERENCE = re.compile(r"^\s*(?:awn-?|#)?\s*0*(\d{1,12})\s*$", re.IGNORECASE)


def parse_ticket_number(text: str) -> int | None:
    """`AWN-000123`, `awn123`, `#123` or `123` → 123; anything else → None."""
    match = _REFERENCE.match(text or "")
    if not match:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


# A bare number opens a ticket only when it looks like one: short and not a year (Hijri 1300–1499, Gregorian
# 1900–2099). A year, a national id or a phone number is searched as text (issue 13, defect 9).
_BARE_NUMBER_MAX_DIGITS = 6
_YEAR = re.compile(r"(?:1[34]|19|20)\d\d")


def queue_ticket_number(text: str) -> int | None:
    """The ticket a queue search opens: the reference format (`AWN-000123`, `#123`) always, a bare number only
    when it is short and not a year; None when the query is to be searched as text."""
    number = parse_ticket_number(text)
    bare = normalize_digits(text or "").strip()
    if (
        number is not None
        and bare.isdigit()
        and (len(bare) > _BARE_NUMBER_MAX_DIGITS or _YEAR.fullmatch(bare))
    ):
        return None
    return number


def _active(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.filter(status__in=ACTIVE_STATUSES)


def _queue_queryset(user: User, queue: str) -> QuerySet[Ticket]:
    qs = visible_tickets(user)
    if queue == "mine":
        return _active(qs.filter(assignee_id=user.pk))
    if queue == "team":
        return _active(qs.filter(team_id=user.team_id)) if user.team_id else qs.none()
    if queue == "unassigned":
        return _active(qs.filter(assignee__isnull=True))
    if queue == "open":
        return _active(qs)
    return qs


def _apply_filters(
    qs: QuerySet[Ticket], filters: Mapping[str, Any], *, ranked: bool = False
) -> QuerySet[Ticket]:
    def value(name: str) -> str:
        raw = filters.get(name)
        return str(raw).strip() if raw not in (None, "") else ""

    for name, choices in (
        ("status", Status),
        ("priority", Priority),
        ("category", Category),
        ("channel", Channel),
    ):
        if value(name) in choices.values:
            qs = qs.filter(**{name: value(name)})
    team = value("team")
    if team == "none":
        qs = qs.filter(team__isnull=True)
    elif is_id(team):
        qs = qs.filter(team_id=int(team))
    q = value("q")[:200]
    if q:
        qs = ticket_search(qs, q, ranked=ranked)
    return qs


def ticket_search(qs: QuerySet[Ticket], q: str, *, ranked: bool = False) -> QuerySet[Ticket]:
    """`qs` narrowed by a search: a reference number (`AWN-000123`, `#123`, a short bare number) is that ticket;
    anything else — words, a year, a national id, a phone — goes through the search index (normalized, stemmed
    terms). With `ranked`, text matches carry `search_rank` (higher is better); a ticket number does not."""
    number = queue_ticket_number(q)
    if number is not None:
        return qs.filter(pk=number)
    return search_filter(qs, SearchKind.TICKET, q, ranked=ranked)


def _priority_rank() -> Case:
    return Case(
        *(When(priority=priority, then=Value(rank)) for priority, rank in PRIORITY_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def _queue_queryset_sorted(
    user: User, queue: str, filters: Mapping[str, Any] | None, sort: str
) -> QuerySet[Ticket]:
    queue = queue if queue in QUEUES else DEFAULT_QUEUE
    sort = sort if sort in SORTS else DEFAULT_SORT
    searching = bool(str((filters or {}).get("q") or "").strip())
    if sort == "relevance" and not searching:
        sort = "newest"
    qs = _apply_filters(_queue_queryset(user, queue), filters or {}, ranked=sort == "relevance")
    if sort == "priority":
        qs = qs.annotate(priority_rank=_priority_rank())
    return qs.order_by(*SORTS[sort])


def ticket_queue(
    user: User,
    *,
    queue: str = DEFAULT_QUEUE,
    filters: Mapping[str, Any] | None = None,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    page_size: int = 25,
) -> Page[Ticket]:
    """One page of a queue: three queries (count, rows, requesters) whatever the page size."""
    qs = _queue_queryset_sorted(user, queue, filters, sort)
    # Requesters come in their own query: an inner join to contacts let SQLite's planner drive the page from
    # the contacts table (260 ms at 100k tickets) instead of walking the sort index.
    qs = qs.select_related("assignee", "team").prefetch_related("requester")
    paginator = CappedPaginator(qs, max(1, page_size))
    return paginator.get_page(page)


class _QueuePaginator(CappedPaginator):
    def __init__(
        self, object_list: QuerySet[Ticket], per_page: int, count_rows: Callable[[QuerySet[Ticket], int], int]
    ) -> None:
        super().__init__(object_list, per_page)
        self._count_rows = count_rows

    @cached_property
    def _rows_up_to_cap_plus_one(self) -> int:
        return self._count_rows(cast(QuerySet[Ticket], self.object_list), self.cap + 1)

    def page(self, number: Any) -> Page[Any]:
        """A full page of rows read afresh: a count reused from a few seconds ago (the view's cache) may lag the
        summary, never cut off tickets that arrived since (Django's Paginator ends the slice at the count)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What the queue table shows of a ticket: plain values, no model instances."""

    pk: int
    subject: str
    status: str
    priority: str
    category: str
    channel: str
    requester_name: str
    team_name: str | None
    assignee_name: str | None
    created_at: datetime
    updated_at: datetime
    next_due_at: datetime | None = None

    @property
    def reference(self) -> str:
        return f"AWN-{self.pk:06d}"


_ROW_COLUMNS = (
    "pk",
    "subject",
    "status",
    "priority",
    "category",
    "channel",
    "requester_id",
    "team__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "created_at",
    "updated_at",
    "next_due_at",
)


def ticket_queue_rows(
    user: User,
    *,
    queue: str = DEFAULT_QUEUE,
    filters: Mapping[str, Any] | None = None,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    page_size: int = 25,
    count_rows: Callable[[QuerySet[Ticket], int], int] = capped_count,
) -> Page[QueueRow]:
    """`ticket_queue` for the queue table: the same tickets in the same order, as `QueueRow`s.

    Three queries whatever the page size (count, rows, requester names). Only the shown columns are read
    and no model is built: a third of the page's CPU went to parsing and instantiating unused columns.
    `count_rows(queryset, limit)` counts the queue's rows up to `limit` (the view may reuse a recent count).
    """
    qs = _queue_queryset_sorted(user, queue, filters, sort)
    result = _QueuePaginator(qs, max(1, page_size), count_rows).get_page(page)
    raw = list(cast(QuerySet[Ticket], result.object_list).values_list(*_ROW_COLUMNS))
    # Requesters in their own query, as in ticket_queue (SQLite's planner and the join to contacts).
    names = dict(Contact.objects.filter(pk__in={r[6] for r in raw}).values_list("pk", "name"))
    result.object_list = [
        QueueRow(
            pk=pk,
            subject=subject,
            status=status,
            priority=priority,
            category=category,
            channel=channel,
            requester_name=names.get(requester_id, ""),
            team_name=team_name,
            assignee_name=(f"{first} {last}".strip() or username) if username is not None else None,
            created_at=created_at,
            updated_at=updated_at,
            next_due_at=next_due_at,
        )
        for (
            pk,
            subject,
            status,
            priority,
            category,
            channel,
            requester_id,
            team_name,
            first,
            last,
            username,
            created_at,
            updated_at,
            next_due_at,
        ) in raw
    ]
    return result


def queue_counts(user: User) -> dict[str, int]:
    """Active tickets in each tab, each counted up to QUEUE_COUNT_CAP + 1 (a tab shows "1000+" past the cap).

    Four LIMITed index scans cost a few milliseconds at any volume; one exact aggregate over every open ticket
    cost ~30 ms at 100k tickets and grows with the backlog.
    """
    return {name: capped_count(_queue_queryset(user, name), QUEUE_COUNT_CAP + 1) for name in COUNTED_QUEUES}


def queue_match_count(
    user: User, *, queue: str, filters: Mapping[str, Any], limit: int = QUEUE_COUNT_CAP + 1
) -> int:
    """The tickets of one queue tab with these filters (a saved view's badge), counted up to `limit`: a LIMITed
    scan, as the tabs' counts."""
    queue = queue if queue in QUEUES else DEFAULT_QUEUE
    return capped_count(_apply_filters(_queue_queryset(user, queue), filters), limit)


def ticket_for_agent(user: User, pk: int) -> Ticket:
    """The bare ticket row if `user` may see it, else NotFound (no existence leak)."""
    ticket = visible_tickets(user).filter(pk=pk).first()
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_by_number(user: User, text: str) -> Ticket:
    """A ticket the user may see, from what an agent types: `AWN-000123`, `#123`, `123`."""
    number = parse_ticket_number(text)
    if number is None:
        raise NotFound()
    return ticket_for_agent(user, number)


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor: User | None
    action: str
    field: str
    field_label: str
    old: str
    new: str
    at: datetime


def ticket_audit(ticket: Ticket, *, limit: int = 200) -> list[AuditRow]:
    """Who changed what, newest first; team and assignee ids are shown as names (three queries at most)."""
    entries = list(
        AuditEntry.objects.filter(ticket_id=ticket.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    for entry in entries:
        target = user_ids if entry.field == "assignee" else team_ids if entry.field == "team" else None
        if target is not None:
            target.update(int(v) for v in (entry.old_value, entry.new_value) if is_id(v))
    users = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=user_ids)}
    teams = {t.pk: t.name for t in Team.objects.filter(pk__in=team_ids)} if team_ids else {}
    labels: dict[str, Any] = {
        "status": dict(Status.choices),
        "priority": dict(Priority.choices),
        "category": dict(Category.choices),
    }

    def show(field: str, value: str) -> str:
        if field in ("assignee", "team") and is_id(value):
            names: Mapping[int, str] = users if field == "assignee" else teams
            return str(names.get(int(value), value))
        if field in labels and value in labels[field]:
            return str(labels[field][value])
        if field == "" and value in Channel.values:
            return str(Channel(value).label)
        return value

    return [
        AuditRow(
            entry=e,
            actor=e.actor,
            action=e.action,
            field=e.field,
            field_label=_field_label(e.field),
            old=show(e.field, e.old_value),
            new=show(e.field, e.new_value),
            at=e.created_at,
        )
        for e in entries
    ]


def _field_label(field: str) -> str:
    extra = {"tags": _("tags"), "incident": _("incident"), "csat": _("rating")}
    if field in extra:
        return str(extra[field])
    try:
        return str(Ticket._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return field


def assignable_agents(ticket: Ticket, *, teams: list[Team] | None = None) -> list[User]:
    """Active staff who may see `ticket`: unrestricted staff, or an outsourced team covering its category.
    `teams`: every team, when the caller has read them already (one query less)."""
    if teams is None:
        teams = list(Team.objects.filter(kind=TeamKind.OUTSOURCED).only("pk", "kind", "categories"))
    covering = [
        team.pk
        for team in teams
        if team.kind == TeamKind.OUTSOURCED and ticket.category in (team.categories or [])
    ]
    if ticket.team_id:
        covering.append(ticket.team_id)
    condition = (
        Q(role__in=(Role.SUPERVISOR, Role.ADMIN))
        | Q(team__isnull=True)
        | ~Q(team__kind=TeamKind.OUTSOURCED)
        | Q(team_id__in=covering)
    )
    return list(
        User.objects.filter(condition, is_active=True, role__in=STAFF_ROLES)
        .select_related("team")
        .order_by("first_name", "username")[:500]
    )


def staff_members() -> list[User]:
    """Every active agent, for bulk assignment (the service checks each ticket's coverage)."""
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .select_related("team")
        .order_by("first_name", "username")[:500]
    )


def other_open_tickets(user: User, contact: Contact, *, exclude_pk: int | None = None) -> list[Ticket]:
    qs = _active(visible_tickets(user)).filter(Q(requester=contact) | Q(about_contact=contact))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.select_related("assignee").order_by("-created_at")[:10])


def contact_tickets(user: User, contact: Contact, *, limit: int = 50) -> list[Ticket]:
    qs = visible_tickets(user).filter(Q(requester=contact) | Q(about_contact=contact))
    return list(qs.select_related("assignee", "team").order_by("-created_at")[:limit])


def agent_visible_contacts(user: User) -> QuerySet[Contact]:
    """Contacts an agent may open: everyone for unrestricted staff; for an outsourced agent, only the
    requesters and subjects of tickets they can see."""
    from awn.accounts.policies import covered_categories, is_staff_member

    if not is_staff_member(user):
        return Contact.objects.none()
    if covered_categories(user) is None:
        return Contact.objects.all()
    visible = visible_tickets(user)
    return Contact.objects.filter(
        Q(pk__in=visible.values("requester_id"))
        | Q(pk__in=visible.filter(about_contact__isnull=False).values("about_contact_id"))
    )


def visible_ticket_ids(user: User, ids: set[int]) -> set[int]:
    """Which of `ids` the user may see (one query)."""
    if not ids:
        return set()
    return set(visible_tickets(user).filter(pk__in=ids).values_list("pk", flat=True))


def ticket_watcher_ids(ticket_id: int) -> QuerySet[TicketWatcher, int]:
    """The users watching a ticket, as a subquery (whether they may still see it is the caller's check)."""
    return TicketWatcher.objects.filter(ticket_id=ticket_id).values_list("user_id", flat=True)


def is_watching(user: User, ticket_id: int) -> bool:
    return TicketWatcher.objects.filter(ticket_id=ticket_id, user_id=user.pk).exists()


def ticket_header_for_agent(user: User, pk: int) -> Ticket:
    """The ticket page's header (status, priority, assignee, team, tags, merge): the row and what it shows."""
    ticket = (
        visible_tickets(user)
        .select_related("team", "assignee", "merged_into")
        .prefetch_related("tags")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def ticket_messages_for_agent(
    ticket: Ticket, *, after: int | None = None, message_id: int | None = None, limit: int = 500
) -> list[Message]:
    """Messages of a ticket the caller already may see (with authors and attachments): one of them, or those
    newer than `after` (what a page that missed pushes catches up with), oldest first."""
    messages = (
        Message.objects.filter(ticket_id=ticket.pk)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    if message_id is not None:
        messages = messages.filter(pk=message_id)
    if after is not None:
        messages = messages.filter(pk__gt=after)
    return list(messages[:limit])


def ticket_search_documents(batch_size: int) -> Iterator[Document]:
    """Every ticket: its subject, and the text of its public messages in order (internal notes are never
    indexed), read `batch_size` tickets at a time (settings.AWN_SEARCH_SOURCES)."""
    tickets = Ticket.objects.only("pk", "subject").order_by("pk")
    last = 0
    while chunk := list(tickets.filter(pk__gt=last)[:batch_size]):
        last = chunk[-1].pk
        bodies: dict[int, list[str]] = {t.pk: [] for t in chunk}
        messages = (
            Message.objects.filter(ticket_id__in=bodies)
            .exclude(kind=MessageKind.NOTE)
            .order_by("created_at", "pk")
            .values_list("ticket_id", "body")
        )
        for ticket_id, body in messages:
            bodies[ticket_id].append(body)
        for ticket in chunk:
            yield Document(ticket.pk, ticket.subject, " ".join(bodies[ticket.pk]))
