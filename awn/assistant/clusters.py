"""New problems: recent tickets clustered on their own embeddings, with no fixed list of articles.

Top problems (topics.py) match tickets to existing articles, so a problem nobody has written an article for is
invisible there. Here the subject and first message of each recent ticket are embedded (e5, batched, cached on
disk by text hash; read as retrieval reads a question: Arabizi in Arabic, dialect words with their MSA
equivalents), grouped by average-linkage agglomerative clustering under a cosine-distance threshold, and:
- each cluster is labelled in Arabic from its own words: the terms most distinctive of it against the other
  clusters (class-based TF-IDF over normalized tokens), shown in their most common written form;
- a cluster whose centroid is far from every published public article (best cosine below COVERED_MIN) is flagged
  as not covered by the knowledge base;
- a guide is drafted from the agents' public replies in the cluster: the replies nearest the replies' centroid,
  split into lines, deduplicated, as numbered steps. A supervisor may save it as a DRAFT article; nothing here
  ever publishes.

Bounded work: at most MAX_TICKETS tickets of the window, each reply/ticket embedded once per text (PassageCache);
a periodic job (tasks.refresh_new_problems) computes the clusters and the page reads its last result.
The thresholds are chosen by bench/cluster_threshold.py on synthetic tickets written for it (criterion stated
there); figures live in bench/RESULTS.md.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from awn.accounts.models import User
from awn.core.text.arabic import STOP_WORDS, normalize_arabic, stem, tokenize
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.knowledge.services import article_create
from awn.tickets.enums import Direction, MessageKind
from awn.tickets.models import Message, Ticket

from .embeddings import Embedder, PassageCache, default_embedder
from .question import dense_query

MAX_TICKETS = 5_000
DEFAULT_DAYS = 14
# Average-linkage cosine distance under which two groups merge: the value with the best pairwise F1 against the
# written topics of synthetic tickets (bench/cluster_threshold.py; cross-validated over halves of the topics).
DISTANCE_THRESHOLD = 0.38
# Best cosine between a cluster's centroid and any published article below which no article covers it: midpoint
# between covered and uncovered synthetic topics (same bench).
COVERED_MIN = 0.72
MIN_CLUSTER_SIZE = 3
LABEL_TERMS = 3
MAX_STEPS = 8
CENTRAL_REPLIES = 5
BOILERPLATE_CLUSTERS = 3
TICKET_TEXT_CHARS = 300
REFRESH_SECONDS = 900  # the periodic job's period (config/schedule.py)
KEEP_SECONDS = 6 * REFRESH_SECONDS
LATEST_KEY = "awn:new-problems:latest"
_WORD = re.compile(r"[0-9]+|[\u0621-\u064a\u0671-\u06d3\u064b-\u0652\u0640]+|[^\W\d_\u0600-\u06ff]+")
_STEP_PREFIX = re.compile(r"^\s*(?:[0-9\u0660-\u0669]+\s*[-.)\u066b:]|[-*•·])\s*")
_STEP_SPLIT = re.compile(r"[\n\r]+|(?<=[.!؟?])\s+")


@dataclass
class Cluster:
    key: str  # stable for the same members: hash of the ticket ids
    ticket_ids: list[int]
    label_terms: list[str]
    coverage: float  # best cosine to a published public article (0 when there are none)
    covered: bool
    category: str
    steps: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.ticket_ids)

    @property
    def label(self) -> str:
        return "، ".join(self.label_terms)


class SymmetricEmbedder:
    """Tickets and replies compared with one another are read as e5 reads symmetric tasks ("query: " on both
    sides); a distinct name keeps their cached vectors apart from the passage vectors of the same text."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = embedder
        self.name = f"{embedder.name}:symmetric"

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.queries(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.queries(texts)


def ticket_text(subject: str, preview: str) -> str:
    return f"{subject}\n{preview}".strip()[:TICKET_TEXT_CHARS]


def cluster_cache() -> PassageCache:
    return PassageCache(Path(settings.VAR_DIR) / "models" / "ticket_embeddings.npz")


def cluster_vectors(
    vectors: np.ndarray, *, threshold: float = DISTANCE_THRESHOLD, method: str = "average"
) -> list[list[int]]:
    """Groups of row indices (largest first) under `method`-linkage cosine distance ≤ threshold."""
    if len(vectors) == 0:
        return []
    if len(vectors) == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage

    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    tree = linkage(unit.astype(np.float64), method=method, metric="cosine")
    assignment = fcluster(tree, t=threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for index, group in enumerate(assignment):
        groups.setdefault(int(group), []).append(index)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def _terms(text: str) -> list[str]:
    """Light stems of the normalized words, stop words, digits and words under 3 letters left out."""
    return [stem(t) for t in tokenize(text) if len(t) >= 3 and not t.isdigit() and t not in STOP_WORDS]


def _surface_forms(texts: Sequence[str]) -> dict[str, Counter[str]]:
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        for word in _WORD.findall(text):
            forms.setdefault(stem(normalize_arabic(word)), Counter())[word] += 1
    return forms


def _written_form(forms: Counter[str]) -> str:
    """The form written most often; the shortest among equals (without a conjunction «و» stuck to it)."""
    return min(forms, key=lambda word: (-forms[word], len(word), word))


def distinctive_terms(groups: Sequence[Sequence[str]], *, limit: int = LABEL_TERMS) -> list[list[str]]:
    """Per group of texts, its `limit` most distinctive terms (c-TF-IDF: a group is one document), each in its
    most common written form. The last group may be the background (tickets in no cluster)."""
    counts = [Counter(term for text in texts for term in _terms(text)) for texts in groups]
    total = Counter[str]()
    for count in counts:
        total.update(count)
    average_words = sum(total.values()) / max(1, len(groups))
    labels = []
    for texts, count in zip(groups, counts, strict=True):
        words = max(1, sum(count.values()))
        scores = {
            term: (n / words) * math.log(1 + average_words / total[term]) * (n > 1 or len(texts) == 1)
            for term, n in count.items()
        }
        best = sorted((t for t in scores if scores[t] > 0), key=lambda t: (-scores[t], t))[:limit]
        forms = _surface_forms(texts)
        labels.append([_written_form(forms[t]) if t in forms else t for t in best])
    return labels


def published_article_vectors(embedder: Embedder) -> np.ndarray:
    articles = Article.objects.filter(
        status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC
    ).values_list("title_ar", "body_ar")
    texts = [f"{title}\n{body}"[:TICKET_TEXT_CHARS] for title, body in articles]
    texts += [title for title, _body in articles]
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return PassageCache().embed(embedder, texts)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _split_steps(reply: str) -> list[str]:
    steps = []
    for piece in _STEP_SPLIT.split(reply):
        step = _STEP_PREFIX.sub("", piece).strip(" -–.،,")
        if len(_terms(step)) >= 2:
            steps.append(step)
    return steps


def _same_step(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= 0.6


def boilerplate_lines(replies_per_cluster: Sequence[Sequence[str]]) -> list[set[str]]:
    """Term sets of lines found in the replies of at least BOILERPLATE_CLUSTERS clusters (greetings, sign-offs,
    "thank you for contacting us"): what agents write whatever the problem is not a step of this one."""
    counts: list[tuple[set[str], set[int]]] = []
    for cluster_index, replies in enumerate(replies_per_cluster):
        for reply in replies:
            for step in _split_steps(reply):
                terms = set(_terms(step))
                match = next((entry for entry in counts if _same_step(terms, entry[0])), None)
                if match is None:
                    counts.append((terms, {cluster_index}))
                else:
                    match[1].add(cluster_index)
    return [terms for terms, clusters in counts if len(clusters) >= BOILERPLATE_CLUSTERS]


def draft_steps(
    replies: Sequence[str],
    vectors: np.ndarray,
    *,
    limit: int = MAX_STEPS,
    boilerplate: Sequence[set[str]] = (),
) -> list[str]:
    """Numbered-guide lines from the replies nearest their own centroid, near-duplicates (Jaccard ≥ 0.6 on
    normalized terms) and boilerplate lines dropped; the most central reply's order first."""
    if not replies:
        return []
    centroid = _unit(vectors.mean(axis=0))
    order = np.argsort(-(vectors @ centroid), kind="stable")[:CENTRAL_REPLIES]
    steps: list[str] = []
    seen: list[set[str]] = list(boilerplate)
    for index in order:
        for step in _split_steps(replies[int(index)]):
            terms = set(_terms(step))
            if any(_same_step(terms, other) for other in seen):
                continue
            seen.append(terms)
            steps.append(step)
            if len(steps) == limit:
                return steps
    return steps


def _public_replies(ticket_ids: Sequence[int]) -> list[str]:
    return list(
        Message.objects.filter(
            ticket_id__in=ticket_ids,
            kind=MessageKind.REPLY,
            direction=Direction.OUTBOUND,
            author_user__isnull=False,
        )
        .order_by("created_at", "pk")
        .values_list("body", flat=True)
    )


def _cluster_key(ticket_ids: Sequence[int]) -> str:
    joined = ",".join(str(i) for i in sorted(ticket_ids))
    return hashlib.blake2b(joined.encode(), digest_size=8).hexdigest()


def find_clusters(
    *,
    now: datetime | None = None,
    days: int = DEFAULT_DAYS,
    embedder: Embedder | None = None,
    threshold: float | None = None,
    covered_min: float | None = None,
    min_size: int = MIN_CLUSTER_SIZE,
    limit: int = 20,
) -> list[Cluster]:
    """Clusters of the last `days` days with ≥ min_size tickets, uncovered ones first, then the largest."""
    threshold = DISTANCE_THRESHOLD if threshold is None else threshold
    covered_min = COVERED_MIN if covered_min is None else covered_min
    embedder = embedder or default_embedder()
    if embedder is None:
        return []
    now = now or timezone.now()
    rows = list(
        Ticket.objects.filter(
            created_at__gte=now - timedelta(days=days), created_at__lt=now, merged_into__isnull=True
        )
        .order_by("-created_at")
        .values_list("pk", "subject", "body_preview", "category")[:MAX_TICKETS]
    )
    if not rows:
        return []
    texts = [ticket_text(subject, preview) for _pk, subject, preview, _c in rows]
    vectors = cluster_cache().embed(SymmetricEmbedder(embedder), [dense_query(text) for text in texts])
    groups = cluster_vectors(vectors, threshold=threshold)
    kept = [g for g in groups if len(g) >= min_size]
    background = [texts[i] for g in groups if len(g) < min_size for i in g]
    labels = distinctive_terms([[texts[i] for i in g] for g in kept] + [background])
    articles = published_article_vectors(embedder)
    clusters = []
    for group, terms in zip(kept, labels, strict=False):
        centroid = _unit(vectors[group].mean(axis=0))
        coverage = float((articles @ centroid).max()) if articles.size else 0.0
        ids = [rows[i][0] for i in group]
        clusters.append(
            Cluster(
                key=_cluster_key(ids),
                ticket_ids=ids,
                label_terms=terms,
                coverage=coverage,
                covered=coverage >= covered_min,
                category=Counter(rows[i][3] for i in group).most_common(1)[0][0],
                examples=[rows[i][1] for i in group[:3]],
            )
        )
    clusters.sort(key=lambda c: (c.covered, -c.size, c.key))
    clusters = clusters[:limit]
    replies = [_public_replies(cluster.ticket_ids) for cluster in clusters]
    boilerplate = boilerplate_lines(replies)
    for cluster, own in zip(clusters, replies, strict=True):
        if not cluster.covered and own:
            vectors = cluster_cache().embed(SymmetricEmbedder(embedder), own)
            cluster.steps = draft_steps(own, vectors, boilerplate=boilerplate)
    return clusters


def refresh_clusters() -> list[Cluster]:
    """Compute the clusters now and keep them for the page (the periodic job calls this: the first embedding of
    5,000 tickets takes minutes on 2 cores, never inside a request)."""
    clusters = find_clusters()
    cache.set(LATEST_KEY, (timezone.now(), clusters), KEEP_SECONDS)
    return clusters


def latest_clusters() -> tuple[datetime, list[Cluster]] | None:
    """(when computed, clusters) of the last refresh, or None before the first one."""
    latest = cache.get(LATEST_KEY)
    return None if latest is None else (latest[0], list(latest[1]))


def guide_body(cluster: Cluster) -> str:
    return "\n".join(f"{n}. {step}" for n, step in enumerate(cluster.steps, start=1))


def save_guide_draft(cluster: Cluster, *, author: User | None = None) -> Article:
    """The cluster's drafted guide as a DRAFT public article for a supervisor to edit and publish; never published
    here. The id is derived from the cluster, so a second click finds the same draft instead of a copy."""
    external_id = f"draft-{cluster.key}"
    existing = Article.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing
    return article_create(
        external_id=external_id,
        category=cluster.category,
        title_ar=cluster.label or cluster.examples[0],
        body_ar=guide_body(cluster) or "\n".join(cluster.examples),
        tags=cluster.label_terms,
        status=ArticleStatus.DRAFT,
        author=author,
    )
