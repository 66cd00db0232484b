"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), with the standard library only.

Authenticator apps use SHA-1, 6 digits and 30-second steps: the defaults here. Tests check the RFC's published
test vectors (appendix B), in SHA-1, SHA-256 and SHA-512.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended length), in base32 without padding as apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    cleaned = secret_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return str(code).zfill(digits)


def step_at(unix_time: float, step: int = STEP_SECONDS) -> int:
    return int(unix_time // step)


def totp(secret_b32: str, unix_time: float | None = None) -> str:
    now = time.time() if unix_time is None else unix_time
    return hotp(_key(secret_b32), step_at(now))


def matching_step(
    secret_b32: str, code: str, *, unix_time: float | None = None, window: int = 1
) -> int | None:
    """The time step whose code `code` is, within ±`window` steps of now (clock drift); None if none is."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret_b32)
    now = step_at(time.time() if unix_time is None else unix_time)
    found = None
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret_b32: str, *, account: str, issuer: str = "Awn") -> str:
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
