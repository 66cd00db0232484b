"""RFC 6238 appendix B: the published test vectors (8 digits), for SHA-1, SHA-256 and SHA-512."""

from __future__ import annotations

import pytest

from awn.accounts import totp

SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("unix_time", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_vectors(unix_time, sha1, sha256, sha512):
    for digest, want in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        assert totp.hotp(SEEDS[digest], totp.step_at(unix_time), digits=8, digest=digest) == want


def test_rfc4226_hotp_vectors():
    # RFC 4226 appendix D: secret "12345678901234567890", counters 0-9.
    want = [
        "755224",
        "287082",
        "359152",
        "969429",
        "338314",
        "254676",
        "287922",
        "162583",
        "399871",
        "520489",
    ]
    assert [totp.hotp(SEEDS["sha1"], c) for c in range(10)] == want


def test_matching_step_allows_one_step_of_drift_and_refuses_junk():
    import base64

    secret = base64.b32encode(SEEDS["sha1"]).decode()
    code = totp.totp(secret, 1111111109)
    assert code == "081804"
    step = totp.step_at(1111111109)
    assert totp.matching_step(secret, code, unix_time=1111111109) == step
    assert totp.matching_step(secret, code, unix_time=1111111109 + 30) == step
    assert totp.matching_step(secret, code, unix_time=1111111109 + 90) is None
    for junk in ("", "12345", "abcdef", "1234567", None):
        assert totp.matching_step(secret, junk, unix_time=1111111109) is None  # type: ignore[arg-type]


def test_new_secrets_are_random_base32_and_the_uri_names_the_account():
    a, b = totp.new_secret(), totp.new_secret()
    assert a != b and len(a) == 32
    uri = totp.provisioning_uri(a, account="hind@example.sa")
    assert uri.startswith("otpauth://totp/Awn%3Ahind%40example.sa?secret=" + a)
    assert "issuer=Awn" in uri
