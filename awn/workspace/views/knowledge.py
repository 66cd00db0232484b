"""The knowledge-base editor for staff: list, write, revise, send for review, publish (supervisors)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from awn.core.errors import DomainError, PermissionDenied
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.knowledge.policies import can_publish_articles
from awn.knowledge.selectors import article_search, visible_articles
from awn.knowledge.services import article_create, article_set_status, article_update

from ..kb_forms import ArticleForm
from ._common import current_user, staff_required


@staff_required()
@require_GET
def kb_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    if query:
        articles: Any = article_search(query, user, limit=100)
        if status in ArticleStatus.values:
            articles = [a for a in articles if a.status == status]
    else:
        articles = visible_articles(user).order_by("-updated_at", "-pk")
        if status in ArticleStatus.values:
            articles = articles.filter(status=status)
    page = Paginator(articles, settings.AWN_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "status": status, "query": query, "status_choices": ArticleStatus.choices}
    return render(request, "workspace/kb_list.html", context)


def _initial(article: Article) -> dict[str, Any]:
    return {
        "external_id": article.external_id,
        "category": article.category,
        "visibility": article.visibility,
        "status": article.status,
        "title_ar": article.title_ar,
        "body_ar": article.body_ar,
        "title_en": article.title_en,
        "body_en": article.body_en,
        "tags": "، ".join(article.tags or []),
    }


def _save(form: ArticleForm, article: Article | None, *, can_publish: bool, request: HttpRequest) -> Article:
    data = form.cleaned_data
    user = current_user(request)
    if not can_publish and (
        data["status"] == ArticleStatus.PUBLISHED
        or (article is not None and article.status == ArticleStatus.PUBLISHED)
    ):
        raise PermissionDenied(_("Only a supervisor can change a published article or publish one."))
    content = {
        "category": data["category"],
        "title_ar": data["title_ar"],
        "body_ar": data["body_ar"],
        "title_en": data["title_en"],
        "body_en": data["body_en"],
        "tags": form.tag_list(),
    }
    with transaction.atomic():
        if article is None:
            visibility = data["visibility"] if can_publish else Visibility.INTERNAL
            return article_create(
                external_id=data["external_id"],
                visibility=visibility,
                status=data["status"],
                author=user,
                **content,
            )
        if can_publish:
            content["visibility"] = data["visibility"]
        article_update(article, author=user, **content)
        return article_set_status(article, status=data["status"])


@staff_required()
@require_http_methods(["GET", "HEAD", "POST"])
def kb_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk) if pk is not None else None
    can_publish = can_publish_articles(current_user(request))
    initial = (
        _initial(article) if article else {"status": ArticleStatus.DRAFT, "visibility": Visibility.INTERNAL}
    )
    form = ArticleForm(
        request.POST or None, initial=initial, can_publish=can_publish, editing=article is not None
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(form, article, can_publish=can_publish, request=request)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The article was saved."))
            return redirect("workspace:kb-edit", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "article": article, "can_publish": can_publish}
    return render(request, "workspace/kb_edit.html", context, status=status)
