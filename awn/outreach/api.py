"""Proactive outreach API (/api/v1/outreach), supervisors and admins only; every object checked per request. The
same services and selectors as the workspace pages (awn/outreach/views.py): no rule lives here.

GET  /outreach/segments                  the segments, newest first (limit/offset)
POST /outreach/segments                  a segment (CRM criteria and an external event)
GET  /outreach/segments/{id}/preview     what a campaign to it would do now: matched, opted out, per channel
GET  /outreach/campaigns                 the campaigns, newest first (limit/offset)
POST /outreach/campaigns                 a campaign (checked before anything is sent; launch=false: a draft)
GET  /outreach/campaigns/{id}            the campaign and its per-recipient statistics
POST /outreach/campaigns/{id}/launch     start a draft or resume a paused campaign
POST /outreach/campaigns/{id}/pause      stop sending (resumable)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from awn.accounts.models import User
from awn.core.errors import NotFound
from awn.crm.enums import OrganizationKind
from awn.crm.models import Organization
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article

from . import selectors, services
from .enums import Audience
from .models import Campaign, Segment
from .policies import can_manage_outreach

router = Router(tags=["outreach"])
PAGE_MAX = 200
OFFSET_MAX = 100_000


class SegmentIn(Schema):
    name: str
    audience: str = Audience.PEOPLE
    contact_type: str = ""
    school_id: int | None = None
    grade: int | None = None
    event_type: str = ""
    event_hours: int = 24


class SegmentOut(Schema):
    id: int
    name: str
    audience: str
    contact_type: str
    school_id: int | None
    grade: int | None
    event_type: str
    event_hours: int
    created_at: datetime


class PreviewOut(Schema):
    segment_id: int
    matched: int
    opted_out: int
    unreachable: int
    reachable: int
    per_channel: dict[str, int]


class CampaignIn(Schema):
    segment_id: int
    article_id: str  # the knowledge article's external id (a published public guide)
    intro_ar: str = ""
    intro_en: str = ""
    launch: bool = True


class StatsOut(Schema):
    states: dict[str, int]
    delivery: dict[str, int]
    channels: dict[str, int]


class CampaignOut(Schema):
    id: int
    segment_id: int
    article_id: str
    status: str
    total: int
    matched: int
    opted_out: int
    unreachable: int
    created_at: datetime
    finished_at: datetime | None
    stats: StatsOut


def _user(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not can_manage_outreach(user):
        raise NotFound()
    return user


def _page(limit: int, offset: int) -> slice:
    return slice(offset, offset + limit)  # bounded by the operations' Query(ge, le): a 422 beyond


def _segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "audience": segment.audience,
        "contact_type": segment.contact_type,
        "school_id": segment.school_id,
        "grade": segment.grade,
        "event_type": segment.event_type,
        "event_hours": segment.event_hours,
        "created_at": segment.created_at,
    }


def _campaign_out(campaign: Campaign, *, stats: bool = True) -> dict[str, Any]:
    empty: dict[str, dict[str, int]] = {"states": {}, "delivery": {}, "channels": {}}
    return {
        "id": campaign.pk,
        "segment_id": campaign.segment_id,
        "article_id": campaign.article.external_id,
        "status": campaign.status,
        "total": campaign.total,
        "matched": campaign.matched,
        "opted_out": campaign.opted_out,
        "unreachable": campaign.unreachable,
        "created_at": campaign.created_at,
        "finished_at": campaign.finished_at,
        "stats": selectors.campaign_stats(campaign) if stats else empty,
    }


@router.get("/segments", response=list[SegmentOut], summary="The segments, newest first")
def segment_list(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> list[dict[str, Any]]:
    _user(request)
    rows = Segment.objects.order_by("-created_at", "-pk")[_page(limit, offset)]
    return [_segment_out(s) for s in rows]


@router.post("/segments", response={201: SegmentOut}, summary="Create a segment")
def segment_new(request: HttpRequest, payload: SegmentIn) -> Status[Any]:
    user = _user(request)
    data = payload.dict()
    school_id = data.pop("school_id")
    school = None
    if school_id is not None:
        school = Organization.objects.filter(pk=school_id, kind=OrganizationKind.SCHOOL).first()
        if school is None:
            raise NotFound()
    segment = services.segment_create(actor=user, school=school, **data)
    return Status(201, _segment_out(segment))


@router.get(
    "/segments/{segment_id}/preview",
    response=PreviewOut,
    summary="What a campaign to the segment would reach now (nothing is sent)",
)
def segment_preview(request: HttpRequest, segment_id: int) -> dict[str, Any]:
    segment = services.segment_for(_user(request), segment_id)
    preview = selectors.segment_preview(segment)
    return {
        "segment_id": segment.pk,
        "matched": preview.matched,
        "opted_out": preview.opted_out,
        "unreachable": preview.unreachable,
        "reachable": preview.reachable,
        "per_channel": preview.per_channel,
    }


@router.get("/campaigns", response=list[CampaignOut], summary="The campaigns, newest first")
def campaign_list(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> list[dict[str, Any]]:
    _user(request)
    rows = selectors.campaigns_list()[_page(limit, offset)]
    return [_campaign_out(c, stats=False) for c in rows]


@router.post(
    "/campaigns", response={201: CampaignOut}, summary="Create a campaign (launched unless launch=false)"
)
def campaign_new(request: HttpRequest, payload: CampaignIn) -> Status[Any]:
    user = _user(request)
    segment = services.segment_for(user, payload.segment_id)
    article = Article.objects.filter(
        external_id=payload.article_id, status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC
    ).first()
    if article is None:
        raise NotFound()
    campaign = services.campaign_create(
        actor=user,
        segment=segment,
        article=article,
        intro_ar=payload.intro_ar,
        intro_en=payload.intro_en,
        launch=payload.launch,
    )
    return Status(201, _campaign_out(campaign))


@router.get(
    "/campaigns/{campaign_id}", response=CampaignOut, summary="A campaign and its recipients' statistics"
)
def campaign_detail(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _campaign_out(services.campaign_for(_user(request), campaign_id))


@router.post("/campaigns/{campaign_id}/launch", response=CampaignOut, summary="Launch or resume a campaign")
def campaign_launch(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _campaign_out(services.campaign_launch(actor=_user(request), campaign_id=campaign_id))


@router.post("/campaigns/{campaign_id}/pause", response=CampaignOut, summary="Pause a campaign")
def campaign_pause(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _campaign_out(services.campaign_pause(actor=_user(request), campaign_id=campaign_id))
