"""One-time codes: 6 random digits, kept as an HMAC-SHA256 keyed with the site's secret.

A keyed hash, not PBKDF2: a 6-digit code cannot be protected by a slow hash anyway (a million guesses), so its
safety is the secret key, the 10-minute life, the attempt limit and the rate limits; the hash only keeps the
database from holding usable codes, and costs microseconds (bench: sign-ins per second).
"""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

from awn.core.text.arabic import normalize_digits

CODE_DIGITS = 6
KEY_SALT = "awn.identity.one-time-code"


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(address: str, code: str) -> str:
    return salted_hmac(KEY_SALT, f"{address}\x00{code}", algorithm="sha256").hexdigest()


def normalize_code(raw: str) -> str:
    """The digits typed, Arabic-Indic ones included, spaces and dashes dropped."""
    return "".join(ch for ch in normalize_digits(raw or "") if ch.isdigit())[: CODE_DIGITS * 2]
