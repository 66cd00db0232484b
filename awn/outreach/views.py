"""Proactive outreach pages under the workspace (supervisors and admins; anyone else gets a 404). Thin: reads
through selectors, writes through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awn.accounts.decorators import allowed_by
from awn.accounts.models import User
from awn.core.errors import DomainError

from . import selectors, services
from .forms import CampaignForm, SegmentForm
from .models import Segment
from .policies import can_manage_outreach

supervisor_required = allowed_by(can_manage_outreach)
"""Supervisors and admins; anonymous users sign in, anyone else (and any foreign object) gets a 404."""


def _home(
    request: HttpRequest,
    *,
    segment_form: SegmentForm | None = None,
    campaign_form: CampaignForm | None = None,
    preview: selectors.Preview | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "outreach/list.html",
        {
            "campaigns": selectors.campaigns_list()[:50],
            "segments": Segment.objects.select_related("school").order_by("-created_at")[:50],
            "segment_form": segment_form or SegmentForm(initial={"event_hours": 24}),
            "campaign_form": campaign_form or CampaignForm(),
            "preview": preview,
            "quiet": selectors.quiet_hours(),
        },
        status=status,
    )


@supervisor_required
def outreach_home(request: HttpRequest) -> HttpResponse:
    return _home(request)


@supervisor_required
@require_POST
def segment_new(request: HttpRequest) -> HttpResponse:
    form = SegmentForm(request.POST)
    if form.is_valid():
        try:
            services.segment_create(actor=cast(User, request.user), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The segment was saved."))
            return redirect("outreach:home")
    return _home(request, segment_form=form, status=400)


@supervisor_required
@require_POST
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST)
    if not form.is_valid():
        return _home(request, campaign_form=form, status=400)
    if "preview" in request.POST:
        return _home(
            request, campaign_form=form, preview=selectors.segment_preview(form.cleaned_data["segment"])
        )
    try:
        campaign = services.campaign_create(actor=cast(User, request.user), **form.cleaned_data)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _home(request, campaign_form=form, status=400)
    messages.success(request, _("The campaign was queued."))
    return redirect("outreach:campaign", pk=campaign.pk)


@supervisor_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_for(cast(User, request.user), pk)
    return render(
        request,
        "outreach/campaign.html",
        {
            "campaign": campaign,
            "stats": selectors.campaign_stats(campaign),
            "recipients": selectors.campaign_recipients(campaign),
        },
    )


def _campaign_action(request: HttpRequest, pk: int, action: Callable[..., object], done: str) -> HttpResponse:
    """Run a campaign service for the page's button: its refusal as a message, an unknown campaign as a 404."""
    try:
        action(actor=cast(User, request.user), campaign_id=pk)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("outreach:campaign", pk=pk)


@supervisor_required
@require_POST
def campaign_launch(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a draft or resume a paused campaign (the API's /launch: the same service)."""
    return _campaign_action(request, pk, services.campaign_launch, _("Sending started."))


@supervisor_required
@require_POST
def campaign_pause(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop sending until it is launched again (the API's /pause: the same service)."""
    return _campaign_action(request, pk, services.campaign_pause, _("Sending paused."))
