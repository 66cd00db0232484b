"""Quality pages. Supervisors (/workspace/quality/): scorecards, the weekly sample, scoring a review, the weekly
averages per agent and per team. Agents (/workspace/my-reviews/): their own finished reviews and coaching notes."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from awn.accounts.decorators import allowed_by, current_user, staff_required

from .forms import CriterionForm, ReviewForm, SampleForm, ScorecardForm
from .models import Scorecard
from .policies import (
    can_manage_scorecards,
    can_review,
    can_review_agent,
    own_reviews,
    reviewable_agents,
    reviewer_team_id,
    reviews_visible_to,
)
from .selectors import conversation, pending_reviews, weekly_table, weeks_ending
from .services import (
    criterion_add,
    review_submit,
    sample_draw,
    scorecard_create,
    scorecard_set_active,
    week_start,
)

WEEKS_SHOWN = 8
WEEKS_CHOICES = (4, 8, 13, 26)
reviewer_required = allowed_by(can_review)
scorecard_manager_required = allowed_by(can_manage_scorecards)


def _overview_context(request: HttpRequest, sample_form: SampleForm | None = None) -> dict[str, object]:
    user = current_user(request)
    visible = reviews_visible_to(user)
    this_week = week_start(timezone.localdate())
    shown = request.GET.get("weeks", "")
    count = int(shown) if shown.isdigit() and int(shown) in WEEKS_CHOICES else WEEKS_SHOWN
    weeks = weeks_ending(this_week, count)
    if sample_form is None:
        sample_form = SampleForm(
            agents=reviewable_agents(user), initial={"week": this_week - timedelta(weeks=1)}
        )
    return {
        "sample_form": sample_form,
        "pending": pending_reviews(visible)[:100],
        "weeks": weeks,
        "weeks_count": count,
        "weeks_choices": WEEKS_CHOICES,
        "by_agent": weekly_table(visible, weeks, by="agent"),
        "by_team": weekly_table(visible, weeks, by="team"),
        "restricted": reviewer_team_id(user) is not None,
        "can_manage": can_manage_scorecards(user),
        "has_scorecard": Scorecard.objects.filter(is_active=True, criteria__isnull=False).exists(),
    }


@reviewer_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/overview.html", _overview_context(request))


@reviewer_required
@require_POST
def sample(request: HttpRequest) -> HttpResponseBase:
    user = current_user(request)
    form = SampleForm(request.POST, agents=reviewable_agents(user))
    if not form.is_valid():
        return render(request, "quality/overview.html", _overview_context(request, form), status=400)
    agent = form.cleaned_data["agent"]
    if not can_review_agent(user, agent):  # the form's choices already say so; checked again on the object
        raise Http404()
    drawn = sample_draw(
        agent=agent,
        week=form.cleaned_data["week"],
        size=form.cleaned_data["size"],
        scorecard=form.cleaned_data["scorecard"],
        reviewer=user,
    )
    if drawn:
        messages.success(
            request,
            ngettext("%(count)d ticket drawn for review.", "%(count)d tickets drawn for review.", len(drawn))
            % {"count": len(drawn)},
        )
    else:
        messages.info(request, _("This agent resolved no ticket that week: nothing to review."))
    return redirect("quality:overview")


@reviewer_required
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse | HttpResponseBase:
    user = current_user(request)
    item = get_object_or_404(reviews_visible_to(user).select_related("ticket", "agent", "scorecard"), pk=pk)
    criteria = list(item.scorecard.criteria.all())
    initial = {s.criterion_id: s.score for s in item.scores.all()}
    form = ReviewForm(
        request.POST if request.method == "POST" else None,
        criteria=criteria,
        initial_scores=initial,
        initial={"coaching_note": item.coaching_note},
    )
    if request.method == "POST":
        if not can_review_agent(user, item.agent):
            raise Http404()
        if form.is_valid():
            review_submit(
                review=item, reviewer=user, scores=form.scores(), note=form.cleaned_data["coaching_note"]
            )
            messages.success(request, _("The review was saved."))
            return redirect("quality:review", pk=item.pk)
    context = {"review": item, "form": form, "messages_": conversation(item.ticket_id)}
    return render(request, "quality/review.html", context, status=400 if form.errors else 200)


@reviewer_required
@require_http_methods(["GET", "HEAD", "POST"])
def scorecards(request: HttpRequest) -> HttpResponse | HttpResponseBase:
    user = current_user(request)
    form = ScorecardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_manage_scorecards(user):
            raise Http404()
        if form.is_valid():
            card = scorecard_create(**form.cleaned_data)
            return redirect("quality:scorecard", pk=card.pk)
    context = {
        "scorecards": Scorecard.objects.prefetch_related("criteria"),
        "form": form,
        "can_manage": can_manage_scorecards(user),
    }
    return render(request, "quality/scorecards.html", context, status=400 if form.errors else 200)


@scorecard_manager_required
@require_http_methods(["GET", "HEAD", "POST"])
def scorecard(request: HttpRequest, pk: int) -> HttpResponse | HttpResponseBase:
    card = get_object_or_404(Scorecard, pk=pk)
    form = CriterionForm(request.POST if request.method == "POST" and "label_ar" in request.POST else None)
    if request.method == "POST":
        if "active" in request.POST:
            scorecard_set_active(scorecard=card, active=request.POST["active"] == "1")
            return redirect("quality:scorecard", pk=card.pk)
        if form.is_valid():
            criterion_add(scorecard=card, **form.cleaned_data)
            return redirect("quality:scorecard", pk=card.pk)
    context = {"scorecard": card, "criteria": card.criteria.all(), "form": form}
    return render(request, "quality/scorecard.html", context, status=400 if form.errors else 200)


@staff_required()
@require_safe
def my_reviews(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    weeks = weeks_ending(week_start(timezone.localdate()), WEEKS_SHOWN)
    reviews = (
        own_reviews(user)
        .select_related("ticket", "scorecard")
        .prefetch_related("scores__criterion")
        .order_by("-reviewed_at")[:100]
    )
    context = {
        "reviews": reviews,
        "weeks": weeks,
        "trend": weekly_table(own_reviews(user), weeks, by="agent"),
    }
    return render(request, "quality/my_reviews.html", context)
