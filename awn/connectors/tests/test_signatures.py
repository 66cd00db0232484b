"""Webhook signature checks against published reference values (not values computed by the code under test)."""

from __future__ import annotations

import pytest

from awn.connectors.signatures import hmac_sha256_valid, shared_token_valid

# RFC 4231, test case 2: HMAC-SHA256(key="Jefe", data="what do ya want for nothing?")
RFC4231_KEY = "Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_MAC = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
# GitHub's webhook documentation: secret "It's a Secret to Everybody", payload "Hello, World!"
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
# HMAC-SHA256 with an empty key over an empty message (a widely published value)
EMPTY_KEY_EMPTY_BODY_MAC = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"


def test_reference_signature_is_accepted() -> None:
    assert hmac_sha256_valid(RFC4231_KEY, RFC4231_DATA, RFC4231_MAC)


def test_prefixed_reference_signature_is_accepted() -> None:
    assert hmac_sha256_valid(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE, prefix="sha256=")


def test_signature_without_its_prefix_is_refused() -> None:
    bare = GITHUB_SIGNATURE.removeprefix("sha256=")
    assert not hmac_sha256_valid(GITHUB_SECRET, GITHUB_BODY, bare, prefix="sha256=")
    assert not hmac_sha256_valid(GITHUB_SECRET, GITHUB_BODY, "sha1=" + bare, prefix="sha256=")


def test_prefix_is_not_part_of_the_mac() -> None:
    assert not hmac_sha256_valid(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE)


def test_empty_secret_refuses_a_post_signed_with_the_empty_key() -> None:
    assert not hmac_sha256_valid("", b"", EMPTY_KEY_EMPTY_BODY_MAC)
    assert not hmac_sha256_valid("", b"", "sha256=" + EMPTY_KEY_EMPTY_BODY_MAC, prefix="sha256=")


@pytest.mark.parametrize(
    "signature",
    [
        RFC4231_MAC[:-1] + ("4" if RFC4231_MAC[-1] != "4" else "5"),  # one digit changed
        RFC4231_MAC[:-1],  # truncated
        RFC4231_MAC + "0",  # one digit more
        RFC4231_MAC.upper(),  # providers send lower-case hex
        "",
    ],
)
def test_altered_signature_is_refused(signature: str) -> None:
    assert not hmac_sha256_valid(RFC4231_KEY, RFC4231_DATA, signature)


def test_other_body_or_secret_is_refused() -> None:
    assert not hmac_sha256_valid(RFC4231_KEY, RFC4231_DATA + b" ", RFC4231_MAC)
    assert not hmac_sha256_valid("jefe", RFC4231_DATA, RFC4231_MAC)


def test_shared_token_must_match_exactly() -> None:
    assert shared_token_valid("s3cret-token", "s3cret-token")
    assert not shared_token_valid("s3cret-token", "s3cret-toke")
    assert not shared_token_valid("s3cret-token", "s3cret-token ")
    assert not shared_token_valid("s3cret-token", "")


def test_unset_shared_token_refuses_everything() -> None:
    assert not shared_token_valid("", "")
    assert not shared_token_valid("", "anything")
