"""Staff passkeys (WebAuthn): registered on the security page, used at the second step of signing in.

The browser's side is played by a small software authenticator (P-256, attestation "none") that builds the
clientDataJSON, authenticator data and signatures exactly as a browser and an authenticator do, so the real
py_webauthn checks run. Refused: a wrong or unknown challenge, a wrong origin or RP id, a replayed challenge, an
expired one, another person's credential, a signature counter that does not move on, a bad signature."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from datetime import timedelta
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone, translation
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from awn.accounts import mfa, passkeys, totp
from awn.accounts.enums import AdminAction
from awn.accounts.models import AdminAuditEntry, Passkey, TotpDevice, User, WebAuthnChallenge
from awn.accounts.services import two_factor_reset
from awn.accounts.session_keys import MFA_AT
from conftest import PASSWORD

ORIGIN = "https://awn.example.sa"
RP_ID = "awn.example.sa"


class SoftAuthenticator:
    """One credential on a software authenticator, answering as navigator.credentials would (JSON form)."""

    def __init__(self, *, rp_id: str = RP_ID, origin: str = ORIGIN) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.rp_id = rp_id
        self.origin = origin
        self.count = 0

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        ).encode()

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.count) + attested

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        attested = (
            b"\x00" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        )
        auth_data = self._auth_data(0x45, attested)  # UP, UV, AT
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(self, options: dict[str, Any], *, count_step: int = 1) -> dict[str, Any]:
        self.count += count_step
        auth_data = self._auth_data(0x05)  # UP, UV
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }


@pytest.fixture(autouse=True)
def _relying_party(settings: Any) -> None:
    settings.AWN_PUBLIC_URL = ORIGIN
    settings.AWN_STAFF_2FA = True


def _registered(user: User, authenticator: SoftAuthenticator, name: str = "laptop") -> Passkey:
    options = passkeys.registration_options(user)
    return passkeys.register(user=user, name=name, credential=authenticator.create(options))


def _with_totp(user: User) -> str:
    secret = totp.new_secret()
    TotpDevice.objects.create(user=user, secret=mfa.seal(secret), confirmed_at=timezone.now())
    return secret


def _pending_client(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    return client


def _post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


# --- the service --------------------------------------------------------------------------------------------


def test_the_relying_party_comes_from_the_public_url(settings):
    settings.AWN_PUBLIC_URL = "https://help.moe.example:8443"
    assert passkeys.relying_party() == ("help.moe.example", "https://help.moe.example:8443")


def test_a_passkey_registers_signs_in_and_its_counter_moves_on(world):
    authenticator = SoftAuthenticator()
    passkey = _registered(world.agent, authenticator)
    assert passkey.name == "laptop" and passkey.credential_id == authenticator.id
    assert passkey.transports == ["internal"]
    options = passkeys.authentication_options(world.agent)
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    assert options["rpId"] == RP_ID
    used = passkeys.authenticate(user=world.agent, credential=authenticator.get(options))
    assert used.pk == passkey.pk and used.sign_count == 1 and used.last_used_at is not None
    actions = list(AdminAuditEntry.objects.filter(target_id=world.agent.pk).values_list("action", flat=True))
    assert AdminAction.PASSKEY_ADDED in actions and AdminAction.PASSKEY_SIGN_IN in actions
    assert WebAuthnChallenge.objects.count() == 0  # both challenges used up


def _refused_with(user: User, credential: dict[str, Any]) -> str:
    with pytest.raises(passkeys.PasskeyRefused) as caught:
        passkeys.authenticate(user=user, credential=credential)
    return english(caught.value)


def english(error: Exception) -> str:
    with translation.override("en"):
        return str(getattr(error, "message", error))


def test_a_wrong_challenge_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    passkeys.authentication_options(world.agent)
    forged = {"challenge": bytes_to_base64url(os.urandom(32))}
    assert "expired or was already used" in _refused_with(world.agent, authenticator.get(forged))
    assert Passkey.objects.get().sign_count == 0


def test_a_wrong_origin_is_refused_and_burns_the_challenge(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    options = passkeys.authentication_options(world.agent)
    authenticator.origin = "https://awn.example.sa.evil.example"
    assert "could not be checked" in _refused_with(world.agent, authenticator.get(options))
    authenticator.origin = ORIGIN
    # The challenge was used by the wrong answer: the right one cannot come after it.
    assert "expired or was already used" in _refused_with(world.agent, authenticator.get(options))
    refusal = AdminAuditEntry.objects.filter(action=AdminAction.PASSKEY_REFUSED).first()
    assert refusal is not None and "origin" in refusal.details["reason"].lower()


def test_a_wrong_rp_id_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    options = passkeys.authentication_options(world.agent)
    authenticator.rp_id = "evil.example"
    assert "could not be checked" in _refused_with(world.agent, authenticator.get(options))


def test_a_replayed_answer_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    options = passkeys.authentication_options(world.agent)
    answer = authenticator.get(options)
    passkeys.authenticate(user=world.agent, credential=answer)
    assert "expired or was already used" in _refused_with(world.agent, answer)


def test_an_expired_challenge_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    options = passkeys.authentication_options(world.agent)
    WebAuthnChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired or was already used" in _refused_with(world.agent, authenticator.get(options))


def test_another_persons_passkey_is_refused(world):
    theirs = SoftAuthenticator()
    _registered(world.supervisor, theirs)
    _registered(world.agent, SoftAuthenticator())
    options = passkeys.authentication_options(world.agent)
    assert "not registered for your account" in _refused_with(world.agent, theirs.get(options))
    assert Passkey.objects.get(user=world.supervisor).sign_count == 0


def test_another_users_challenge_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    _registered(world.supervisor, SoftAuthenticator())
    their_options = passkeys.authentication_options(world.supervisor)
    assert "expired or was already used" in _refused_with(world.agent, authenticator.get(their_options))


def test_a_counter_that_does_not_move_on_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    passkeys.authenticate(
        user=world.agent,
        credential=authenticator.get(passkeys.authentication_options(world.agent), count_step=5),
    )
    authenticator.count = 2  # a clone of the key, behind the real one
    answer = authenticator.get(passkeys.authentication_options(world.agent))
    assert "could not be checked" in _refused_with(world.agent, answer)
    assert Passkey.objects.get().sign_count == 5


def test_a_bad_signature_is_refused(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    answer = authenticator.get(passkeys.authentication_options(world.agent))
    answer["response"]["signature"] = bytes_to_base64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")
    assert "could not be checked" in _refused_with(world.agent, answer)


def test_a_registration_with_a_wrong_origin_or_a_reused_challenge_saves_nothing(world):
    authenticator = SoftAuthenticator(origin="https://elsewhere.example")
    options = passkeys.registration_options(world.agent)
    with pytest.raises(passkeys.PasskeyRefused):
        passkeys.register(user=world.agent, name="x", credential=authenticator.create(options))
    authenticator.origin = ORIGIN
    with pytest.raises(passkeys.PasskeyRefused):
        passkeys.register(user=world.agent, name="x", credential=authenticator.create(options))
    assert not Passkey.objects.exists()


def test_the_same_credential_cannot_be_registered_twice(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    options = passkeys.registration_options(world.agent)
    assert [c["id"] for c in options["excludeCredentials"]] == [authenticator.id]
    theirs = passkeys.registration_options(world.supervisor)
    with pytest.raises(passkeys.ValidationError) as caught:
        passkeys.register(user=world.supervisor, name="y", credential=authenticator.create(theirs))
    assert "already registered" in english(caught.value)


def test_a_name_is_required(world):
    options = passkeys.registration_options(world.agent)
    with pytest.raises(passkeys.ValidationError) as caught:
        passkeys.register(user=world.agent, name="  ", credential=SoftAuthenticator().create(options))
    assert "name" in english(caught.value) and caught.value.field == "name"


def test_a_two_step_reset_removes_the_passkeys(world):
    _registered(world.agent, SoftAuthenticator())
    two_factor_reset(actor=world.admin, user=world.agent)
    assert not Passkey.objects.exists()


# --- the pages ----------------------------------------------------------------------------------------------


def test_the_second_step_with_a_passkey_signs_in(world):
    authenticator = SoftAuthenticator()
    _with_totp(world.agent)
    _registered(world.agent, authenticator)
    client = _pending_client("agent")
    page = client.get("/accounts/2fa/")
    assert b'data-testid="passkey-sign-in"' in page.content and b"accounts/passkeys.js" in page.content
    options = client.post("/accounts/2fa/passkey/options/").json()
    response = _post_json(client, "/accounts/2fa/passkey/", {"credential": authenticator.get(options)})
    assert response.status_code == 200 and response.json() == {"redirect": "/"}
    assert client.session.get(MFA_AT)
    assert client.get("/workspace/").status_code == 200


def test_the_second_step_refuses_a_wrong_passkey_and_stays_signed_out(world):
    authenticator = SoftAuthenticator()
    _with_totp(world.agent)
    _registered(world.agent, authenticator)
    client = _pending_client("agent")
    options = client.post("/accounts/2fa/passkey/options/").json()
    authenticator.origin = "https://phish.example"
    response = _post_json(client, "/accounts/2fa/passkey/", {"credential": authenticator.get(options)})
    assert response.status_code == 400 and response.json()["error"]
    assert client.get("/workspace/").status_code == 302


def test_the_passkey_step_needs_a_pending_sign_in(world):
    client = Client()
    assert client.post("/accounts/2fa/passkey/options/").status_code == 403
    response = _post_json(client, "/accounts/2fa/passkey/", {"credential": {}})
    assert response.status_code == 403 and response.json()["redirect"] == "/accounts/login/"


def test_without_a_passkey_the_step_offers_only_the_code(world):
    _with_totp(world.agent)
    client = _pending_client("agent")
    assert b"passkey-sign-in" not in client.get("/accounts/2fa/").content
    assert client.post("/accounts/2fa/passkey/options/").status_code == 400


def _staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_AT] = 1.0
    session.save()
    return client


def test_the_security_page_adds_lists_and_removes_passkeys(world, settings):
    settings.AWN_STAFF_2FA = False
    client = Client()
    client.force_login(world.agent)
    page = client.get("/accounts/security/")
    assert page.status_code == 200 and b'data-testid="no-passkeys"' in page.content
    assert b"<script>" not in page.content  # the page's script is a static file (CSP)
    authenticator = SoftAuthenticator()
    options = client.post("/accounts/security/passkeys/options/").json()
    assert options["rp"]["id"] == RP_ID and options["user"]["name"] == "agent"
    response = _post_json(
        client,
        "/accounts/security/passkeys/",
        {"name": "حاسوب العمل", "credential": authenticator.create(options)},
    )
    assert response.status_code == 201
    passkey = Passkey.objects.get(user=world.agent)
    assert "حاسوب العمل" in client.get("/accounts/security/").content.decode()
    assert client.post(f"/accounts/security/passkeys/{passkey.pk}/delete/").status_code == 302
    assert not Passkey.objects.exists()
    assert AdminAuditEntry.objects.filter(
        action=AdminAction.PASSKEY_REMOVED, target_id=world.agent.pk
    ).exists()


def test_anothers_passkey_cannot_be_removed(world, settings):
    settings.AWN_STAFF_2FA = False
    theirs = _registered(world.supervisor, SoftAuthenticator())
    client = Client()
    client.force_login(world.agent)
    assert client.post(f"/accounts/security/passkeys/{theirs.pk}/delete/").status_code == 404
    assert Passkey.objects.filter(pk=theirs.pk).exists()


def test_a_refused_registration_answers_a_clear_error(world, settings):
    settings.AWN_STAFF_2FA = False
    client = Client()
    client.force_login(world.agent)
    options = client.post("/accounts/security/passkeys/options/").json()
    answer = SoftAuthenticator(origin="http://127.0.0.1:9").create(options)
    response = _post_json(client, "/accounts/security/passkeys/", {"name": "x", "credential": answer})
    assert response.status_code == 400 and response.json()["field"] == "credential"
    assert _post_json(client, "/accounts/security/passkeys/", {"name": "x"}).status_code == 400
    assert (
        client.post("/accounts/security/passkeys/", data=b"[", content_type="application/json").status_code
        == 400
    )
    assert not Passkey.objects.exists()


def test_customers_do_not_get_the_security_page(world):
    client = Client()
    client.force_login(world.parent_user)
    assert client.get("/accounts/security/").status_code == 404
    assert client.post("/accounts/security/passkeys/options/").status_code == 404


def test_a_staff_session_past_the_second_step_uses_the_page(world):
    client = _staff_client(world.agent)
    assert client.get("/accounts/security/").status_code == 200
    assert base64url_to_bytes(client.post("/accounts/security/passkeys/options/").json()["challenge"])


def test_the_passkey_step_shares_the_code_throttle(world):
    authenticator = SoftAuthenticator()
    _registered(world.agent, authenticator)
    for _ in range(mfa.ATTEMPTS):
        options = passkeys.authentication_options(world.agent)
        authenticator.origin = "https://phish.example"
        _refused_with(world.agent, authenticator.get(options))
    authenticator.origin = ORIGIN
    options = passkeys.authentication_options(world.agent)
    with pytest.raises(passkeys.ValidationError) as caught:
        passkeys.authenticate(user=world.agent, credential=authenticator.get(options))
    assert "Too many" in english(caught.value)
    assert Passkey.objects.get().last_used_at is None
