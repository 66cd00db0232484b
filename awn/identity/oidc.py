"""OpenID Connect with the education system's identity provider: authorization code + PKCE (S256), state and
nonce, the ID token's signature checked against the provider's JWKS (cached; fetched again once for a key id it
does not know: key rotation) and its iss, aud, exp, iat and nonce checked — by Authlib and joserfc, not by hand.

The provider is found by discovery (AWN_OIDC_ISSUER + /.well-known/openid-configuration, cached an hour).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from awn.core.errors import DomainError, lazy_format

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
HTTP_TIMEOUT = 5
LEEWAY_SECONDS = 60
ALGORITHMS = ["RS256", "PS256", "ES256"]


class OidcRefused(DomainError):
    code = "oidc_refused"
    default_message = _("The sign-in through the education system did not succeed. Start again.")


STATE_GONE = _("This sign-in link is no longer valid (it was used already or has expired). Start again.")
CODE_REFUSED = _(
    "The education system did not accept this sign-in (its code was used already or has expired). Start again."
)
BAD_SIGNATURE = _(
    "The answer of the education system could not be verified (bad signature). Nothing was saved."
)
BAD_CLAIM = _(
    "The answer of the education system is not meant for Awn or is out of date (%(claim)s). Nothing was saved."
)
UNREACHABLE = _("The education system cannot be reached just now. Try again in a few minutes.")


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str


@dataclass(frozen=True)
class PendingAuthorization:
    """What the browser's session keeps between the redirect to the provider and its return."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str


@dataclass(frozen=True)
class Authorization:
    url: str
    pending: PendingAuthorization


def oidc_config() -> OidcConfig | None:
    """The provider from the environment; None (the button is hidden, the routes answer 404) when unset."""
    issuer, client_id, secret = (
        settings.AWN_OIDC_ISSUER,
        settings.AWN_OIDC_CLIENT_ID,
        settings.AWN_OIDC_CLIENT_SECRET,
    )
    if not (issuer and client_id and secret):
        return None
    return OidcConfig(issuer.rstrip("/"), client_id, secret, settings.AWN_OIDC_SCOPES)


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("OpenID provider unreachable at %s: %s", url, error)
        raise OidcRefused(UNREACHABLE) from error
    if not isinstance(data, dict):
        raise OidcRefused(UNREACHABLE)
    return data


def provider_metadata(config: OidcConfig) -> dict[str, Any]:
    key = f"awn:oidc:meta:{config.issuer}"
    metadata: dict[str, Any] | None = cache.get(key)
    if metadata is None:
        metadata = _get_json(f"{config.issuer}/.well-known/openid-configuration")
        if metadata.get("issuer") != config.issuer:
            logger.warning("OpenID discovery names issuer %r, not %r", metadata.get("issuer"), config.issuer)
            raise OidcRefused(UNREACHABLE)
        cache.set(key, metadata, CACHE_SECONDS)
    return metadata


def provider_keys(config: OidcConfig, *, refresh: bool = False) -> KeySet:
    key = f"awn:oidc:jwks:{config.issuer}"
    jwks: dict[str, Any] | None = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(provider_metadata(config)["jwks_uri"])
        cache.set(key, jwks, CACHE_SECONDS)
    return KeySet.import_key_set(jwks)  # type: ignore[arg-type]


def _session(config: OidcConfig, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method's name, not a secret
    )


def authorization_start(config: OidcConfig, redirect_uri: str) -> Authorization:
    """The provider's authorization URL, with a fresh state, nonce and PKCE verifier (S256)."""
    pending = PendingAuthorization(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=generate_token(64),
        redirect_uri=redirect_uri,
    )
    url, _state = _session(config, redirect_uri).create_authorization_url(
        provider_metadata(config)["authorization_endpoint"],
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
    )
    return Authorization(url=url, pending=pending)


def authorization_finish(
    config: OidcConfig, pending: PendingAuthorization | None, *, state: str, code: str
) -> dict[str, Any]:
    """The checked claims of the ID token got for `code`. `pending` is what the session kept (None when it
    kept nothing: replayed or unknown state). Raises OidcRefused with what went wrong."""
    if pending is None or not state or not hmac.compare_digest(state, pending.state):
        raise OidcRefused(STATE_GONE)
    if not code:
        raise OidcRefused(CODE_REFUSED)
    try:
        token = _session(config, pending.redirect_uri).fetch_token(
            provider_metadata(config)["token_endpoint"],
            code=code,
            code_verifier=pending.code_verifier,
            timeout=HTTP_TIMEOUT,
        )
    except OAuthError as error:
        logger.info("OpenID token request refused: %s", error)
        raise OidcRefused(CODE_REFUSED) from error
    except requests.RequestException as error:
        raise OidcRefused(UNREACHABLE) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcRefused(CODE_REFUSED)
    return id_token_claims(config, id_token, nonce=pending.nonce, access_token=token.get("access_token"))


def _decode(config: OidcConfig, id_token: str) -> jwt.Token:
    try:
        return jwt.decode(id_token, provider_keys(config), algorithms=ALGORITHMS)
    except InvalidKeyIdError:
        return jwt.decode(id_token, provider_keys(config, refresh=True), algorithms=ALGORITHMS)


def id_token_claims(
    config: OidcConfig, id_token: str, *, nonce: str, access_token: str | None = None
) -> dict[str, Any]:
    """Verify an ID token: signature (the provider's JWKS), then iss, aud, azp, exp, iat, nonce, at_hash."""
    if not nonce:
        raise OidcRefused(lazy_format(BAD_CLAIM, claim="nonce"))
    try:
        token = _decode(config, id_token)
    except BadSignatureError as error:
        raise OidcRefused(BAD_SIGNATURE) from error
    except (JoseError, ValueError) as error:
        logger.info("ID token refused: %s", error)
        raise OidcRefused(BAD_SIGNATURE) from error
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": config.issuer},
            "aud": {"essential": True, "value": config.client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True},
        },
        {"nonce": nonce, "client_id": config.client_id, "access_token": access_token},
    )
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError as error:
        raise OidcRefused(lazy_format(BAD_CLAIM, claim="exp")) from error
    except (ClaimError, MissingClaimError) as error:
        raise OidcRefused(lazy_format(BAD_CLAIM, claim=getattr(error, "claim", "?"))) from error
    return dict(claims)
