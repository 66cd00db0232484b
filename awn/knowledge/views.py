"""Knowledge base pages in the customer portal: transport only. Anonymous visitors read published public
articles; an article the visitor may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from awn.core.errors import DomainError
from awn.core.ratelimit import limit_posts
from awn.tickets.enums import Category

from . import selectors
from .models import Article
from .services import article_vote

QUERY_MAX = 200


def _visible_article(request: HttpRequest, external_id: str) -> Article:
    article = selectors.visible_articles(request.user).filter(external_id=external_id).first()
    if article is None:
        raise Http404
    return article


@require_safe
def kb_home(request: HttpRequest) -> HttpResponse:
    counts = selectors.category_counts(request.user)
    categories = [
        {"slug": slug, "label": label, "count": counts[slug]}
        for slug, label in Category.choices
        if slug in counts
    ]
    articles = selectors.visible_articles(request.user).only(
        "external_id", "title_ar", "title_en", "category", "status", "visibility"
    )
    by_category: dict[str, list[Article]] = {}
    for article in articles.order_by("external_id"):
        by_category.setdefault(article.category, []).append(article)
    for category in categories:
        category["articles"] = by_category.get(str(category["slug"]), [])
    return render(request, "knowledge/home.html", {"categories": categories})


@require_safe
def kb_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    results = selectors.article_search(query, request.user) if query else []
    return render(request, "knowledge/search.html", {"query": query, "results": results})


@require_safe
def kb_article(request: HttpRequest, external_id: str) -> HttpResponse:
    article = _visible_article(request, external_id)
    context = {
        "article": article,
        "related": selectors.related_articles(article, request.user),
        "voted": selectors.has_voted(
            article, user=request.user, session_key=request.session.session_key or ""
        ),
    }
    return render(request, "knowledge/article.html", context)


@limit_posts("kb-vote", limit=60, window_seconds=3600)
@require_POST
def kb_vote(request: HttpRequest, external_id: str) -> HttpResponse:
    article = _visible_article(request, external_id)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        messages.error(request, _("Please answer yes or no."))
        return redirect("kb:article", external_id=article.external_id)
    if not request.user.is_authenticated and not request.session.session_key:
        request.session.save()  # an anonymous visitor votes once per session: give them one
    try:
        counted = article_vote(
            article=article,
            helpful=helpful == "yes",
            user=request.user if request.user.is_authenticated else None,
            session_key=request.session.session_key or "",
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if counted:
            messages.success(request, _("Thank you for your feedback."))
        else:
            messages.info(request, _("You have already answered for this article."))
    return redirect("kb:article", external_id=article.external_id)
