from __future__ import annotations

from typing import Any

import pytest

from awn.core.errors import ValidationError
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import ArticleVote
from awn.knowledge.selectors import article_search
from awn.knowledge.services import article_create, article_publish, article_update, article_vote


def _article(**kw: Any) -> Any:
    data: dict[str, Any] = {
        "external_id": "kb-500",
        "category": "transfer",
        "title_ar": "نقل الطالب",
        "body_ar": "الخطوات:\n1. افتح الطلبات.",
        "title_en": "Transfer",
        "tags": ["نقل"],
    }
    data.update(kw)
    return article_create(**data)


def test_create_writes_version_one_and_update_a_new_version_per_content_change(world):
    article = _article(author=world.agent)
    assert article.status == ArticleStatus.DRAFT and article.published_at is None
    assert list(article.versions.values_list("number", "author")) == [(1, world.agent.pk)]

    article_update(article, author=world.supervisor, body_ar="نص جديد")
    article_update(article, author=world.supervisor, body_ar="نص جديد")  # no change: no version
    article_update(article, visibility=Visibility.INTERNAL)  # not content: no version
    article_update(article, tags=["نقل", "مدرسة"])
    versions = list(article.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].body_ar.startswith("الخطوات") and versions[1].body_ar == "نص جديد"
    assert versions[2].tags == ["نقل", "مدرسة"]
    assert versions[1].author == world.supervisor


def test_update_reindexes_and_publish_sets_published_at(world):
    article = article_publish(_article())
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None
    assert article_search("نقل", None) == [article]
    article_update(article, title_ar="استعادة الحساب", body_ar="خطوات", tags=[], title_en="")
    assert article_search("نقل", None) == []
    assert article_search("الحساب", None) == [article]


def test_validation(world):
    with pytest.raises(ValidationError):
        _article(category="nope")
    with pytest.raises(ValidationError):
        _article(title_ar="  ")
    _article()
    with pytest.raises(ValidationError):
        _article()  # same id


def test_one_vote_per_user_and_per_session(world):
    article = article_publish(_article())
    assert article_vote(article=article, helpful=True, user=world.parent_user)
    assert not article_vote(article=article, helpful=False, user=world.parent_user)
    assert article_vote(article=article, helpful=False, session_key="s1")
    assert not article_vote(article=article, helpful=True, session_key="s1")
    assert article_vote(article=article, helpful=True, user=world.other_parent_user)
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (2, 1)
    assert ArticleVote.objects.filter(article=article).count() == 3
    with pytest.raises(ValidationError):
        article_vote(article=article, helpful=True)
