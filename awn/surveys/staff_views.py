"""The supervisors' page of survey answers (/workspace/surveys/): CSAT, CES and NPS over the answers shown, the
comments' topics and sentiment, the low scores to follow up, each answer linked to its ticket. Read only."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from awn.accounts.models import User
from awn.analytics.policies import restricted_team_id
from awn.analytics.views import reports_required

from .enums import CommentTopic, Sentiment
from .forms import SurveySettingsForm
from .models import Survey
from .selectors import responses_for, summary
from .services import active_survey, survey_settings_save

PAGE_SIZE = 50


@reports_required
@require_safe
def answers(request: HttpRequest) -> HttpResponse:
    only = restricted_team_id(cast(User, request.user))
    sentiment = request.GET.get("sentiment", "")
    topic = request.GET.get("topic", "")
    sentiment = sentiment if sentiment in Sentiment.values else ""
    topic = topic if topic in CommentTopic.values else ""
    low_only = request.GET.get("low") == "1"
    rows = responses_for(only_team_id=only, sentiment=sentiment, topic=topic, low_only=low_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "summary": summary(rows),
        "page": page,
        "sentiments": Sentiment.choices,
        "topics": CommentTopic.choices,
        "chosen": {"sentiment": sentiment, "topic": topic, "low": low_only},
        "restricted": only is not None,
        "query": "&".join(f"{k}={v}" for k, v in (("sentiment", sentiment), ("topic", topic)) if v)
        + ("&low=1" if low_only else ""),
    }
    return render(request, "surveys/answers.html", context)


@reports_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_settings(request: HttpRequest) -> HttpResponse:
    survey = active_survey()
    if request.method != "POST":
        return render(request, "surveys/settings.html", {"form": SurveySettingsForm(instance=survey)})
    form = SurveySettingsForm(request.POST, instance=Survey.objects.get(pk=survey.pk))
    if not form.is_valid():
        return render(request, "surveys/settings.html", {"form": form}, status=400)
    survey_settings_save(actor=cast(User, request.user), values=form.cleaned_data)
    messages.success(request, _("The survey was saved."))
    return redirect("surveys_staff:settings")
