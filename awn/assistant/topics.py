"""Top problems: recent tickets grouped into topics with Arabic labels, their counts, trend and spikes.

A ticket's topic is the knowledge-base article its subject and first message match best (lexically: the cheap half
of the assistant's retrieval, fast enough for thousands of tickets), so topics carry the article's Arabic title;
a ticket no article matches falls into its category. A topic spikes when the last hour holds at least
SPIKE_MIN_COUNT tickets and SPIKE_RATIO times its usual hourly rate over the baseline days before.

Bounded work: at most MAX_RECENT tickets of the window and MAX_BASELINE of the baseline are read (the baseline is
scaled up when capped), and the result is cached for CACHE_SECONDS. At national scale this belongs in an
analytics rollup written per hour; the function's output is the same.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone, translation

from awn.tickets.enums import Category
from awn.tickets.models import Ticket

MAX_RECENT = 20_000
MAX_BASELINE = 20_000
MATCH_MIN = 0.18  # lexical cosine below which a ticket is not about that article
SPIKE_RATIO = 3.0
SPIKE_MIN_COUNT = 5
CACHE_SECONDS = 60
TREND_HOURS = 24


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    last_hour: int
    last_day: int
    usual_per_hour: float
    trend: tuple[int, ...]  # tickets per hour, oldest first, TREND_HOURS buckets

    @property
    def ratio(self) -> float:
        return self.last_hour / self.usual_per_hour if self.usual_per_hour else float(self.last_hour)

    @property
    def spike(self) -> bool:
        return self.last_hour >= SPIKE_MIN_COUNT and self.ratio >= SPIKE_RATIO


def _assign_topics(texts: list[str], categories: list[str]) -> tuple[list[str], dict[str, str]]:
    """(topic key per text, label per key): the best-matching article, else the ticket's category."""
    labels = {f"category:{value}": str(label) for value, label in Category.choices}
    from .answering import current_index  # the retrieval loads when topics are computed (issue 14)

    index = current_index()
    docs = index.docs
    keys = [f"category:{category}" for category in categories]
    if docs and texts:
        # The assistant's own fitted vectorizer: no second fit over the same articles per call.
        similarity = index.lexical_similarity(texts)
        best = similarity.argmax(axis=1)
        for i, column in enumerate(best):
            if similarity[i, column] >= MATCH_MIN:
                keys[i] = f"article:{docs[column].external_id}"
        labels |= {f"article:{d.external_id}": d.title_ar for d in docs}
    return keys, labels


def _rows(since: datetime, until: datetime, cap: int) -> list[tuple[str, str, str, datetime]]:
    queryset = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until, merged_into__isnull=True)
        .order_by("-created_at")
        .values_list("subject", "body_preview", "category", "created_at")[:cap]
    )
    return list(queryset)


def top_problems(*, now: datetime | None = None, baseline_days: int = 7, limit: int = 10) -> list[Topic]:
    """Topics of the last 24 hours, most tickets in the last hour first (spikes before everything)."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0).isoformat()
    cache_key = f"awn:top-problems:{translation.get_language()}:{minute}:{baseline_days}:{limit}"
    cached = cache.get(cache_key)
    if cached is not None:
        return list(cached)
    day_start = now - timedelta(hours=TREND_HOURS)
    baseline_start = day_start - timedelta(days=baseline_days)
    recent = _rows(day_start, now, MAX_RECENT)
    baseline = _rows(baseline_start, day_start, MAX_BASELINE)
    texts = [f"{subject}\n{preview}" for subject, preview, _c, _t in recent + baseline]
    keys, labels = _assign_topics(texts, [category for _s, _p, category, _t in recent + baseline])
    trend: dict[str, list[int]] = defaultdict(lambda: [0] * TREND_HOURS)
    for key, (_s, _p, _c, created_at) in zip(keys[: len(recent)], recent, strict=True):
        hours_ago = min(TREND_HOURS - 1, int((now - created_at).total_seconds() // 3600))
        trend[key][TREND_HOURS - 1 - hours_ago] += 1
    baseline_counts = Counter(keys[len(recent) :])
    scale = 1.0
    if len(baseline) == MAX_BASELINE:  # capped: the rows read are the newest part of the baseline
        oldest = baseline[-1][3]
        covered_hours = max(1.0, (day_start - oldest).total_seconds() / 3600)
        scale = baseline_days * 24 / covered_hours
    topics = [
        Topic(
            key=key,
            label=labels.get(key, key),
            last_hour=hours[-1],
            last_day=sum(hours),
            usual_per_hour=baseline_counts.get(key, 0) * scale / (baseline_days * 24),
            trend=tuple(hours),
        )
        for key, hours in trend.items()
    ]
    topics.sort(key=lambda t: (not t.spike, -t.last_hour, -t.last_day, t.label))
    result = topics[:limit]
    cache.set(cache_key, result, CACHE_SECONDS)
    return result
