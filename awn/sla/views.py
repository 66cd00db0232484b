"""Calendar and SLA policy pages under the workspace (supervisors and admins): calendars with their weekly hours
and overrides, holidays with Gregorian and Hijri dates side by side, policies in matching order with the
recomputation's progress. Thin: every write goes through awn/sla/services.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awn.accounts.decorators import allowed_by
from awn.core.errors import DomainError

from .business_time import WEEK_ORDER, WEEKDAY_NAMES, format_day_hours, weekly_from_json
from .enums import Metric, RecomputeState
from .forms import CalendarForm, HolidayForm, OverrideForm, PolicyForm, SeedForm, WeeklyHoursForm
from .models import BusinessCalendar, CalendarOverride, Holiday, SlaPolicy
from .policies import can_manage_calendars
from .recompute import latest_run
from .selectors import calendar_list, holiday_list, policy_conditions, policy_target_summary
from .services import (
    calendar_create,
    calendar_delete,
    calendar_make_default,
    calendar_update,
    holiday_confirm,
    holiday_delete,
    holiday_save,
    holidays_seed_year,
    override_delete,
    override_save,
    policy_delete,
    policy_save,
    team_calendar_set,
)

View = Callable[..., HttpResponse]


supervisor_required = allowed_by(can_manage_calendars)


def _week_rows(weekly_json: dict[str, Any]) -> list[tuple[object, str]]:
    weekly = weekly_from_json(weekly_json)
    return [(WEEKDAY_NAMES[day], format_day_hours(weekly.get(day, ()))) for day in WEEK_ORDER]


YEARS_SHOWN = range(1925, 2077)  # the Umm al-Qura range of hijridate (1343–1500 AH)


def _selected_year(request: HttpRequest) -> int:
    """The year asked for, or this year when it is missing, not a number or out of the Hijri table's range."""
    text = request.GET.get("year", "")
    year = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else 0
    return year if year in YEARS_SHOWN else timezone.localdate().year


@supervisor_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    year = _selected_year(request)
    rows = [
        {
            "calendar": row.calendar,
            "teams": row.teams,
            "week": _week_rows(row.calendar.weekly_hours),
            "overrides": [(o, _week_rows(o.weekly_hours)) for o in row.overrides],
        }
        for row in calendar_list()
    ]
    context = {
        "rows": rows,
        "holidays": holiday_list(year=year),
        "year": year,
        "years": [year - 1, year, year + 1],
        "seed_form": SeedForm(initial={"year": year}),
        "weekdays": [WEEKDAY_NAMES[day] for day in WEEK_ORDER],
        **_progress_context(),
    }
    return render(request, "sla/calendars.html", context)


def _form_error(form: WeeklyHoursForm | HolidayForm, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


@supervisor_required
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=pk) if pk is not None else None
    initial: dict[str, Any] = {}
    if calendar is not None:
        initial = {
            "name": calendar.name,
            "teams": [link.team_id for link in calendar.team_links.all()],
            **WeeklyHoursForm.initial_hours(weekly_from_json(calendar.weekly_hours)),
        }
    form = CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if calendar is None:
                calendar = calendar_create(name=data["name"], weekly_hours=data["weekly_hours"])
            else:
                calendar_update(calendar=calendar, name=data["name"], weekly_hours=data["weekly_hours"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            _set_teams(calendar, list(data["teams"]))
            messages.success(request, _("Calendar saved."))
            return redirect("sla:calendars")
    return render(request, "sla/calendar_form.html", {"form": form, "calendar": calendar})


def _set_teams(calendar: BusinessCalendar, teams: list[Any]) -> None:
    chosen = {team.pk for team in teams}
    for link in calendar.team_links.select_related("team"):
        if link.team_id not in chosen:
            team_calendar_set(team=link.team, calendar=None)
    for team in teams:
        team_calendar_set(team=team, calendar=calendar)


@require_POST
@supervisor_required
def calendar_default(request: HttpRequest, pk: int) -> HttpResponse:
    calendar_make_default(calendar=get_object_or_404(BusinessCalendar, pk=pk))
    messages.success(request, _("Default calendar changed."))
    return redirect("sla:calendars")


@require_POST
@supervisor_required
def calendar_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        calendar_delete(calendar=get_object_or_404(BusinessCalendar, pk=pk))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Calendar deleted."))
    return redirect("sla:calendars")


@supervisor_required
def override_edit(request: HttpRequest, calendar_pk: int, pk: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_pk)
    override = get_object_or_404(CalendarOverride, pk=pk, calendar=calendar) if pk is not None else None
    initial: dict[str, Any] = {}
    if override is not None:
        initial = {
            "name": override.name,
            "first_day": override.first_day,
            "last_day": override.last_day,
            **WeeklyHoursForm.initial_hours(weekly_from_json(override.weekly_hours)),
        }
    form = OverrideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            override_save(
                calendar=calendar,
                override=override,
                name=data["name"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                weekly_hours=data["weekly_hours"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Override saved."))
            return redirect("sla:calendars")
    return render(
        request, "sla/override_form.html", {"form": form, "calendar": calendar, "override": override}
    )


@require_POST
@supervisor_required
def override_remove(request: HttpRequest, calendar_pk: int, pk: int) -> HttpResponse:
    override_delete(override=get_object_or_404(CalendarOverride, pk=pk, calendar_id=calendar_pk))
    messages.success(request, _("Override deleted."))
    return redirect("sla:calendars")


@supervisor_required
def holiday_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=pk) if pk is not None else None
    initial: dict[str, Any] = {}
    if holiday is not None:
        initial = {
            "name_ar": holiday.name_ar,
            "name_en": holiday.name_en,
            "kind": holiday.kind,
            "first_day": holiday.first_day,
            "last_day": holiday.last_day,
            "calendar": holiday.calendar_id,
            "estimated": holiday.estimated,
        }
    form = HolidayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = holiday_save(holiday=holiday, **data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Holiday saved."))
            return redirect(f"{_index_url()}?year={saved.first_day.year}")
    return render(request, "sla/holiday_form.html", {"form": form, "holiday": holiday})


def _index_url() -> str:
    return reverse("sla:calendars")


@require_POST
@supervisor_required
def holiday_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = holiday_confirm(holiday=get_object_or_404(Holiday, pk=pk))
    messages.success(request, _("The dates of “%(name)s” are confirmed.") % {"name": holiday.name_ar})
    return redirect(f"{_index_url()}?year={holiday.first_day.year}")


@require_POST
@supervisor_required
def holiday_remove(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=pk)
    year = holiday.first_day.year
    holiday_delete(holiday=holiday)
    messages.success(request, _("Holiday deleted."))
    return redirect(f"{_index_url()}?year={year}")


@require_POST
@supervisor_required
def holidays_seed(request: HttpRequest) -> HttpResponse:
    form = SeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("sla:calendars")
    year = form.cleaned_data["year"]
    try:
        result = holidays_seed_year(year)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "Holidays of %(year)s: %(created)s added, %(updated)s updated, %(kept)s left as set by an admin."
            )
            % {
                "year": year,
                "created": len(result.created),
                "updated": len(result.updated),
                "kept": len(result.reviewed_kept),
            },
        )
    return redirect(f"{_index_url()}?year={year}")


# --- SLA policies ----------------------------------------------------------------------------------------


def _progress_context() -> dict[str, Any]:
    run = latest_run()
    return {"run": run, "running": run is not None and run.state == RecomputeState.RUNNING}


@supervisor_required
def policy_index(request: HttpRequest) -> HttpResponse:
    policies = list(SlaPolicy.objects.order_by("is_default", "position", "pk"))
    rows = [
        {
            "policy": policy,
            "conditions": policy_conditions(policy),
            "targets": policy_target_summary(policy),
        }
        for policy in policies
    ]
    return render(request, "sla/policies.html", {"rows": rows, **_progress_context()})


@supervisor_required
def recompute_progress(request: HttpRequest) -> HttpResponse:
    """The progress bar alone (polled by the policies page while a recomputation runs)."""
    return render(request, "sla/partials/recompute_progress.html", _progress_context())


@supervisor_required
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk is not None else None
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_for(policy) if policy else None)
    if request.method == "POST" and form.is_valid():
        try:
            policy_save(policy=policy, **form.values())
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(request, _("Policy saved. Open tickets' due times are being recomputed."))
            return redirect("sla_policies:policies")
    context = {"form": form, "policy": policy, "metric_labels": [label for _, label in Metric.choices]}
    return render(request, "sla/policy_form.html", context, status=400 if form.errors else 200)


@require_POST
@supervisor_required
def policy_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        policy_delete(policy=get_object_or_404(SlaPolicy, pk=pk))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Policy deleted. Open tickets' due times are being recomputed."))
    return redirect("sla_policies:policies")
