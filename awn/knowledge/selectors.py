"""Reads of knowledge articles, narrowed to what the user may see (see policies)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, F, QuerySet

from awn.search.documents import Document
from awn.search.enums import Kind as SearchKind
from awn.search.selectors import query_terms, search_filter, search_ids

from .enums import ArticleStatus, Visibility
from .models import Article, ArticleVote
from .policies import can_see_all_articles


def visible_articles(user: Any) -> QuerySet[Article]:
    """Published public articles for customers and anonymous visitors; every article for staff."""
    if can_see_all_articles(user):
        return Article.objects.all()
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)


def category_counts(user: Any) -> dict[str, int]:
    rows = visible_articles(user).values("category").annotate(n=Count("pk")).order_by()
    return {row["category"]: row["n"] for row in rows}


def article_search(query: str, user: Any, *, limit: int = 20) -> list[Article]:
    """Visible articles matching `query`, best first.

    Every query term must match (as in the rest of the search). When no article holds them all, fall back to
    articles that hold the most of them, so a long question with one stray word still finds its article.
    """
    terms = query_terms(query)
    if not terms:
        return []
    visible = visible_articles(user)
    ranked = search_filter(visible, SearchKind.ARTICLE, query, ranked=True).order_by(
        F("search_rank").desc(), "pk"
    )
    found = list(ranked[:limit])
    if found or len(terms) < 2:
        return found
    hits: dict[int, int] = {}
    order: dict[int, int] = {}
    for term in terms:
        for position, object_id in enumerate(search_ids(SearchKind.ARTICLE, term, limit=200)):
            hits[object_id] = hits.get(object_id, 0) + 1
            order[object_id] = order.get(object_id, 0) + position
    best = max(hits.values(), default=0)
    if best < 2:
        return []
    ids = [pk for pk, n in hits.items() if n >= max(2, best - 1)]
    articles = {a.pk: a for a in visible.filter(pk__in=ids)}
    ids.sort(key=lambda pk: (-hits[pk], order[pk], pk))
    return [articles[pk] for pk in ids if pk in articles][:limit]


def related_articles(article: Article, user: Any, *, limit: int = 3) -> QuerySet[Article]:
    return (
        visible_articles(user)
        .filter(category=article.category)
        .exclude(pk=article.pk)
        .order_by("-helpful_count", "external_id")[:limit]
    )


def has_voted(article: Article, *, user: Any = None, session_key: str = "") -> bool:
    if user is not None and user.is_authenticated:
        return ArticleVote.objects.filter(article=article, user=user).exists()
    if session_key:
        return ArticleVote.objects.filter(
            article=article, user__isnull=True, session_key=session_key
        ).exists()
    return False


def kb_export_lines() -> Iterator[str]:
    """Every article as JSON Lines in the format of eval/kb.jsonl (the English body too, when there is one)."""
    for article in Article.objects.order_by("external_id").iterator():
        row: dict[str, Any] = {
            "id": article.external_id,
            "category": article.category,
            "title_ar": article.title_ar,
            "body_ar": article.body_ar,
            "title_en": article.title_en,
            "tags": list(article.tags or []),
        }
        if article.body_en:
            row["body_en"] = article.body_en
        yield json.dumps(row, ensure_ascii=False)


def index_fields(article: Article) -> dict[str, str]:
    """The text the search index holds for an article: both titles; the bodies and the tags."""
    tags = " ".join(str(tag) for tag in article.tags or [])
    return {
        "title": f"{article.title_ar} {article.title_en}".strip(),
        "body": f"{article.body_ar}\n{article.body_en}\n{tags}".strip(),
    }


def article_search_documents(batch_size: int) -> Iterator[Document]:
    """Every article as the search index holds it (settings.AWN_SEARCH_SOURCES)."""
    for article in Article.objects.order_by("pk").iterator(batch_size):
        yield Document(article.pk, **index_fields(article))
