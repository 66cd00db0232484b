"""Writes for knowledge articles. Every content change writes an ArticleVersion and re-indexes the article
in the shared search index (kind=article) inside the same transaction."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core.errors import ValidationError, lazy_format
from awn.search import services as search
from awn.search.enums import Kind as SearchKind
from awn.tickets.enums import Category

from .enums import CONTENT_FIELDS, ArticleStatus, Visibility
from .models import Article, ArticleQuestion, ArticleVersion, ArticleVote
from .selectors import index_fields

TITLE_MAX = 200
EXTERNAL_ID_MAX = 32


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in data.items():
        if field in ("title_ar", "title_en", "body_ar", "body_en"):
            text = str(value or "").strip()
            if field.startswith("title") and len(text) > TITLE_MAX:
                raise ValidationError(
                    lazy_format(_("Keep the title under %(limit)d characters."), limit=TITLE_MAX), field=field
                )
            cleaned[field] = text
        elif field == "tags":
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ValidationError(_("Tags must be a list of words."), field=field)
            cleaned[field] = [str(tag).strip() for tag in value if str(tag).strip()]
        elif field == "category":
            if value not in Category.values:
                raise ValidationError(_("Choose a valid category."), field=field)
            cleaned[field] = value
        elif field == "visibility":
            if value not in Visibility.values:
                raise ValidationError(_("Choose a valid visibility."), field=field)
            cleaned[field] = value
        else:
            raise ValidationError(_("Some fields are not valid."), field=field)
    for field in ("title_ar", "body_ar"):
        if field in cleaned and not cleaned[field]:
            raise ValidationError(_("This field is required."), field=field)
    return cleaned


def _write_version(article: Article, author: User | None) -> ArticleVersion:
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleVersion.objects.create(
        article=article,
        number=last + 1,
        title_ar=article.title_ar,
        body_ar=article.body_ar,
        title_en=article.title_en,
        body_en=article.body_en,
        tags=list(article.tags or []),
        author=author,
    )


@transaction.atomic
def article_create(
    *,
    external_id: str,
    category: str,
    title_ar: str,
    body_ar: str,
    title_en: str = "",
    body_en: str = "",
    tags: Iterable[str] = (),
    visibility: str = Visibility.PUBLIC,
    status: str = ArticleStatus.DRAFT,
    author: User | None = None,
) -> Article:
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationError(_("Give the article a short id, such as kb-001."), field="external_id")
    if Article.objects.filter(external_id=external_id).exists():
        raise ValidationError(_("An article with this id already exists."), field="external_id")
    if status not in ArticleStatus.values:
        raise ValidationError(_("Choose a valid status."), field="status")
    fields = _clean(
        {
            "category": category,
            "title_ar": title_ar,
            "body_ar": body_ar,
            "title_en": title_en,
            "body_en": body_en,
            "tags": list(tags),
            "visibility": visibility,
        }
    )
    published_at = timezone.now() if status == ArticleStatus.PUBLISHED else None
    article = Article.objects.create(
        external_id=external_id, status=status, published_at=published_at, **fields
    )
    _write_version(article, author)
    search.index_add(kind=SearchKind.ARTICLE, object_id=article.pk, **index_fields(article))
    return article


@transaction.atomic
def article_update(article: Article, *, author: User | None = None, **changes: Any) -> Article:
    """Change category, visibility or content. A content change writes a new version; no change, no write."""
    fields = _clean(changes)
    changed = {field: value for field, value in fields.items() if getattr(article, field) != value}
    if not changed:
        return article
    for field, value in changed.items():
        setattr(article, field, value)
    article.save(update_fields=[*changed, "updated_at"])
    if any(field in CONTENT_FIELDS for field in changed):
        _write_version(article, author)
        search.index_set(kind=SearchKind.ARTICLE, object_id=article.pk, **index_fields(article))
    return article


@transaction.atomic
def article_set_status(article: Article, *, status: str) -> Article:
    if status not in ArticleStatus.values:
        raise ValidationError(_("Choose a valid status."), field="status")
    if article.status == status:
        return article
    article.status = status
    update = ["status", "updated_at"]
    if status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
        update.append("published_at")
    article.save(update_fields=update)
    return article


def article_publish(article: Article) -> Article:
    return article_set_status(article, status=ArticleStatus.PUBLISHED)


def article_vote(*, article: Article, helpful: bool, user: User | None = None, session_key: str = "") -> bool:
    """Count one answer to "was this helpful?". False (and nothing counted) if this person already answered."""
    voter = user if user is not None and user.is_authenticated else None
    if voter is None and not session_key:
        raise ValidationError(_("We could not record your answer. Please try again."))
    try:
        with transaction.atomic():
            ArticleVote.objects.create(
                article=article,
                user=voter,
                session_key="" if voter is not None else session_key,
                helpful=helpful,
            )
            counter = "helpful_count" if helpful else "not_helpful_count"
            Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    except IntegrityError:
        return False
    article.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return True


# What is never kept of a user's question: e-mail addresses, links, and digit runs (national ids, phone and
# request numbers).
_PERSONAL = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+|[0-9\u0660-\u0669\u06f0-\u06f9]{3,}", re.IGNORECASE)
QUESTION_MAX_CHARS = 300


def learned_questions_days() -> int:
    return max(0, int(getattr(settings, "AWN_LEARNED_QUESTIONS_DAYS", 180)))


def article_learn_question(*, article: Article, question: str) -> bool:
    """Keep a question this article answered, so the assistant finds the article for it next time.

    E-mail addresses, links and digit runs are dropped first; False when nothing is left, when the article
    already has this question, or when keeping questions is switched off (AWN_LEARNED_QUESTIONS_DAYS=0).
    """
    if not learned_questions_days():
        return False
    text = " ".join(_PERSONAL.sub(" ", question).split())[:QUESTION_MAX_CHARS].strip()
    if len(text) < 3:
        return False
    _, created = ArticleQuestion.objects.get_or_create(article=article, text=text)
    return created


def article_questions_expire(*, now: datetime | None = None) -> int:
    """Delete the learned questions older than AWN_LEARNED_QUESTIONS_DAYS (all of them at 0); how many."""
    cutoff = (now or timezone.now()) - timedelta(days=learned_questions_days())
    deleted, _ = ArticleQuestion.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- JSON Lines import (the format of eval/kb.jsonl) ---

KB_REQUIRED = ("id", "category", "title_ar", "body_ar")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def parse_kb_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValidationError(lazy_format(_("Line %(line)d is not valid JSON."), line=number)) from error
        missing = [key for key in KB_REQUIRED if not isinstance(row, dict) or not row.get(key)]
        if missing:
            raise ValidationError(
                lazy_format(_("Line %(line)d lacks: %(fields)s."), line=number, fields=", ".join(missing))
            )
        rows.append(row)
    return rows


@transaction.atomic
def kb_import(rows: Iterable[Mapping[str, Any]], *, author: User | None = None) -> ImportResult:
    """Create or update published public articles keyed by `id`; a re-import changes only what changed."""
    result = ImportResult()
    for row in rows:
        content = {
            "category": row["category"],
            "title_ar": row["title_ar"],
            "body_ar": row["body_ar"],
            "title_en": row.get("title_en", ""),
            "body_en": row.get("body_en", ""),
            "tags": row.get("tags", []),
        }
        article = Article.objects.filter(external_id=row["id"]).first()
        if article is None:
            article_create(
                external_id=row["id"],
                status=ArticleStatus.PUBLISHED,
                visibility=Visibility.PUBLIC,
                author=author,
                **content,
            )
            result.created += 1
            continue
        before = article.updated_at
        article_update(article, author=author, visibility=Visibility.PUBLIC, **content)
        article_publish(article)
        if article.updated_at != before:
            result.updated += 1
        else:
            result.unchanged += 1
    return result
