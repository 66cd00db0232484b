"""One formatting layer (issue 13, defect 8): reference strings written by hand, in Arabic and English."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from awn.core.formatting import duration, hijri, number, percent


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.67, 2, "0.67"),
        (1234.5, 1, "1,234.5"),
        (1234567, 0, "1,234,567"),
        (None, 0, "—"),
        (float("nan"), 1, "—"),
    ],
)
def test_numbers_use_a_point_and_commas_in_every_language(value: float, decimals: int, text: str) -> None:
    for language in ("ar", "en"):
        with translation.override(language):
            assert number(value, decimals) == text


def test_percentages_of_a_share() -> None:
    assert percent(0.6667) == "67%"
    assert percent(0.6667, 1) == "66.7%"
    assert percent(0) == "0%" and percent(1) == "100%"
    assert percent(None) == "—"  # no data is not 0%


@pytest.mark.parametrize(
    ("seconds", "arabic", "english"),
    [
        (0, "0 ثانية", "0 seconds"),
        (45, "45 ثانية", "45 seconds"),
        (60, "دقيقة واحدة", "1 minute"),
        (120, "دقيقتان", "2 minutes"),
        (600, "10 دقائق", "10 minutes"),
        (3700, "ساعة واحدة ودقيقة واحدة", "1 hour 1 minute"),
        (2 * 86400 + 5 * 3600 + 120, "يومان و5 ساعات", "2 days 5 hours"),
        (-5, "0 ثانية", "0 seconds"),  # never negative
    ],
)
def test_durations_in_words_with_plural_forms(seconds: int, arabic: str, english: str) -> None:
    with translation.override("ar"):
        assert duration(seconds) == arabic
    with translation.override("en"):
        assert duration(seconds) == english


def test_hijri_dates_in_one_format() -> None:
    # 9 March 2027 is 1 Shawwal 1448 in the Umm al-Qura calendar (Eid al-Fitr, see awn/sla/tests/test_holiday_seed).
    with translation.override("ar"):
        assert hijri(date(2027, 3, 9)) == "1 شوال 1448هـ"
        # A datetime is converted in Riyadh time: 22:30 UTC on 8 March is already 9 March in Riyadh.
        assert hijri(datetime(2027, 3, 8, 22, 30, tzinfo=ZoneInfo("UTC"))) == "1 شوال 1448هـ"
    with translation.override("en"):
        assert hijri(date(2027, 3, 9)) == "1 Shawwal 1448 AH"
    assert hijri(None) == "" and hijri(date(1, 1, 1)) == ""


def test_templates_print_decimals_with_a_point_in_arabic_and_dates_with_the_hijri_beside() -> None:
    template = Template("{% load awn_format %}{{ x|floatformat:2 }}|{{ share|percent }}|{% when moment %}")
    with translation.override("ar"):
        out = template.render(
            Context(
                {
                    "x": 0.6667,
                    "share": 0.5,
                    "moment": datetime(2027, 3, 9, 9, 0, tzinfo=ZoneInfo("Asia/Riyadh")),
                }
            )
        )
    decimals, share, when = out.split("|")
    assert decimals == "0.67" and share == "50%"
    assert "2027-03-09 09:00" in when and "1 شوال 1448هـ" in when and "title=" not in when
