"""The queue table's rows, rendered in Python.

The queue is the page agents load most. Through the template engine its 25 rows cost ~35 ms of CPU (some 300
node renders and translations a page); here, labels are translated once per request and each row is one
string format, with every user-supplied value escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.selectors import QueueRow

from .templatetags.workspace_tags import PRIORITY_CLASSES, STATUS_CLASSES, hijri

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
    '<td class="small">{category}</td>'
    '<td class="small">{channel}</td>'
    '<td class="small"><span dir="auto">{team}</span></td>'
    '<td class="small">{assignee}</td>'
    '<td class="small text-nowrap">{created}</td>'
    '<td class="small text-nowrap">{updated}</td>'
    "</tr>"
)


def _labels(choices: type[Status] | type[Priority] | type[Category] | type[Channel]) -> dict[str, str]:
    return {value: escape(label) for value, label in choices.choices}


@lru_cache(maxsize=4096)
def _hijri(day: date) -> str:
    return hijri(day)


def _when(value: datetime | None, hijri_title: str) -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hijri_date = _hijri(local.date())
    title = escape(hijri_title % {"date": hijri_date}) if hijri_date else ""
    return (
        f'<time datetime="{value.isoformat()}" title="{title}">'
        f'<bdi dir="ltr">{local:%Y-%m-%d %H:%M}</bdi></time>'
    )


def render_queue_rows(tickets: Iterable[QueueRow]) -> SafeString:
    """Table rows for the `QueueRow`s of `ticket_queue_rows`."""
    statuses, priorities = _labels(Status), _labels(Priority)
    categories, channels = _labels(Category), _labels(Channel)
    url_prefix = reverse("workspace:ticket", args=[0]).removesuffix("0/")
    select_label = _("Select %(ref)s")
    unassigned = f'<span class="text-secondary">{escape(_("Unassigned"))}</span>'
    hijri_title = _("Hijri: %(date)s")
    rows = []
    for ticket in tickets:
        assignee = ticket.assignee_name
        rows.append(
            ROW.format(
                url=f"{url_prefix}{ticket.pk}/",
                pk=ticket.pk,
                ref=ticket.reference,
                select=escape(select_label % {"ref": ticket.reference}),
                subject=escape(ticket.subject),
                requester=escape(ticket.requester_name),
                status_class=STATUS_CLASSES.get(ticket.status, "text-bg-secondary"),
                status=statuses.get(ticket.status, escape(ticket.status)),
                priority_class=PRIORITY_CLASSES.get(ticket.priority, "text-bg-secondary"),
                priority=priorities.get(ticket.priority, escape(ticket.priority)),
                category=categories.get(ticket.category, escape(ticket.category)),
                channel=channels.get(ticket.channel, escape(ticket.channel)),
                team=escape(ticket.team_name) if ticket.team_name is not None else "—",
                assignee=f'<span dir="auto">{escape(assignee)}</span>'
                if assignee is not None
                else unassigned,
                created=_when(ticket.created_at, hijri_title),
                updated=_when(ticket.updated_at, hijri_title),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every interpolated user value is escaped above
