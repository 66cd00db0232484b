"""Single sign-on with the education system, against a real certified OpenID Connect provider (npm's
oidc-provider) on 127.0.0.1: authorization code + PKCE, the parent's children from a claim, and forged or
replayed answers refused with a clear message and nothing created."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.requests_client import OAuth2Session
from django.test import Client

from awn.accounts.models import User
from awn.crm.models import Contact, Relation
from awn.crm.services import contact_create
from awn.crm.validators import national_id_from_seed as nid
from awn.identity.models import ExternalLogin

from .provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    Provider,
    running_provider,
    sign_in_at_provider,
    token_for,
)

CALLBACK = "http://testserver/portal/account/oidc/callback/"
ACCOUNTS = {
    "parent-new": {"name": "منيرة السبيعي", "national_id": nid(500), "children": [nid(2)]},
    "known": {"name": "عبدالله الدوسري", "national_id": nid(501)},
    "named-child": {
        "name": "هيفاء",
        "national_id": nid(502),
        "children": [{"national_id": nid(503), "name": "ليان"}],
    },
    "no-id": {"name": "بلا هوية"},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), ACCOUNTS, [CALLBACK]) as running:
        yield running


@pytest.fixture
def sso(settings: Any, provider: Provider) -> Provider:
    settings.AWN_OIDC_ISSUER = provider.issuer
    settings.AWN_OIDC_CLIENT_ID = CLIENT_ID
    settings.AWN_OIDC_CLIENT_SECRET = CLIENT_SECRET
    return provider


def _start(client: Client) -> str:
    response = client.get("/portal/account/oidc/")
    assert response.status_code == 302
    return str(response["Location"])


def _back(client: Client, url: str) -> Any:
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client: Client, login: str) -> Any:
    return _back(client, sign_in_at_provider(_start(client), login, CALLBACK))


def _rows() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Contact.objects.count(),
        ExternalLogin.objects.count(),
        Relation.objects.count(),
    )


def _refused(response: Any, english: str, before: tuple[int, int, int, int], client: Client) -> None:
    assert response.status_code == 400
    assert english in response.content.decode()
    assert _rows() == before
    assert "_auth_user_id" not in client.session


def _english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_the_button_is_hidden_and_the_routes_closed_when_unset(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "/portal/account/oidc/" not in page
    assert Client().get("/portal/account/oidc/").status_code == 404
    assert Client().get("/portal/account/oidc/callback/?code=x&state=y").status_code == 404


def test_the_authorization_request_carries_pkce_state_and_nonce(sso: Provider, db: None) -> None:
    assert "/portal/account/oidc/" in Client().get("/accounts/login/").content.decode()
    query = parse_qs(urlsplit(_start(Client())).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]


def test_a_parent_signs_in_and_sees_their_childs_tickets(sso: Provider, world: Any) -> None:
    ticket = world.ticket(requester=world.other_parent, about_contact=world.child, subject="نتيجة سارة")
    client = Client()
    response = _sign_in(client, "parent-new")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    parent = Contact.objects.get(national_id=nid(500))
    assert parent.user is not None and parent.user.role == "customer" and parent.name == "منيرة السبيعي"
    link = Relation.objects.get(contact=parent, other_contact=world.child)
    assert link.is_active_link
    assert ticket.reference in client.get("/portal/").content.decode()
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200


def test_the_contact_with_that_national_id_is_linked_not_duplicated(sso: Provider, db: None) -> None:
    known = contact_create(name="عبدالله", national_id=nid(501), phone="0559990000")
    contacts = Contact.objects.count()
    assert _sign_in(Client(), "known").status_code == 302
    known.refresh_from_db()
    assert known.user is not None and Contact.objects.count() == contacts
    # the second time: the same account, through its (issuer, subject)
    assert _sign_in(Client(), "known").status_code == 302
    assert User.objects.filter(role="customer").count() == 1 and ExternalLogin.objects.count() == 1


def test_a_named_child_unknown_to_the_crm_is_created_and_linked(sso: Provider, db: None) -> None:
    assert _sign_in(Client(), "named-child").status_code == 302
    child = Contact.objects.get(national_id=nid(503))
    assert child.name == "ليان" and child.contact_type == "student"
    assert Relation.objects.get(other_contact=child).is_active_link


def test_a_revoked_link_stays_revoked(sso: Provider, world: Any) -> None:
    from awn.crm.services import relation_add, relation_revoke

    parent = contact_create(name="منيرة", national_id=nid(500))
    relation_revoke(relation_add(kind="parent_of", contact=parent, other_contact=world.child))
    assert _sign_in(Client(), "parent-new").status_code == 302
    assert not Relation.objects.get(contact=parent, other_contact=world.child).is_active_link


def _tamper_tokens(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    real = OAuth2Session.fetch_token

    def fetch_token(self: OAuth2Session, *args: Any, **kwargs: Any) -> Any:
        token = real(self, *args, **kwargs)
        token["id_token"] = change(token["id_token"])
        return token

    monkeypatch.setattr(OAuth2Session, "fetch_token", fetch_token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_bad_signature_is_refused(sso: Provider, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The claims changed after signing (another person's national id): the signature no longer matches."""

    def forge(id_token: str) -> str:
        header, payload, signature = id_token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["national_id"] = nid(777)
        return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"

    _tamper_tokens(monkeypatch, forge)
    before, client = _rows(), _english()
    _refused(_sign_in(client, "known"), "bad signature", before, client)


def test_the_refusal_reads_in_arabic(sso: Provider, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _tamper_tokens(
        monkeypatch, lambda token: token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    )
    response = _sign_in(Client(), "known")
    assert response.status_code == 400
    assert "التوقيع" in response.content.decode()  # Arabic by default


def test_a_token_for_another_application_is_refused(
    sso: Provider, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real ID token the provider signed for another client (aud=other-app), with the right nonce."""
    client = _english()
    back = sign_in_at_provider(_start(client), "known", CALLBACK)
    nonce = client.session["awn.identity.oidc"]["nonce"]
    other = token_for(
        sso,
        client_id=OTHER_CLIENT_ID,
        client_secret=OTHER_CLIENT_SECRET,
        login="known",
        redirect_uri=CALLBACK,
        nonce=nonce,
    )
    _tamper_tokens(monkeypatch, lambda token: other["id_token"])
    before = _rows()
    _refused(_back(client, back), "(aud)", before, client)


def test_a_wrong_nonce_is_refused(sso: Provider, db: None) -> None:
    client = _english()
    back = sign_in_at_provider(_start(client), "known", CALLBACK)
    session = client.session
    session["awn.identity.oidc"] = {**session["awn.identity.oidc"], "nonce": "another-login-attempt"}
    session.save()
    before = _rows()
    _refused(_back(client, back), "(nonce)", before, client)


def test_a_replayed_state_is_refused(sso: Provider, db: None) -> None:
    client = _english()
    back = sign_in_at_provider(_start(client), "known", CALLBACK)
    assert _back(client, back).status_code == 302
    before = _rows()
    again = _english()
    _refused(_back(again, back), "no longer valid", before, again)
    # the same browser, the same answer a second time
    response = _back(client, back)
    assert response.status_code == 400 and "no longer valid" in response.content.decode()


def test_a_state_that_is_not_ours_is_refused(sso: Provider, db: None) -> None:
    client = _english()
    back = sign_in_at_provider(_start(client), "known", CALLBACK)
    before = _rows()
    _refused(_back(client, back.replace("state=", "state=x")), "no longer valid", before, client)


def test_no_national_id_claim_creates_nothing(sso: Provider, db: None) -> None:
    client = _english()
    before = _rows()
    _refused(_sign_in(client, "no-id"), "did not send a valid national id", before, client)


def test_the_provider_saying_no_is_a_clear_page(sso: Provider, db: None) -> None:
    client = _english()
    _start(client)
    state = client.session["awn.identity.oidc"]["state"]
    response = client.get(f"/portal/account/oidc/callback/?error=access_denied&state={state}")
    assert response.status_code == 400 and "cancelled" in response.content.decode()


def test_an_expired_code_is_refused(settings: Any, db: None, tmp_path: Path) -> None:
    with running_provider(tmp_path, ACCOUNTS, [CALLBACK], code_ttl=1) as slow:
        settings.AWN_OIDC_ISSUER = slow.issuer
        settings.AWN_OIDC_CLIENT_ID = CLIENT_ID
        settings.AWN_OIDC_CLIENT_SECRET = CLIENT_SECRET
        client = _english()
        back = sign_in_at_provider(_start(client), "known", CALLBACK)
        time.sleep(2.2)
        before = _rows()
        _refused(_back(client, back), "its code was used already or has expired", before, client)


def test_the_provider_keys_are_fetched_once(sso: Provider, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    fetched: list[str] = []
    real_get = requests.get

    def get(url: str, *args: Any, **kwargs: Any) -> Any:
        fetched.append(url)
        return real_get(url, *args, **kwargs)

    monkeypatch.setattr(requests, "get", get)
    for _ in range(3):
        assert _sign_in(Client(), "known").status_code == 302
    assert [u.rsplit("/", 1)[-1] for u in fetched] == ["openid-configuration", "jwks"]
