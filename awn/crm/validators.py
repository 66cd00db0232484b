"""Identity validators for contacts: national id, E.164 phone, email. Errors are bilingual via gettext."""

from __future__ import annotations

import phonenumbers
from django.core.validators import validate_email as django_validate_email
from django.utils.translation import gettext_lazy as _

from awn.core.errors import ValidationError
from awn.core.text.arabic import normalize_digits


def national_id_checksum_ok(digits: str) -> bool:
    """Saudi national/iqama ids: 10 digits, first 1 (citizen) or 2 (resident), Luhn-style checksum."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    if digits[0] not in ("1", "2"):
        return False
    total = 0
    for index, char in enumerate(digits):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            # A doubled digit is even, never 9: `>= 9` would be the same rule.
            value = value - 9 if value > 9 else value  # pragma: no mutate
        total += value  # pragma: no mutate (-total is a multiple of 10 exactly when total is)
    return total % 10 == 0


def national_id_from_seed(seed: int, first_digit: str = "1") -> str:
    """A checksum-valid national id built from a seed (demo data, tests and benchmarks)."""
    body = f"{first_digit}{seed:08d}"
    for check in range(10):  # pragma: no mutate (one of 0–9 always fits, so 11 tries change nothing)
        candidate = f"{body}{check}"
        if national_id_checksum_ok(candidate):
            return candidate
    raise AssertionError("unreachable: one check digit always fits")  # pragma: no mutate


def clean_national_id(value: str) -> str:
    digits = normalize_digits(value or "").strip().replace(" ", "")
    if not digits:
        return ""
    if len(digits) != 10 or not digits.isdigit():
        raise ValidationError(_("The national id must be exactly 10 digits."), field="national_id")
    if not national_id_checksum_ok(digits):
        raise ValidationError(_("The national id is not valid (check digit mismatch)."), field="national_id")
    return digits


def clean_phone(value: str, region: str = "SA") -> str:
    raw = normalize_digits(value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("The phone number is not valid."), field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("The phone number is not valid."), field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(value: str) -> str:
    email = (value or "").strip().lower()
    if not email:
        return ""
    try:
        django_validate_email(email)
    except Exception as exc:
        raise ValidationError(_("The email address is not valid."), field="email") from exc
    return email


def mask_national_id(value: str) -> str:
    return f"{value[:2]}******{value[-2:]}" if len(value) == 10 else value


def mask_phone(value: str) -> str:
    return f"{value[:4]}*****{value[-3:]}" if len(value) > 7 else value
