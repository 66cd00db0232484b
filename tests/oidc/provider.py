"""Start the real OpenID Connect provider of tests/oidc/provider.mjs (npm's oidc-provider) on a free port of
127.0.0.1, and act as a person at its sign-in page."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "awn"
CLIENT_SECRET = "awn-test-client-secret-0123456789abcdef"
OTHER_CLIENT_ID = "other-app"
OTHER_CLIENT_SECRET = "other-test-client-secret-0123456789abcd"


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[str]


@contextmanager
def running_provider(
    tmp: Path, accounts: dict[str, dict[str, Any]], redirect_uris: list[str], code_ttl: int = 60
) -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("node and the npm package oidc-provider are needed: run `bin/awn setup` (npm ci)")
    config = {
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris},
            {
                "client_id": OTHER_CLIENT_ID,
                "client_secret": OTHER_CLIENT_SECRET,
                "redirect_uris": redirect_uris,
            },
        ],
        "accounts": accounts,
        "codeTtl": code_ttl,
    }
    config_path = tmp / "oidc-provider.json"
    config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    with (tmp / "oidc-provider.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [node, str(SCRIPT), str(config_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"the OIDC provider did not start: {(tmp / 'oidc-provider.log').read_text()}")
        yield Provider(issuer=json.loads(line)["issuer"], process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_at_provider(authorization_url: str, login: str, redirect_uri: str) -> str:
    """Be the person at the provider: open the authorization URL, type the login, come back. Returns the URL
    the provider sends the browser back to (the redirect URI with code and state)."""
    browser = requests.Session()
    url, method, data = authorization_url, "GET", None
    for _ in range(12):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            location = urljoin(url, response.headers["Location"])
            if location.startswith(redirect_uri):
                return location
            url, method, data = location, "GET", None
            continue
        form = re.search(r'<form method="post" action="([^"]+)"', response.text)
        if response.status_code == 200 and form and "Unknown login" not in response.text:
            url, method, data = urljoin(url, form.group(1)), "POST", {"login": login}
            continue
        raise AssertionError(f"{response.status_code} at {url}: {response.text[:300]}")
    raise AssertionError("too many redirects at the provider")


def token_for(
    provider: Provider, *, client_id: str, client_secret: str, login: str, redirect_uri: str, nonce: str
) -> dict[str, Any]:
    """A real token response for another client (PKCE by hand): what a forged callback could carry."""
    metadata = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10).json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid profile national_id",
        "redirect_uri": redirect_uri,
        "state": "s" * 20,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    back = sign_in_at_provider(
        f"{metadata['authorization_endpoint']}?{urlencode(query)}", login, redirect_uri
    )
    code = re.search(r"[?&]code=([^&]+)", back).group(1)  # type: ignore[union-attr]
    response = requests.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(client_id, client_secret),
        timeout=10,
    )
    response.raise_for_status()
    return dict(response.json())
