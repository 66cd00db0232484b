"""Identity validators: national id checksum, E.164 phones, emails, and masking."""

from __future__ import annotations

import pytest

from awn.core.errors import ValidationError
from awn.crm.validators import (
    clean_email,
    clean_national_id,
    clean_phone,
    mask_national_id,
    mask_phone,
    national_id_checksum_ok,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1000000008", "1000000008"),
        ("١٠٠٠٠٠٠٠٠٨", "1000000008"),  # Arabic-Indic digits
        ("۱۰۰۰۰۰۰۰۰۸", "1000000008"),  # Eastern Arabic-Indic (Persian) digits
        (" 1000 000 008 ", "1000000008"),
        ("2000000006", "2000000006"),  # resident (iqama)
        ("", ""),
    ],
)
def test_national_id_accepted(raw, clean):
    assert clean_national_id(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "1000000001",  # bad check digit
        "١٠٠٠٠٠٠٠٠١",  # bad check digit, Arabic-Indic
        "100000000",  # 9 digits
        "10000000080",  # 11 digits
        "3000000004",  # must start with 1 or 2
        "10000000a8",
    ],
)
def test_national_id_refused(raw):
    with pytest.raises(ValidationError) as info:
        clean_national_id(raw)
    assert info.value.field == "national_id"


def test_checksum_function():
    assert national_id_checksum_ok("1000000008")
    assert not national_id_checksum_ok("1000000009")
    assert not national_id_checksum_ok("abc")


@pytest.mark.parametrize(
    "raw", ["0501234567", "٠٥٠١٢٣٤٥٦٧", "+966501234567", "966501234567", "+966 50 123 4567", "050-123-4567"]
)
def test_phone_normalized_to_e164(raw):
    assert clean_phone(raw) == "+966501234567"


@pytest.mark.parametrize("raw", ["12345", "abc", "05012", "+9665", "0000000000"])
def test_invalid_phone_refused(raw):
    with pytest.raises(ValidationError) as info:
        clean_phone(raw)
    assert info.value.field == "phone"


def test_email():
    assert clean_email("  Parent@Example.SA ") == "parent@example.sa"
    assert clean_email("") == ""
    for bad in ("not-an-email", "a@", "@b.sa", "a b@c.sa"):
        with pytest.raises(ValidationError):
            clean_email(bad)


def test_masks_keep_only_the_ends():
    assert mask_national_id("1000000008") == "10******08"
    assert mask_phone("+966501234567") == "+966*****567"
    assert mask_phone("") == ""


def test_validation_messages_are_bilingual():
    from django.utils import translation

    with pytest.raises(ValidationError) as info:
        clean_phone("12345")
    with translation.override("ar"):
        arabic = str(info.value.message)
    with translation.override("en"):
        english = str(info.value.message)
    assert english == "The phone number is not valid." and arabic != english


def test_masks_leave_values_of_another_shape_alone():
    # Only a 10-digit id is masked: anything else is not an id and showing it hides nothing.
    assert mask_national_id("123456789") == "123456789"
    assert mask_national_id("12345678901") == "12345678901"
    assert mask_national_id("") == ""
    # A phone is masked from 8 characters on (4 shown + 3 shown would leave nothing hidden below that).
    assert mask_phone("1234567") == "1234567"
    assert mask_phone("12345678") == "1234*****678"


# Each refusal says what is wrong, in English and in Arabic, on the field it concerns (the catalogue's words are the
# reference here, not the code's).
REFUSALS = [
    (
        lambda: clean_national_id("123456789"),
        "national_id",
        "The national id must be exactly 10 digits.",
        "يجب أن يتكون رقم الهوية الوطنية من 10 أرقام بالضبط.",
    ),
    (
        lambda: clean_national_id("1000000009"),
        "national_id",
        "The national id is not valid (check digit mismatch).",
        "رقم الهوية الوطنية غير صحيح (رقم التحقق غير مطابق).",
    ),
    (lambda: clean_phone("12ab"), "phone", "The phone number is not valid.", "رقم الهاتف غير صحيح."),
    (lambda: clean_phone("+9661"), "phone", "The phone number is not valid.", "رقم الهاتف غير صحيح."),
    (
        lambda: clean_email("parent@"),
        "email",
        "The email address is not valid.",
        "عنوان البريد الإلكتروني غير صحيح.",
    ),
]


@pytest.mark.parametrize(("call", "field", "english", "arabic"), REFUSALS)
def test_refusals_name_the_field_and_read_right_in_both_languages(call, field, english, arabic):
    from django.utils import translation

    with pytest.raises(ValidationError) as refused:
        call()
    assert refused.value.field == field
    with translation.override("en"):
        assert str(refused.value.message) == english
    with translation.override("ar"):
        assert str(refused.value.message) == arabic


def test_nine_digits_that_would_pass_the_checksum_are_still_not_an_id():
    # 1·2 + 0 … + 4·2 = 10: the weighted sum of these nine digits is a multiple of ten; only the length is wrong.
    assert not national_id_checksum_ok("100000004")
    with pytest.raises(ValidationError) as refused:
        clean_national_id("100000004")
    from django.utils import translation

    with translation.override("en"):
        assert str(refused.value.message) == "The national id must be exactly 10 digits."


def test_blank_phone_and_email_are_empty_not_errors():
    assert clean_phone("") == ""
    assert clean_phone("   ") == ""
    assert clean_email("   ") == ""
