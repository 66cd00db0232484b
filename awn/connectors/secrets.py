"""Inbox credentials at rest: a Fernet token (AES + HMAC) of a JSON object, never shown back in the UI.

The key comes from AWN_SECRETS_KEY (a Fernet key) or, in the embedded default, is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = os.environ.get("AWN_SECRETS_KEY", "")
    if not key:
        digest = hashlib.sha256(("awn-inbox-secrets:" + settings.SECRET_KEY).encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode())


def encrypt_secrets(values: dict[str, str]) -> str:
    clean = {k: v for k, v in values.items() if v}
    if not clean:
        return ""
    return _fernet().encrypt(json.dumps(clean).encode()).decode()


def decrypt_secrets(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()}
