"""Seeding the Saudi national holidays.

Reference dates, written as literals and checked against sources other than the code under test:
- Eid al-Fitr 1446 began on Sunday 30 March 2025 and Eid al-Adha 1446 on Friday 6 June 2025, as announced in the
  Kingdom that year; Founding Day 2025 fell on a Saturday, observed on Sunday 23 February.
- 1 Shawwal 1448 = Tuesday 9 March 2027 and 10 Dhu al-Hijjah 1448 = Sunday 16 May 2027: hijridate 2.6.0's
  Umm al-Qura conversion (Hijri(1448, 10, 1).to_gregorian()), and the `holidays` 0.109 package's own Saudi
  calendar starts its Eid al-Fitr days on 2027-03-09 and has Eid al-Adha on 2027-05-16 (both printed by hand
  with `holidays.SA(years=2027)`).
- 2033 holds two Eids al-Fitr: 1 Shawwal 1454 = 2 January 2033 and 1 Shawwal 1455 = 23 December 2033 (same
  two sources); National Day 2033 falls on a Friday and is observed on Thursday 22 September.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from awn.core.errors import ValidationError
from awn.sla import saudi_holidays as saudi
from awn.sla.models import BusinessCalendar, Holiday
from awn.sla.selectors import calendar_for
from awn.sla.services import holiday_confirm, holidays_seed_year


def spans(year: int) -> dict[str, tuple[date, date, bool]]:
    return {c.seed_key: (c.first_day, c.last_day, c.estimated) for c in saudi.saudi_holidays(year)}


def test_the_holidays_of_2027() -> None:
    assert spans(2027) == {
        "founding_day:2027": (date(2027, 2, 22), date(2027, 2, 22), False),
        "eid_al_fitr:1448": (date(2027, 3, 9), date(2027, 3, 11), True),  # 1–3 Shawwal
        "eid_al_adha:1448": (date(2027, 5, 16), date(2027, 5, 19), True),  # 10–13 Dhu al-Hijjah
        "national_day:2027": (date(2027, 9, 23), date(2027, 9, 23), False),
    }
    assert all(c.sources_agree for c in saudi.saudi_holidays(2027))


def test_the_holidays_of_2025_match_what_was_announced() -> None:
    assert spans(2025) == {
        "founding_day:2025": (date(2025, 2, 22), date(2025, 2, 23), False),  # Saturday, observed Sunday
        "eid_al_fitr:1446": (date(2025, 3, 30), date(2025, 4, 1), True),
        "eid_al_adha:1446": (date(2025, 6, 6), date(2025, 6, 9), True),
        "national_day:2025": (date(2025, 9, 23), date(2025, 9, 23), False),
    }


def test_a_year_with_two_eids_al_fitr_and_a_national_day_on_a_friday() -> None:
    seeded = spans(2033)
    assert seeded["eid_al_fitr:1454"][:2] == (date(2033, 1, 2), date(2033, 1, 4))
    assert seeded["eid_al_fitr:1455"][:2] == (date(2033, 12, 23), date(2033, 12, 25))
    assert seeded["national_day:2033"][:2] == (date(2033, 9, 22), date(2033, 9, 23))


def test_founding_day_only_from_2022() -> None:
    assert "founding_day:2021" not in spans(2021)
    assert spans(2022)["founding_day:2022"][:2] == (date(2022, 2, 22), date(2022, 2, 22))


def test_the_hijri_origin_and_names_are_kept() -> None:
    eid = next(c for c in saudi.saudi_holidays(2027) if c.kind == "eid_al_fitr")
    assert eid.hijri == (1448, 10, 1)
    assert eid.name_ar == "عيد الفطر 1448هـ"
    assert eid.name_en == "Eid al-Fitr 1448 AH"
    assert "hijridate" in eid.source and "agrees" in eid.source


def test_a_disagreement_between_the_sources_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    shifted = {
        date(2027, 3, 10): "Eid al-Fitr Holiday (estimated)",
        date(2027, 9, 23): "National Day Holiday",
    }
    monkeypatch.setattr(saudi, "_package_days", lambda year: shifted)
    eid = next(c for c in saudi.saudi_holidays(2027) if c.kind == "eid_al_fitr")
    assert not eid.sources_agree
    assert "DISAGREES" in eid.source and "2027-03-10" in eid.source
    assert eid.first_day == date(2027, 3, 9)  # Umm al-Qura stays the estimate; the admin confirms


def test_years_outside_the_umm_al_qura_tables_are_refused() -> None:
    with pytest.raises(ValidationError):
        saudi.saudi_holidays(2090)


@pytest.mark.django_db
def test_seeding_is_idempotent_and_makes_calendars_skip_the_holidays() -> None:
    first = holidays_seed_year(2027)
    assert len(first.created) == 4 and not first.disagreements
    version = BusinessCalendar.objects.get(is_default=True).version
    again = holidays_seed_year(2027)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 4)
    assert Holiday.objects.count() == 4
    default = BusinessCalendar.objects.get(is_default=True)
    assert default.version == version  # nothing changed, nothing to recompute
    built = calendar_for(default)
    assert built.business_seconds_on(date(2027, 3, 9)) == 0  # Eid al-Fitr, a Tuesday
    assert built.business_seconds_on(date(2027, 3, 14)) == 8 * 3600  # the Sunday after
    eid = Holiday.objects.get(seed_key="eid_al_fitr:1448")
    assert eid.estimated and eid.calendar is None
    assert (eid.hijri_year, eid.hijri_month, eid.hijri_day) == (1448, 10, 1)


@pytest.mark.django_db
def test_seeding_updates_an_estimate_but_never_what_an_admin_confirmed() -> None:
    holidays_seed_year(2027)
    Holiday.objects.filter(seed_key="eid_al_adha:1448").update(
        first_day=date(2027, 5, 1), last_day=date(2027, 5, 2)
    )
    fitr = Holiday.objects.get(seed_key="eid_al_fitr:1448")
    # The admin confirms the announced break, which is longer.
    holiday_confirm(holiday=fitr, first_day=date(2027, 3, 8), last_day=date(2027, 3, 12))
    result = holidays_seed_year(2027)
    assert [h.seed_key for h in result.updated] == ["eid_al_adha:1448"]
    assert [h.seed_key for h in result.reviewed_kept] == ["eid_al_fitr:1448"]
    adha = Holiday.objects.get(seed_key="eid_al_adha:1448")
    assert (adha.first_day, adha.last_day) == (date(2027, 5, 16), date(2027, 5, 19))
    fitr.refresh_from_db()
    assert (fitr.first_day, fitr.last_day, fitr.estimated) == (date(2027, 3, 8), date(2027, 3, 12), False)


@pytest.mark.django_db
def test_the_seed_holidays_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_holidays", "--year", "2027", "--year", "2028")
    out = capsys.readouterr().out
    assert "2027: 4 created" in out and "2028: 4 created" in out
    assert "2027-03-09 … 2027-03-11  Eid al-Fitr 1448 AH (estimated)" in out
    call_command("seed_holidays", "--year", "2027")
    assert "2027: 0 created, 0 updated, 4 unchanged" in capsys.readouterr().out
