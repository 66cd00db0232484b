"""The queue table's rows, rendered in Python.

The queue is the page agents load most. Through the template engine its 25 rows cost ~35 ms of CPU (some 300
node renders and translations a page); here, labels are translated and escaped once per language, Hijri dates
once per day, and each row is one string format, with every user-supplied value escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from functools import lru_cache
from html import escape  # the text of Django's escape, without its lazy-string checks and SafeString

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from awn.core.formatting import Digits, active_digits, digits, hijri
from awn.sla.badges import badge_html, due_badges
from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.selectors import QueueRow

from .templatetags.workspace_tags import PRIORITY_CLASSES, STATUS_CLASSES

ROW = (
    '<tr data-row data-href="{url}" data-ticket-id="{pk}" data-testid="queue-row">'
    '<td><input class="form-check-input" type="checkbox" name="ids" value="{pk}" form="bulk-form" '
    'aria-label="{select}"></td>'
    '<td class="text-nowrap"><a href="{url}" class="text-decoration-none" data-row-link>'
    '<bdi dir="ltr">{ref}</bdi></a></td>'
    '<td class="awn-queue-subject"><a href="{url}" class="awn-user-content" dir="auto">{subject}</a></td>'
    '<td><span dir="auto">{requester}</span></td>'
    '<td><span class="badge {status_class}">{status}</span></td>'
    '<td><span class="badge {priority_class}">{priority}</span></td>'
    '<td class="small text-nowrap">{due}</td>'
    '<td class="small">{category}</td>'
    '<td class="small">{channel}</td>'
    '<td class="small"><span dir="auto">{team}</span></td>'
    '<td class="small">{assignee}</td>'
    '<td class="small text-nowrap">{created}</td>'
    '<td class="small text-nowrap">{updated}</td>'
    "</tr>"
)


_Labels = dict[str, str]
_labels_by_language: dict[str, tuple[_Labels, _Labels, _Labels, _Labels]] = {}


def _labels() -> tuple[_Labels, _Labels, _Labels, _Labels]:
    """Escaped status, priority, category and channel labels in the active language (built once per language)."""
    language = f"{get_language() or ''}:{len(Channel)}"  # again when a channel registers
    labels = _labels_by_language.get(language)
    if labels is None:
        labels = _labels_by_language[language] = tuple(  # type: ignore[assignment]
            {value: escape(str(label)) for value, label in choices.choices}
            for choices in (Status, Priority, Category, Channel)
        )
    return labels  # type: ignore[return-value]


@lru_cache(maxsize=8192)
def _hijri_beside(day: date, language: str, reader_digits: str) -> str:
    """The Hijri date shown beside the Gregorian one as `{% when %}` shows it, « · 1 شوال 1448هـ» ("" out of the
    calendar's range), escaped; computed once per day, language and digits (the arguments are the cache key)."""
    hijri_date = hijri(day)
    return f' <span class="awn-hijri">· <bdi>{escape(hijri_date)}</bdi></span>' if hijri_date else ""


def _when(value: datetime | None, zone: tzinfo, language: str, reader_digits: str) -> str:
    if not value:
        return ""
    local = value.astimezone(zone) if value.tzinfo is not None else value
    # str() of a datetime starts "YYYY-MM-DD HH:MM" (the year always four digits): the shown text, cheaply.
    shown = str(local)[:16]
    if reader_digits == Digits.ARABIC_INDIC:
        shown = digits(shown)
    return (
        f'<time class="awn-when" datetime="{value.isoformat()}"><bdi dir="ltr">{shown}</bdi>'
        f"{_hijri_beside(local.date(), language, reader_digits)}</time>"
    )


def render_queue_rows(tickets: Iterable[QueueRow]) -> SafeString:
    """Table rows for the `QueueRow`s of `ticket_queue_rows`. Due badges: one query for the page's tickets that
    have a running SLA clock, none when no ticket has one."""
    tickets = list(tickets)
    badges = due_badges(t.pk for t in tickets if t.next_due_at is not None)
    statuses, priorities, categories, channels = _labels()
    url_prefix = reverse("workspace:ticket", args=[0]).removesuffix("0/")
    select_label = escape(_("Select %(ref)s"))  # a reference (AWN-000123) has nothing to escape
    unassigned = f'<span class="text-secondary">{escape(_("Unassigned"))}</span>'
    language, reader_digits = get_language() or "", active_digits()
    zone = timezone.get_current_timezone()  # once a page, not twice a row (a thread-local lookup each time)
    rows = []
    for ticket in tickets:
        assignee = ticket.assignee_name
        reference = ticket.reference
        rows.append(
            ROW.format(
                url=f"{url_prefix}{ticket.pk}/",
                pk=ticket.pk,
                ref=reference,
                select=select_label % {"ref": reference},
                subject=escape(ticket.subject),
                requester=escape(ticket.requester_name),
                status_class=STATUS_CLASSES.get(ticket.status, "text-bg-secondary"),
                status=statuses.get(ticket.status) or escape(ticket.status),
                priority_class=PRIORITY_CLASSES.get(ticket.priority, "text-bg-secondary"),
                priority=priorities.get(ticket.priority) or escape(ticket.priority),
                due=badge_html(badges.get(ticket.pk)),
                category=categories.get(ticket.category) or escape(ticket.category),
                channel=channels.get(ticket.channel) or escape(ticket.channel),
                team=escape(ticket.team_name) if ticket.team_name is not None else "—",
                assignee=f'<span dir="auto">{escape(assignee)}</span>'
                if assignee is not None
                else unassigned,
                created=_when(ticket.created_at, zone, language, reader_digits),
                updated=_when(ticket.updated_at, zone, language, reader_digits),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every interpolated user value is escaped above
