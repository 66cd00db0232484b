from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.knowledge.services import article_create

HOME = reverse("kb:home")
SEARCH = reverse("kb:search")


def _make(external_id: str, *, status: str, visibility: str, category: str = "transfer") -> Article:
    return article_create(
        external_id=external_id,
        category=category,
        title_ar=f"مقالة {external_id} عن نقل الطالب",
        body_ar="مقدمة\n1. الخطوة الأولى\n2. الخطوة الثانية",
        tags=["نقل"],
        status=status,
        visibility=visibility,
    )


MATRIX = {
    ("public", "published"): (ArticleStatus.PUBLISHED, Visibility.PUBLIC),
    ("internal", "published"): (ArticleStatus.PUBLISHED, Visibility.INTERNAL),
    ("public", "draft"): (ArticleStatus.DRAFT, Visibility.PUBLIC),
    ("internal", "draft"): (ArticleStatus.DRAFT, Visibility.INTERNAL),
}


def _client(world, who: str) -> Client:
    if who == "anonymous":
        return Client()
    return world.client_for({"customer": world.parent_user, "agent": world.agent}[who])


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent"])
@pytest.mark.parametrize("key", list(MATRIX))
def test_visibility_matrix(world, who, key):
    status, visibility = MATRIX[key]
    article = _make(f"kb-{key[0]}-{key[1]}", status=status, visibility=visibility)
    client = _client(world, who)
    visible = who == "agent" or key == ("public", "published")

    page = client.get(reverse("kb:article", args=[article.external_id]))
    assert page.status_code == (200 if visible else 404)
    home = client.get(HOME).content.decode()
    assert (article.external_id in home) is visible
    results = client.get(SEARCH, {"q": "نقل الطالب"}).content.decode()
    assert (f'data-article="{article.external_id}"' in results) is visible
    vote = client.post(reverse("kb:vote", args=[article.external_id]), {"helpful": "yes"})
    assert vote.status_code == (302 if visible else 404)


def test_pages_render_arabic_rtl_for_anonymous_visitors(kb):
    client = Client()
    for url in (HOME, f"{SEARCH}?q=نسيت+كلمه+المرور", reverse("kb:article", args=["kb-009"])):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        body = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="ar" dir="rtl">' in body, url


def test_home_lists_categories_with_counts_and_a_search_box(kb):
    body = Client().get(HOME).content.decode()
    assert body.count('data-testid="kb-category"') == 12
    assert 'name="q"' in body and f'action="{SEARCH}"' in body
    assert body.count('data-testid="kb-article-row"') == 40


def test_search_ranks_the_password_article_first(kb):
    body = Client().get(SEARCH, {"q": "اعادة تعيين كلمه المرور"}).content.decode()
    first = body.index('data-article="kb-009"')
    assert first == body.index('data-testid="kb-article-row"') + len('data-testid="kb-article-row" ')


def test_search_without_results_says_so(kb):
    body = Client().get(SEARCH, {"q": "زززز"}).content.decode()
    assert 'data-testid="kb-no-results"' in body


def test_article_page_escapes_body_and_keeps_lines(world):
    article = article_create(
        external_id="kb-700",
        category="other",
        title_ar="<b>عنوان</b>",
        body_ar="سطر أول <script>alert(1)</script>\n1. خطوة\n\nفقرة ثانية",
        status=ArticleStatus.PUBLISHED,
    )
    body = Client().get(reverse("kb:article", args=[article.external_id])).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<b>عنوان</b>" not in body
    assert "<br>1. خطوة" in body and "<p>فقرة ثانية</p>" in body


def test_article_shows_up_to_three_related_articles_of_its_category(kb):
    body = Client().get(reverse("kb:article", args=["kb-005"])).content.decode()
    related = body[body.index('data-testid="kb-related"') :]
    for other in ("kb-006", "kb-007", "kb-008"):
        assert f'data-article="{other}"' in related
    assert related.count('data-testid="kb-article-row"') == 3
    assert 'data-article="kb-001"' not in related


def test_one_vote_per_user_through_the_page(world, kb):
    client = world.client_for(world.parent_user)
    url = reverse("kb:vote", args=["kb-009"])
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    assert client.post(url, {"helpful": "no"}).status_code == 302
    article = Article.objects.get(external_id="kb-009")
    assert (article.helpful_count, article.not_helpful_count) == (1, 0)
    page = client.get(reverse("kb:article", args=["kb-009"])).content.decode()
    assert 'data-testid="kb-voted"' in page and 'data-testid="kb-vote-yes"' not in page


def test_one_vote_per_anonymous_session(kb):
    client = Client()
    url = reverse("kb:vote", args=["kb-009"])
    client.post(url, {"helpful": "no"})
    client.post(url, {"helpful": "no"})
    other = Client()
    other.post(url, {"helpful": "yes"})
    article = Article.objects.get(external_id="kb-009")
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert 'data-testid="kb-voted"' in client.get(reverse("kb:article", args=["kb-009"])).content.decode()


def test_vote_needs_csrf_and_post(kb):
    client = Client(enforce_csrf_checks=True)
    url = reverse("kb:vote", args=["kb-009"])
    assert client.post(url, {"helpful": "yes"}).status_code == 403
    assert client.get(url).status_code == 405
    assert Article.objects.get(external_id="kb-009").helpful_count == 0


def test_vote_rejects_other_answers(kb):
    Client().post(reverse("kb:vote", args=["kb-009"]), {"helpful": "maybe"})
    article = Article.objects.get(external_id="kb-009")
    assert (article.helpful_count, article.not_helpful_count) == (0, 0)
