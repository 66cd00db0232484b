"""The queue page and bulk actions."""

from __future__ import annotations

from functools import cache as cache_once
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from awn.core.ids import is_id
from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.policies import visible_tickets
from awn.tickets.selectors import QUEUE_COUNT_CAP, ticket_queue_rows
from awn.tickets.services import tickets_bulk_update

from ..forms import BulkForm, QueueParams
from ..queue_chrome import (
    agent_options,
    cached_queue_counts,
    cached_row_counter,
    choice_options,
    refresh_counts,
    selected,
    team_options,
)
from ..queue_rows import render_queue_rows
from ._common import current_user, safe_next, staff_required

MAX_ERRORS_SHOWN = 10


Query = list[tuple[str, str]]


def _link(query: Query, **changes: str) -> str:
    """What `{% querystring key=value page=None %}` gives: the current query (without the page), changed."""
    pairs: Query = []
    for key, value in query:
        if key not in changes:
            pairs.append((key, value))
        elif all(k != key for k, _v in pairs):
            pairs.append((key, changes[key]))
    pairs += [(key, value) for key, value in changes.items() if all(k != key for k, _v in pairs)]
    return f"?{urlencode(pairs)}"


def _queue_tabs(counts: dict[str, int], query: Query, current: str) -> list[dict[str, Any]]:
    labels = {"mine": _("Mine"), "team": _("My team"), "unassigned": _("Unassigned"), "open": _("All open")}
    tabs: list[dict[str, Any]] = [
        {
            "key": key,
            "label": label,
            "count": min(counts[key], QUEUE_COUNT_CAP),
            "capped": counts[key] > QUEUE_COUNT_CAP,
        }
        for key, label in labels.items()
    ]
    tabs.append({"key": "all", "label": _("All tickets"), "count": None, "capped": False})
    for tab in tabs:
        tab["url"] = partial(_link, query, queue=tab["key"])  # called only when the tabs fragment is rebuilt
        tab["active"] = tab["key"] == current
    return tabs


SORT_COLUMNS = {
    "created": ("newest", "oldest"),
    "priority": ("priority", "priority"),
    "updated": ("updated", "updated"),
}


@staff_required(customers_to_portal=True)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    params = QueueParams.from_query(request.GET)
    page = ticket_queue_rows(
        user,
        queue=params.queue,
        filters=params.filters,
        sort=params.sort,
        page=params.page,
        page_size=params.page_size,
        count_rows=cached_row_counter(user, request.session, params.queue, params.filters),
    )
    if request.GET.get("fragment") == "rows":  # the live page refreshing its rows (workspace/live.js)
        rows: dict[str, Any] = {"tickets": page.object_list, "rows": render_queue_rows(page.object_list)}
        return render(request, "workspace/partials/queue_rows.html", rows)
    filters = params.filters
    query: Query = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in ("page", "fragment")
        for value in values
    ]
    tabs = _queue_tabs(cached_queue_counts(user, request.session), query, params.queue)
    statuses, priorities = choice_options(Status), choice_options(Priority)
    teams = cache_once(team_options)  # both bars list the teams: one query when both are rebuilt
    context = {
        "page": page,
        "tickets": page.object_list,
        "rows": render_queue_rows(page.object_list),
        "params": params,
        "filters": filters,
        "tabs": tabs,
        # Everything around the rows is a cached fragment (workspace/queue.html), rebuilt every this many
        # seconds per language and what it shows: its links, option lists and URLs are built only then.
        "lists_seconds": settings.AWN_QUEUE_LISTS_SECONDS,
        "query_key": urlencode(query),
        "tab_counts": " ".join(f"{t['count']}{'+' if t['capped'] else ''}" for t in tabs),
        "sort_urls": {
            key: partial(_link, query, sort=key) for key in ("newest", "oldest", "priority", "updated", "due")
        },
        "filter_options": {
            "status": lambda: selected(statuses, filters.get("status")),
            "priority": lambda: selected(priorities, filters.get("priority")),
            "category": lambda: selected(choice_options(Category), filters.get("category")),
            "channel": lambda: selected(choice_options(Channel), filters.get("channel")),
            "team": lambda: selected(teams(), filters.get("team")),
        },
        "bulk_options": {
            "status": lambda: selected(statuses, None),
            "priority": lambda: selected(priorities, None),
            "team": lambda: selected(teams(), None),
            "agent": lambda: selected(agent_options(), None),
        },
        "page_sizes": sorted({10, 25, 50, 100, params.page_size}),
        "sort_choices": [
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("priority", _("Priority (urgent first)")),
            ("updated", _("Recently updated")),
            ("due", _("Due soonest")),
        ],
    }
    return render(request, "workspace/queue.html", context)


def _bulk_changes(form: BulkForm, user_pk: int) -> dict[str, Any] | None:
    action = form.cleaned_data["action"]
    if action == "assign_me":
        return {"assignee_id": user_pk}
    if action == "assign":
        value = (form.cleaned_data.get("assignee") or "").strip()
        if value and not is_id(value):
            return None
        return {"assignee_id": int(value) if value else None}
    if action == "team":
        value = (form.cleaned_data.get("team") or "").strip()
        if value and not is_id(value):
            return None
        return {"team_id": int(value) if value else None}
    value = form.cleaned_data.get(action) or ""
    return {action: value} if value else None


@staff_required()
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    back = safe_next(request, reverse("workspace:queue"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action for the selected tickets."))
        return redirect(back)
    ids = form.ticket_ids()
    if not ids:
        messages.warning(request, _("Select at least one ticket first."))
        return redirect(back)
    changes = _bulk_changes(form, user.pk)
    if changes is None:
        messages.error(request, _("Choose a value for this action."))
        return redirect(back)
    tickets = list(visible_tickets(user).filter(pk__in=ids).order_by("pk"))
    skipped = len(ids) - len(tickets)
    done, errors = tickets_bulk_update(tickets=tickets, actor=user, changes=changes)
    if done:
        refresh_counts(request.session)
    if done:
        messages.success(
            request,
            ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", done) % {"count": done},
        )
    for error in errors[:MAX_ERRORS_SHOWN]:
        messages.error(request, error)
    if len(errors) > MAX_ERRORS_SHOWN:
        hidden = len(errors) - MAX_ERRORS_SHOWN
        messages.error(
            request,
            ngettext("…and %(count)d more error.", "…and %(count)d more errors.", hidden) % {"count": hidden},
        )
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d selected ticket was not found and was skipped.",
                "%(count)d selected tickets were not found and were skipped.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect(back)
