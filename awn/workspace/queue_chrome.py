"""The queue page's chrome: tab counts and the filter and bulk bars' option lists, built once and reused.

The queue is the page agents load most, and most of it is the same from one load to the next. What is reused,
and for how long (the staleness an agent can see):

- choice lists (status, priority, category, channel): per language, for the life of the process (code constants);
- team and agent lists: one copy for every agent, rebuilt every AWN_QUEUE_LISTS_SECONDS (10 s; a new team or
  agent appears in the drop-downs within that time);
- tab counts: per agent, rebuilt every AWN_QUEUE_COUNTS_SECONDS (5 s); the agent's own bulk actions start a
  fresh count at once (a generation in their session), other agents' changes show within those seconds.

Either setting at 0 turns that cache off.

The cache is Django's default cache: local memory per server process, or Redis when AWN_REDIS_URL is set.
Nothing user-specific is shared: count keys carry the agent's id, role and team, the lists hold no queue data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db.models import TextChoices
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from awn.accounts.models import Team, User
from awn.tickets.selectors import queue_counts, staff_members

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


def choice_options(choices: type[TextChoices]) -> str:
    """`<option>`s for an enum, in the active language (labels are code constants: built once per language)."""
    key = (choices.__qualname__, get_language() or "")
    options = _choice_options.get(key)
    if options is None:
        options = _choice_options[key] = _options(choices.choices)
    return options


def _cached(key: str, build: Callable[[], str]) -> str:
    seconds = settings.AWN_QUEUE_LISTS_SECONDS
    value = cache.get(key) if seconds > 0 else None
    if value is None:
        value = build()
        if seconds > 0:
            cache.set(key, value, seconds)
    return str(value)


def team_options() -> str:
    """Every team, by name (the filter bar and the bulk bar)."""
    return _cached(
        "awn:queue:team-options:v1",
        lambda: _options(Team.objects.order_by("name").values_list("pk", "name")),
    )


def agent_options() -> str:
    """Every active agent, for bulk assignment (the service checks each ticket's coverage)."""
    return _cached(
        "awn:queue:agent-options:v1",
        lambda: _options((u.pk, u.get_full_name() or u.username) for u in staff_members()),
    )


def cached_queue_counts(user: User, session: SessionBase) -> dict[str, int]:
    """`queue_counts(user)`, reused for a few seconds; never another agent's (the key is theirs alone)."""
    seconds = settings.AWN_QUEUE_COUNTS_SECONDS
    if seconds <= 0:
        return queue_counts(user)
    key = (
        f"awn:queue:counts:v1:{user.pk}:{user.role}:{user.team_id or 0}:"
        f"{int(session.get(COUNTS_GENERATION, 0))}"
    )
    counts = cache.get(key)
    if counts is None:
        counts = queue_counts(user)
        cache.set(key, counts, seconds)
    return dict(counts)


def refresh_counts(session: SessionBase) -> None:
    """After the agent changed tickets: their next queue page counts afresh, on any server process."""
    session[COUNTS_GENERATION] = int(session.get(COUNTS_GENERATION, 0)) + 1
