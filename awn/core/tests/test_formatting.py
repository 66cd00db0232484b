"""One formatting layer (issue 13, defect 8): reference strings written by hand, in Arabic and English."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from awn.core.formatting import (
    DIGITS_COOKIE,
    Digits,
    duration,
    gregorian,
    hijri,
    moment,
    number,
    override_digits,
    percent,
)


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


# --- the reader's digits: Latin (012) or Arabic-Indic (٠١٢), one preference for every figure --------------------


def test_each_digits_preference_reaches_every_figure_of_a_template() -> None:
    template = Template(
        "{% load awn_format %}{{ x|number:2 }}|{{ big|number }}|{{ share|percent:1 }}|{{ wait|duration }}|"
        "{{ day|hijri }}|{% when moment %}"
    )
    context = {
        "x": 0.6667,
        "big": 1234567,
        "share": 0.125,
        "wait": 600,
        "day": date(2027, 3, 9),
        "moment": datetime(2027, 3, 9, 9, 5, tzinfo=ZoneInfo("Asia/Riyadh")),
    }
    with translation.override("ar"):
        default = template.render(Context(context))
        with override_digits(Digits.LATIN):
            latin = template.render(Context(context))
        with override_digits(Digits.ARABIC_INDIC):
            indic = template.render(Context(context))
    assert default == latin  # Latin unless the reader chose otherwise (DESIGN.md)
    number_, big, share, wait, day, when = latin.split("|")
    assert (number_, big, share, wait, day) == ("0.67", "1,234,567", "12.5%", "10 دقائق", "1 شوال 1448هـ")
    assert "2027-03-09 09:05" in when and "1 شوال 1448هـ" in when
    number_, big, share, wait, day, when = indic.split("|")
    # The Arabic decimal separator «٫» and thousands separator «٬»: never a comma that reads as a decimal point.
    assert (number_, big, share, wait, day) == ("٠٫٦٧", "١٬٢٣٤٬٥٦٧", "١٢٫٥٪", "١٠ دقائق", "١ شوال ١٤٤٨هـ")
    assert "٢٠٢٧-٠٣-٠٩ ٠٩:٠٥" in when and "١ شوال ١٤٤٨هـ" in when and "title=" not in when
    assert not any(c in "0123456789" for c in indic.split('datetime="')[0])


def test_the_default_digits_follow_the_language_setting(settings: Any) -> None:
    settings.AWN_DEFAULT_DIGITS = {"ar": Digits.ARABIC_INDIC, "en": Digits.LATIN}
    with translation.override("ar"):
        assert number(0.5, 1) == "٠٫٥"
        with override_digits(Digits.LATIN):  # the reader's choice wins over the language's default
            assert number(0.5, 1) == "0.5"
    with translation.override("en"):
        assert number(0.5, 1) == "0.5"


def test_plain_dates_for_emails_and_exports_carry_the_hijri_date() -> None:
    moment_ = datetime(2027, 3, 9, 6, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Riyadh
    with translation.override("ar"):
        assert moment(moment_) == "2027-03-09 09:00 · 1 شوال 1448هـ"
        assert gregorian(date(2027, 3, 9)) == "2027-03-09"
        with override_digits(Digits.ARABIC_INDIC):
            assert moment(moment_) == "٢٠٢٧-٠٣-٠٩ ٠٩:٠٠ · ١ شوال ١٤٤٨هـ"
    assert moment(None) == "" and gregorian(None) == ""


def test_the_digits_toggle_keeps_the_choice_on_the_user_and_in_a_cookie(world: Any) -> None:
    client = world.client_for(world.agent)
    response = client.post("/i18n/digits/", {"digits": "arabic", "next": "/workspace/"})
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    assert response.cookies[DIGITS_COOKIE].value == "arabic"
    world.agent.refresh_from_db()
    assert world.agent.digits == Digits.ARABIC_INDIC
    # Elsewhere too (another browser, no cookie): the choice is the user's.
    page = world.client_for(world.agent).get("/workspace/").content.decode()
    assert 'data-testid="digits-toggle"' in page and 'value="latin"' in page
    response = client.post("/i18n/digits/", {"digits": "bogus", "next": "https://evil.example/"})
    assert response["Location"] == "/"  # never sent elsewhere
    world.agent.refresh_from_db()
    assert world.agent.digits == ""  # an unknown choice is the language's default


def test_a_portal_visitor_chooses_digits_by_cookie_before_signing_in(db: None) -> None:
    client = Client()
    client.post("/i18n/digits/", {"digits": "arabic", "next": "/portal/kb/"})
    assert client.cookies[DIGITS_COOKIE].value == "arabic"
    page = client.get("/portal/kb/").content.decode()
    assert 'name="digits" value="latin"' in page  # the toggle now offers Latin digits back
