"""Assistant API, mounted at /api/v1/assistant. Transport only: answers come from answering.assistant_ask.

POST /ask is open to anonymous visitors (the chat widget and the public portal ask before anyone signs in), with a
per-address rate limit. A signed-in customer or an anonymous visitor only ever gets public articles; staff (session
or API token) also get internal ones. `contact_id`, when given, must be a contact the caller may see (their own,
or their linked child's; any for staff) — otherwise 404 — and sets the answer's language when the question does
not show one. Nothing about any contact is ever part of an answer.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema
from ninja.throttling import AnonRateThrottle
from pydantic import Field

from awn.accounts.policies import covered_categories, is_staff_member
from awn.accounts.services import api_token_authenticate
from awn.core.errors import NotFound
from awn.crm.models import Contact
from awn.crm.schemas import API_ERRORS, CleanStr, ObjectId
from awn.crm.selectors import children_ids
from awn.tickets.policies import visible_tickets

router = Router(tags=["assistant"])
MAX_QUESTION_LENGTH = 20_000


class AskIn(Schema):
    question: CleanStr = Field(min_length=1, max_length=MAX_QUESTION_LENGTH)
    channel: CleanStr = Field(
        "api", max_length=32, description="where the question came from: portal, chat, …"
    )
    contact_id: ObjectId | None = None


class SuggestionOut(Schema):
    article_id: str
    title: str
    url: str
    score: float


class AskOut(Schema):
    answer: str
    article_id: str | None
    article_url: str | None
    confidence: float = Field(ge=0, le=1)
    handoff: bool
    reason: str
    category: str
    language: str
    suggestions: list[SuggestionOut]


def _caller(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = api_token_authenticate(header.removeprefix("Bearer ").strip())
        if user is not None:
            return user
    return request.user


def _may_see_contact(user: Any, contact: Contact) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if is_staff_member(user):
        if covered_categories(user) is None:
            return True
        return visible_tickets(user).filter(Q(requester=contact) | Q(about_contact=contact)).exists()
    own = getattr(user, "contact", None)
    return own is not None and contact.pk in (own.pk, *children_ids(own.pk))


def _check_contact(user: Any, contact_id: int) -> Contact:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None or not _may_see_contact(user, contact):
        raise NotFound()
    return contact


def _article_url(external_id: str) -> str:
    return reverse("kb:article", args=[external_id])


@router.post(
    "/ask",
    response={200: AskOut, **API_ERRORS},
    auth=None,
    throttle=[AnonRateThrottle(getattr(settings, "AWN_ASSISTANT_RATE", "120/m"))],
    summary="Answer a question from the knowledge base, or say that a human should take over",
)
def ask(request: HttpRequest, payload: AskIn) -> Any:
    user = _caller(request)
    if payload.contact_id is not None:
        _check_contact(user, payload.contact_id)
    staff = bool(user.is_authenticated and is_staff_member(user))
    from .answering import (
        assistant_ask,
    )  # the models load on the first question, not with the URLs (issue 14)

    result = assistant_ask(payload.question, include_internal=staff)
    suggestions = [
        SuggestionOut(
            article_id=hit.article.external_id,
            title=hit.article.title_en
            if result.language == "en" and hit.article.title_en
            else hit.article.title_ar,
            url=_article_url(hit.article.external_id),
            score=round(hit.score, 3),
        )
        for hit in result.suggestions
    ]
    return AskOut(
        answer=result.answer,
        article_id=result.article_id,
        article_url=_article_url(result.article_id) if result.article_id else None,
        confidence=round(result.confidence, 3),
        handoff=result.handoff,
        reason=result.reason,
        category=result.category,
        language=result.language,
        suggestions=suggestions,
    )
