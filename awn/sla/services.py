"""Writes to business calendars, overrides, holidays and SLA policies.

Every write is checked by the pure module first (business_time.build_calendar): an invalid calendar raises a
bilingual CalendarError and nothing is saved. Every write bumps the version of the calendars it changes and
publishes BusinessCalendarChanged, so cached calendars are rebuilt and due times can be recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.core.errors import Conflict, ValidationError, lazy_format
from awn.core.events import publish
from awn.crm.enums import ContactType
from awn.crm.models import Organization
from awn.tickets.enums import Category, Channel, Priority

from .business_time import (
    Override,
    WeeklyHours,
    build_calendar,
    check_date_range,
    default_weekly_hours,
    normalize_week,
    weekly_from_json,
    weekly_to_json,
)
from .enums import HolidayKind, Metric
from .events import BusinessCalendarChanged
from .matching import MAX_TARGET_MINUTES
from .models import BusinessCalendar, CalendarOverride, Holiday, SlaPolicy, TeamCalendar
from .recompute import recompute_start
from .saudi_holidays import HolidayCandidate, saudi_holidays

DEFAULT_CALENDAR_NAME = "ساعات العمل الرسمية"


def _stored_week(weekly_hours: WeeklyHours) -> dict[str, list[list[int]]]:
    week = normalize_week(weekly_hours)
    return weekly_to_json(dict(enumerate(week)))


def _override_of(row: CalendarOverride) -> Override:
    return Override(row.first_day, row.last_day, weekly_from_json(row.weekly_hours), row.name)


def _check(weekly_hours: WeeklyHours, overrides: Iterable[Override]) -> None:
    """Raise CalendarError when these hours and overrides do not make a valid calendar."""
    build_calendar(weekly_hours, overrides)


def _clean_name(name: str, *, field: str = "name") -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationError(_("A name is required."), field=field)
    return cleaned


def _calendars_changed(calendar_ids: Iterable[int] | None) -> None:
    """Bump the version of these calendars (None: every calendar) and tell who recomputes due times."""
    rows = (
        BusinessCalendar.objects.all()
        if calendar_ids is None
        else BusinessCalendar.objects.filter(pk__in=list(calendar_ids))
    )
    ids = tuple(rows.order_by("pk").values_list("pk", flat=True))
    BusinessCalendar.objects.filter(pk__in=ids).update(version=F("version") + 1, updated_at=timezone.now())
    if ids:
        publish(BusinessCalendarChanged(calendar_ids=ids))


def _refresh_version(calendar: BusinessCalendar) -> None:
    calendar.version, calendar.updated_at = BusinessCalendar.objects.values_list("version", "updated_at").get(
        pk=calendar.pk
    )


# --- calendars -------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_create(*, name: str, weekly_hours: WeeklyHours, is_default: bool = False) -> BusinessCalendar:
    name = _clean_name(name)
    _check(weekly_hours, ())
    if BusinessCalendar.objects.filter(name=name).exists():
        raise ValidationError(_("A calendar with this name already exists."), field="name")
    previous_default = list(BusinessCalendar.objects.filter(is_default=True).values_list("pk", flat=True))
    if is_default:
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False)
    calendar = BusinessCalendar.objects.create(
        name=name, weekly_hours=_stored_week(weekly_hours), is_default=is_default
    )
    if is_default and previous_default:
        _calendars_changed([*previous_default, calendar.pk])  # teams on the default change hours
        _refresh_version(calendar)
    return calendar


@transaction.atomic
def calendar_update(*, calendar: BusinessCalendar, name: str, weekly_hours: WeeklyHours) -> BusinessCalendar:
    name = _clean_name(name)
    overrides = [_override_of(o) for o in CalendarOverride.objects.filter(calendar=calendar)]
    _check(weekly_hours, overrides)
    if BusinessCalendar.objects.filter(name=name).exclude(pk=calendar.pk).exists():
        raise ValidationError(_("A calendar with this name already exists."), field="name")
    stored = _stored_week(weekly_hours)
    hours_changed = stored != calendar.weekly_hours
    calendar.name = name
    calendar.weekly_hours = stored
    calendar.save(update_fields=["name", "weekly_hours", "updated_at"])
    if hours_changed:
        _calendars_changed([calendar.pk])
        _refresh_version(calendar)
    return calendar


@transaction.atomic
def calendar_make_default(*, calendar: BusinessCalendar) -> BusinessCalendar:
    if not calendar.is_default:
        previous = list(BusinessCalendar.objects.filter(is_default=True).values_list("pk", flat=True))
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False)
        calendar.is_default = True
        calendar.save(update_fields=["is_default", "updated_at"])
        # Teams without a calendar of their own now work on other hours.
        _calendars_changed([*previous, calendar.pk])
        _refresh_version(calendar)
    return calendar


@transaction.atomic
def calendar_delete(*, calendar: BusinessCalendar) -> None:
    """Teams on this calendar go back to the default one."""
    if calendar.is_default:
        raise Conflict(_("The default calendar cannot be deleted: make another calendar the default first."))
    publish(BusinessCalendarChanged(calendar_ids=(calendar.pk,)))
    calendar.delete()


@transaction.atomic
def default_calendar_ensure() -> BusinessCalendar:
    """The default calendar (Sunday–Thursday, 08:00–16:00), created if there is none (the seed, a fresh db)."""
    existing = BusinessCalendar.objects.filter(is_default=True).first()
    if existing is not None:
        return existing
    name = DEFAULT_CALENDAR_NAME
    if BusinessCalendar.objects.filter(name=name).exists():
        name = f"{name} ({timezone.now():%Y-%m-%d %H:%M:%S})"
    return calendar_create(name=name, weekly_hours=default_weekly_hours(), is_default=True)


@transaction.atomic
def team_calendar_set(*, team: Team, calendar: BusinessCalendar | None) -> None:
    """Put a team on a calendar; None puts it back on the default one."""
    if calendar is None:
        TeamCalendar.objects.filter(team=team).delete()
    else:
        TeamCalendar.objects.update_or_create(team=team, defaults={"calendar": calendar})


# --- overrides -------------------------------------------------------------------------------------------


@transaction.atomic
def override_save(
    *,
    calendar: BusinessCalendar,
    name: str,
    first_day: date,
    last_day: date,
    weekly_hours: WeeklyHours,
    override: CalendarOverride | None = None,
) -> CalendarOverride:
    """Create an override (override=None) or change one; checked with the calendar's other overrides."""
    name = _clean_name(name)
    if override is not None and override.calendar_id != calendar.pk:
        raise ValidationError(_("This override belongs to another calendar."))
    others = CalendarOverride.objects.filter(calendar=calendar)
    if override is not None:
        others = others.exclude(pk=override.pk)
    proposed = Override(first_day, last_day, weekly_hours, name)
    _check(weekly_from_json(calendar.weekly_hours), [*(_override_of(o) for o in others), proposed])
    row = override or CalendarOverride(calendar=calendar)
    row.name = name
    row.first_day = first_day
    row.last_day = last_day
    row.weekly_hours = _stored_week(weekly_hours)
    row.save()
    _calendars_changed([calendar.pk])
    return row


@transaction.atomic
def override_delete(*, override: CalendarOverride) -> None:
    calendar_id = override.calendar_id
    override.delete()
    _calendars_changed([calendar_id])


# --- holidays --------------------------------------------------------------------------------------------


@transaction.atomic
def holiday_save(
    *,
    name_ar: str,
    first_day: date,
    last_day: date,
    name_en: str = "",
    kind: str = HolidayKind.OTHER,
    calendar: BusinessCalendar | None = None,
    estimated: bool = False,
    hijri: tuple[int, int, int] | None = None,
    source: str | None = None,
    holiday: Holiday | None = None,
) -> Holiday:
    """Create a holiday (holiday=None) or change one. Without a calendar it is national: every calendar has it.

    Editing keeps the Hijri origin and the source unless new ones are given, and marks the holiday reviewed.
    """
    name_ar = _clean_name(name_ar, field="name_ar")
    check_date_range(first_day, last_day, where=name_ar)
    if kind not in HolidayKind.values:
        raise ValidationError(_("Unknown kind of holiday."), field="kind")
    row = holiday or Holiday()
    touched = _holiday_scope(row) if holiday is not None else set()
    row.calendar = calendar
    row.kind = kind
    row.name_ar = name_ar
    row.name_en = name_en.strip()
    row.first_day = first_day
    row.last_day = last_day
    row.estimated = estimated
    if hijri is not None or holiday is None:
        row.hijri_year, row.hijri_month, row.hijri_day = hijri or (None, None, None)
    if source is not None:
        row.source = source
    row.reviewed_at = timezone.now()
    row.save()
    _holidays_changed(touched | _holiday_scope(row))
    return row


@transaction.atomic
def holiday_confirm(
    *, holiday: Holiday, first_day: date | None = None, last_day: date | None = None
) -> Holiday:
    """An admin confirms the announced dates (changing them if the announcement differs): no longer estimated."""
    first = first_day or holiday.first_day
    last = last_day or holiday.last_day
    check_date_range(first, last, where=holiday.name_ar)
    dates_changed = (first, last) != (holiday.first_day, holiday.last_day)
    holiday.first_day, holiday.last_day, holiday.estimated = first, last, False
    holiday.reviewed_at = timezone.now()
    holiday.save(update_fields=["first_day", "last_day", "estimated", "reviewed_at", "updated_at"])
    if dates_changed:
        _holidays_changed(_holiday_scope(holiday))
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: Holiday) -> None:
    scope = _holiday_scope(holiday)
    holiday.delete()
    _holidays_changed(scope)


NATIONAL = 0  # the scope of a holiday without a calendar: every calendar


def _holiday_scope(holiday: Holiday) -> set[int]:
    return {holiday.calendar_id if holiday.calendar_id is not None else NATIONAL}


def _holidays_changed(scope: set[int]) -> None:
    _calendars_changed(None if NATIONAL in scope else scope)


# --- seeding the national holidays -----------------------------------------------------------------------


@dataclass
class SeedResult:
    year: int
    created: list[Holiday] = field(default_factory=list)
    updated: list[Holiday] = field(default_factory=list)
    unchanged: list[Holiday] = field(default_factory=list)
    reviewed_kept: list[Holiday] = field(default_factory=list)  # confirmed or edited by an admin: left alone
    disagreements: list[HolidayCandidate] = field(default_factory=list)


_SEEDED_FIELDS = ("kind", "name_ar", "name_en", "first_day", "last_day", "estimated", "source")


def _seed_values(candidate: HolidayCandidate) -> dict[str, object]:
    hijri_year, hijri_month, hijri_day = candidate.hijri or (None, None, None)
    return {
        **{name: getattr(candidate, name) for name in _SEEDED_FIELDS},
        "hijri_year": hijri_year,
        "hijri_month": hijri_month,
        "hijri_day": hijri_day,
    }


@transaction.atomic
def holidays_seed_year(year: int) -> SeedResult:
    """Write the national holidays of a Gregorian year (saudi_holidays.py says from where). Idempotent: a
    holiday seeded before is updated while it is still estimated, and left alone once an admin confirmed it."""
    result = SeedResult(year=year)
    for candidate in saudi_holidays(year):
        if not candidate.sources_agree:
            result.disagreements.append(candidate)
        values = _seed_values(candidate)
        row = Holiday.objects.select_for_update().filter(seed_key=candidate.seed_key).first()
        if row is None:
            result.created.append(
                Holiday.objects.create(seed_key=candidate.seed_key, calendar=None, **values)
            )
        elif row.reviewed_at is not None:
            result.reviewed_kept.append(row)
        elif all(getattr(row, name) == value for name, value in values.items()):
            result.unchanged.append(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            result.updated.append(row)
    if result.created or result.updated:
        _calendars_changed(None)
    return result


# --- SLA policies ----------------------------------------------------------------------------------------

PAUSABLE_STATUSES = ("pending", "on_hold")


def _choices(values: Iterable[str], allowed: Iterable[str], *, field: str) -> list[str]:
    values = [str(v) for v in values]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(
            lazy_format(_("Unknown value: %(values)s."), values="، ".join(unknown)), field=field
        )
    return sorted(set(values))


def _ids(values: Iterable[int], rows: QuerySet[Any], *, field: str) -> list[int]:
    try:
        ids = sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise ValidationError(_("Choose from the list."), field=field) from None
    if ids and rows.filter(pk__in=ids).count() != len(ids):
        raise ValidationError(_("Choose from the list."), field=field)
    return ids


def _clean_targets(
    targets: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """{priority: {metric: {"minutes": 1…MAX, "business": bool}}}; a blank or zero target is no target."""
    cleaned: dict[str, dict[str, dict[str, Any]]] = {}
    for priority, by_metric in targets.items():
        if priority not in Priority.values:
            raise ValidationError(
                lazy_format(_("Unknown value: %(values)s."), values=priority), field="targets"
            )
        for metric, spec in (by_metric or {}).items():
            if metric not in Metric.values:
                raise ValidationError(
                    lazy_format(_("Unknown value: %(values)s."), values=metric), field="targets"
                )
            minutes = spec.get("minutes") if spec else None
            if minutes in (None, "", 0):
                continue
            if (
                not isinstance(minutes, int)
                or isinstance(minutes, bool)
                or not 1 <= minutes <= MAX_TARGET_MINUTES
            ):
                raise ValidationError(
                    lazy_format(
                        _(
                            "A target must be between one minute and %(days)s days (%(priority)s, %(metric)s)."
                        ),
                        days=MAX_TARGET_MINUTES // 1440,
                        priority=Priority(priority).label,
                        metric=Metric(metric).label,
                    ),
                    field=f"target_{priority}_{metric}",
                )
            cleaned.setdefault(priority, {})[metric] = {
                "minutes": minutes,
                "business": bool(spec.get("business", True)),
            }
    if not cleaned:
        raise ValidationError(_("Set at least one target."), field="targets")
    return cleaned


@transaction.atomic
def policy_save(
    *,
    name: str,
    targets: Mapping[str, Mapping[str, Mapping[str, Any]]],
    policy: SlaPolicy | None = None,
    position: int = 0,
    is_active: bool = True,
    categories: Iterable[str] = (),
    priorities: Iterable[str] = (),
    channels: Iterable[str] = (),
    contact_types: Iterable[str] = (),
    team_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
    pause_statuses: Iterable[str] = ("pending",),
    warning_percent: int = 75,
    hold_alerts_outside_hours: bool = False,
) -> SlaPolicy:
    """Create a policy (policy=None) or change one; everything is checked before anything is saved. The open
    tickets' due times are recomputed in the background (their policy may change)."""
    name = _clean_name(name)
    same_name = SlaPolicy.objects.filter(name=name)
    if policy is not None:
        same_name = same_name.exclude(pk=policy.pk)
    if same_name.exists():
        raise ValidationError(_("A policy with this name already exists."), field="name")
    if not isinstance(position, int) or not 0 <= position <= 10000:
        raise ValidationError(_("The order must be a whole number from 0 to 10000."), field="position")
    if not isinstance(warning_percent, int) or not 1 <= warning_percent <= 99:
        raise ValidationError(
            _("The warning must be between 1 and 99 percent of the target."), field="warning_percent"
        )
    row = policy or SlaPolicy()
    row.name = name
    row.position = position
    row.is_active = bool(is_active) or row.is_default  # the default policy always applies
    row.categories = _choices(categories, Category.values, field="categories")
    row.priorities = _choices(priorities, Priority.values, field="priorities")
    row.channels = _choices(channels, Channel.values, field="channels")
    row.contact_types = _choices(contact_types, ContactType.values, field="contact_types")
    row.team_ids = _ids(team_ids, Team.objects.all(), field="team_ids")
    row.organization_ids = _ids(organization_ids, Organization.objects.all(), field="organization_ids")
    row.pause_statuses = _choices(pause_statuses, PAUSABLE_STATUSES, field="pause_statuses")
    row.targets = _clean_targets(targets)
    row.warning_percent = warning_percent
    row.hold_alerts_outside_hours = bool(hold_alerts_outside_hours)
    row.version = (row.version or 0) + 1 if row.pk else 1
    row.save()
    recompute_start("policy")
    return row


@transaction.atomic
def policy_delete(*, policy: SlaPolicy) -> None:
    if policy.is_default:
        raise ValidationError(_("The default policy cannot be deleted."))
    policy.delete()
    recompute_start("policy")
