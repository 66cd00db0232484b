"""The Saudi national holidays of a Gregorian year, computed without the database.

Sources and spans (what `seed_holidays` writes; an admin corrects the dates when they are announced):
- Eid al-Fitr: 1–3 Shawwal, and Eid al-Adha: 10–13 Dhu al-Hijjah, converted with hijridate's Umm al-Qura tables,
  the calendar the Kingdom uses for administration. These are the days of the feasts themselves, the usual
  span for a contact center; the government and the private sector announce longer breaks every year (the
  private sector's starts a day earlier when Ramadan lasts 30 days, and Eid al-Adha's on the Day of Arafah).
  Actual dates follow the sighting of the moon, so both are seeded `estimated` until an admin confirms them.
  Each is cross-checked against the `holidays` package (its Saudi calendar, another implementation of the same
  rules): its Eid days must contain the Umm al-Qura first day, otherwise the disagreement is noted.
- Founding Day (22 February, from 2022, Royal Order A/371) and National Day (23 September, from 2005) come from
  the `holidays` package, with the day it observes in place of one that falls on the weekend (a Friday holiday is
  taken on the Thursday before, a Saturday one on the Sunday after). Fixed by royal order: not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from importlib.metadata import version

import holidays as holidays_package
from django.utils.translation import gettext_lazy as _
from hijridate import Gregorian, Hijri

from awn.core.errors import ValidationError, lazy_format

from .enums import HolidayKind

SHAWWAL, DHU_AL_HIJJAH = 10, 12
# Gregorian range of hijridate's Umm al-Qura tables (1343–1500 AH).
FIRST_YEAR, LAST_YEAR = 1925, 2077


@dataclass(frozen=True)
class HijriFeast:
    kind: str
    month: int
    first_day: int
    days: int
    name_ar: str
    name_en: str
    package_name: str  # how the `holidays` package (en_US) names its days of this feast


EID_AL_FITR = HijriFeast(HolidayKind.EID_AL_FITR, SHAWWAL, 1, 3, "عيد الفطر", "Eid al-Fitr", "Eid al-Fitr")
EID_AL_ADHA = HijriFeast(
    HolidayKind.EID_AL_ADHA, DHU_AL_HIJJAH, 10, 4, "عيد الأضحى", "Eid al-Adha", "Eid al-Adha"
)


@dataclass(frozen=True)
class FixedHoliday:
    kind: str
    month: int
    day: int
    name_ar: str
    name_en: str
    package_name: str


FOUNDING_DAY = FixedHoliday(HolidayKind.FOUNDING_DAY, 2, 22, "يوم التأسيس", "Founding Day", "Founding Day")
NATIONAL_DAY = FixedHoliday(HolidayKind.NATIONAL_DAY, 9, 23, "اليوم الوطني", "National Day", "National Day")


@dataclass(frozen=True)
class HolidayCandidate:
    seed_key: str
    kind: str
    name_ar: str
    name_en: str
    first_day: date
    last_day: date
    hijri: tuple[int, int, int] | None
    estimated: bool
    source: str
    sources_agree: bool


def _package_days(year: int) -> dict[date, str]:
    return dict(holidays_package.country_holidays("SA", years=year, language="en_US").items())


def _days_named(package_days: dict[date, str], name: str) -> list[date]:
    return sorted(day for day, label in package_days.items() if label.startswith(name))


def _feast_candidates(feast: HijriFeast, year: int, package_days: dict[date, str]) -> list[HolidayCandidate]:
    candidates = []
    first_hijri_year = Gregorian(year, 1, 1).to_hijri().year
    for hijri_year in range(first_hijri_year, first_hijri_year + 3):
        try:
            first = Hijri(hijri_year, feast.month, feast.first_day).to_gregorian()
        except OverflowError:
            continue
        if first.year != year:
            continue
        first_day = date(first.year, first.month, first.day)
        package = _days_named(package_days, feast.package_name)
        agree = first_day in package
        seen = f"{package[0]}…{package[-1]}" if package else "none"
        source = (
            f"Umm al-Qura (hijridate {version('hijridate')}): {feast.first_day}–"
            f"{feast.first_day + feast.days - 1}/{feast.month}/{hijri_year} AH; holidays "
            f"{version('holidays')} {'agrees' if agree else 'DISAGREES'} (its {feast.name_en} days: {seen})"
        )
        candidates.append(
            HolidayCandidate(
                seed_key=f"{feast.kind}:{hijri_year}",
                kind=feast.kind,
                name_ar=f"{feast.name_ar} {hijri_year}هـ",
                name_en=f"{feast.name_en} {hijri_year} AH",
                first_day=first_day,
                last_day=first_day + timedelta(days=feast.days - 1),
                hijri=(hijri_year, feast.month, feast.first_day),
                estimated=True,
                source=source,
                sources_agree=agree,
            )
        )
    return candidates


def _fixed_candidate(
    holiday: FixedHoliday, year: int, package_days: dict[date, str]
) -> HolidayCandidate | None:
    days = _days_named(package_days, holiday.package_name)
    official = date(year, holiday.month, holiday.day)
    if official not in days:
        return None  # not a holiday that year (Founding Day before 2022)
    # The official day and the day observed for it, when the package moves one off the weekend (adjacent).
    span = [d for d in days if abs((d - official).days) <= 1]
    return HolidayCandidate(
        seed_key=f"{holiday.kind}:{year}",
        kind=holiday.kind,
        name_ar=f"{holiday.name_ar} {year}",
        name_en=f"{holiday.name_en} {year}",
        first_day=span[0],
        last_day=span[-1],
        hijri=None,
        estimated=False,
        source=f"holidays {version('holidays')}: {', '.join(d.isoformat() for d in span)}",
        sources_agree=True,
    )


def saudi_holidays(year: int) -> list[HolidayCandidate]:
    """Eid al-Fitr, Eid al-Adha, Founding Day and National Day whose first day falls in `year`."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            lazy_format(
                _("Holidays can be computed for the years %(first)s to %(last)s only."),
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
            field="year",
        )
    package_days = _package_days(year)
    candidates = [
        *_feast_candidates(EID_AL_FITR, year, package_days),
        *_feast_candidates(EID_AL_ADHA, year, package_days),
    ]
    for fixed in (FOUNDING_DAY, NATIONAL_DAY):
        candidate = _fixed_candidate(fixed, year, package_days)
        if candidate is not None:
            candidates.append(candidate)
    return sorted(candidates, key=lambda c: c.first_day)
