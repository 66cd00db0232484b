"""The two ways a provider proves a webhook is its own, written once for every connector.

A missing secret refuses everything: an inbox whose secret was never set must not accept a post signed with the
empty key (a bug of exactly that shape once survived the whole suite).
"""

from __future__ import annotations

import hashlib
import hmac


def hmac_sha256_valid(secret: str, body: bytes, signature: str, prefix: str = "") -> bool:
    """True when `signature` is `prefix` + the hex HMAC-SHA256 of `body` under `secret` (constant-time)."""
    if not secret or not signature.startswith(prefix):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature[len(prefix) :].encode(), expected.encode())


def shared_token_valid(expected: str, given: str) -> bool:
    """True when the provider echoes the token it was given (Telegram's secret_token, WhatsApp's verify token)."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
