"""The survey page a customer opens from a link (no sign-in: the signed token is the key). Transport only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_POST

from awn.core.ratelimit import limit_posts

from .enums import Refusal
from .forms import SurveyForm
from .selectors import has_opted_out, invitation_for_token
from .services import Answer, SurveyRefused, survey_answer, survey_opt_out


def _refusal(request: HttpRequest, reason: str, *, status: int) -> HttpResponse:
    """A polite page in Arabic and in English, whatever the page's language."""
    label = Refusal(reason).label
    with translation.override("ar"):
        arabic = str(label)
    with translation.override("en"):
        english = str(label)
    return render(
        request,
        "surveys/refused.html",
        {"reason": reason, "arabic": arabic, "english": english},
        status=status,
    )


REFUSAL_STATUS = {"invalid": 404, "expired": 410, "answered": 409, "reopened": 409, "opted_out": 410}


@limit_posts("survey", limit=30, window_seconds=3600)
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation, reason = invitation_for_token(token)
    if invitation is None or reason:
        return _refusal(request, reason or "invalid", status=REFUSAL_STATUS.get(reason, 404))
    if request.method != "POST":
        initial = {}
        if (score := request.GET.get("score", "")) in {"1", "2", "3", "4", "5"}:
            initial["csat"] = int(score)  # a one-click score from the email pre-fills the form
        form = SurveyForm(initial=initial, survey=invitation.survey)
        return render(
            request, "surveys/answer.html", {"form": form, "invitation": invitation, "token": token}
        )
    form = SurveyForm(request.POST, survey=invitation.survey)
    if form.is_valid():
        data = form.cleaned_data
        try:
            survey_answer(
                invitation_id=invitation.pk,
                answer=Answer(
                    csat=data["csat"], ces=data.get("ces"), nps=data.get("nps"), comment=data["comment"]
                ),
                channel="link",
            )
        except SurveyRefused as refused:
            return _refusal(request, refused.reason, status=REFUSAL_STATUS.get(refused.reason, 409))
        return render(request, "surveys/thanks.html", {"invitation": invitation})
    return render(
        request, "surveys/answer.html", {"form": form, "invitation": invitation, "token": token}, status=400
    )


@limit_posts("survey", limit=30, window_seconds=3600)
@require_POST
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    invitation, reason = invitation_for_token(token)
    if invitation is None:
        return _refusal(request, reason or "invalid", status=404)
    if not has_opted_out(invitation.contact_id):
        survey_opt_out(invitation.contact_id)
    return render(request, "surveys/opted_out.html", {})
