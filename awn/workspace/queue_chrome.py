"""The queue page's chrome: tab counts and the filter and bulk bars' option lists, built once and reused.

The queue is the page agents load most, and most of it is the same from one load to the next. What is reused,
and for how long (the staleness an agent can see):

- choice lists (status, priority, category, channel): per language, for the life of the process (code constants);
- the filter bar (per language and filter values) and the bulk bar (per language), with their team and agent
  lists: template fragments (`{% cache %}` in workspace/queue.html) rebuilt every AWN_QUEUE_LISTS_SECONDS (10 s;
  a new team or agent appears in the drop-downs within that time). They hold nothing about the agent viewing;
- tab counts and the page's row count (the "1–25 of 1,240" summary, the last page): per agent and filters,
  rebuilt every AWN_QUEUE_COUNTS_SECONDS (5 s); the agent's own bulk actions start fresh counts at once (a
  generation in their session), other agents' changes show within those seconds.

Either setting at 0 turns that cache off. The rows themselves are always read afresh.

The cache is Django's default cache: local memory per server process, or Redis when AWN_REDIS_URL is set.
Nothing user-specific is shared: count keys carry the agent's id, role and team, the lists hold no queue data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar, cast

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from awn.accounts.models import Team, User
from awn.core.channels import ChoiceSet
from awn.core.pagination import capped_count
from awn.queueviews.selectors import ViewBadge, view_badges
from awn.tickets.models import Ticket
from awn.tickets.selectors import queue_counts, staff_members

T = TypeVar("T")
COUNTS_GENERATION = "awn_queue_counts_generation"  # session key, bumped by the agent's own bulk actions

_choice_options: dict[tuple[str, str], str] = {}


def _options(pairs: Iterable[tuple[object, str]]) -> str:
    return "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in pairs)


def selected(options: str, value: object) -> SafeString:
    """`options` (built here, every value escaped) with the option whose value is `value` selected."""
    if value in (None, ""):
        return mark_safe(options)  # noqa: S308 - built by _options, every value escaped
    marker = f'<option value="{escape(value)}">'
    return mark_safe(options.replace(marker, f'<option value="{escape(value)}" selected>', 1))  # noqa: S308


def choice_options(choices: ChoiceSet) -> str:
    """`<option>`s for an enum or a channel registry, in the active language (labels are code constants: built
    once per language, and again when a channel registers)."""
    key = (f"{getattr(choices, '__qualname__', id(choices))}:{len(choices.values)}", get_language() or "")
    options = _choice_options.get(key)
    if options is None:
        options = _choice_options[key] = _options(choices.choices)
    return options


def team_options() -> str:
    """Every team, by name (the filter bar and the bulk bar)."""
    return _options(Team.objects.order_by("name").values_list("pk", "name"))


def agent_options() -> str:
    """Every active agent, for bulk assignment (the service checks each ticket's coverage)."""
    return _options((u.pk, u.get_full_name() or u.username) for u in staff_members())


def _agent_key(user: User, session: SessionBase, *parts: object) -> str:
    """A cache key that is this agent's alone, and new after their own bulk actions."""
    generation = int(session.get(COUNTS_GENERATION, 0))
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"awn:queue:v1:{user.pk}:{user.role}:{user.team_id or 0}:{generation}:{digest}"


def _cached_for_agent(key: str, build: Callable[[], T]) -> T:
    seconds = settings.AWN_QUEUE_COUNTS_SECONDS
    if seconds <= 0:
        return build()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return cast(T, value)


def cached_queue_counts(user: User, session: SessionBase) -> dict[str, int]:
    """`queue_counts(user)`, reused for a few seconds; never another agent's (the key is theirs alone)."""
    return dict(_cached_for_agent(_agent_key(user, session, "tabs"), lambda: queue_counts(user)))


def cached_row_counter(
    user: User, session: SessionBase, queue: str, filters: Mapping[str, str]
) -> Callable[[QuerySet[Ticket], int], int]:
    """A `count_rows` for `ticket_queue_rows`: the queue's capped row count, reused like the tab counts.

    Within those seconds the page summary ("26–50 of 1,240") and the last page number may lag other agents'
    changes; the rows themselves are always read afresh.
    """

    def count_rows(queryset: QuerySet[Ticket], limit: int) -> int:
        key = _agent_key(user, session, "rows", queue, sorted(filters.items()), limit)
        return _cached_for_agent(key, lambda: capped_count(queryset, limit))

    return count_rows


def refresh_counts(session: SessionBase) -> None:
    """After the agent changed tickets: their next queue page counts afresh, on any server process."""
    session[COUNTS_GENERATION] = int(session.get(COUNTS_GENERATION, 0)) + 1


def cached_saved_views(user: User, session: SessionBase) -> list[ViewBadge]:
    """The agent's saved views (theirs, and their team's shared ones) with their counts, reused like the tab
    counts: one cache read on most loads; saving or deleting a view starts afresh (refresh_counts)."""
    return list(_cached_for_agent(_agent_key(user, session, "views"), lambda: view_badges(user)))
