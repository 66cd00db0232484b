"""API tokens from the administration: created with a scope and an expiry, the key shown once, revoked at once;
a read-only token cannot write; an expired one is refused; every change audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from awn.accounts.enums import AdminAction, TokenScope
from awn.accounts.models import AdminAuditEntry, ApiToken
from awn.accounts.services import api_token_create, forget_api_tokens
from awn.core.errors import ValidationError


def _create(client: Client, **data: str):
    form = {"username": "agent", "name": "نظام نور", "scope": TokenScope.READ, "expires": "30", **data}
    return client.post("/workspace/admin/tokens/new/", form)


def test_a_token_is_shown_once_stored_hashed_and_audited(world):
    admin = world.client_for(world.admin)
    response = _create(admin)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = re.search(r'data-testid="token-key">(awn_[^<]+)<', response.content.decode()).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert token.scope == TokenScope.READ and token.user == world.agent and token.created_by == world.admin
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)  # type: ignore[operator]
    listing = admin.get("/workspace/admin/tokens/").content.decode()
    assert key not in listing and f"awn_{token.prefix}" in listing
    entry = AdminAuditEntry.objects.get(action=AdminAction.TOKEN_CREATED)
    assert (
        entry.details["scope"] == "read" and entry.details["user"] == "agent" and entry.actor == world.admin
    )


def test_a_read_only_token_reads_and_cannot_write(world):
    ticket = world.ticket()
    _token, key = api_token_create(user=world.agent, name="reader", scope=TokenScope.READ)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(f"/api/v1/tickets/{ticket.pk}").status_code == 200
    response = api.patch(
        f"/api/v1/tickets/{ticket.pk}", {"priority": "high"}, content_type="application/json"
    )
    assert response.status_code == 403
    body = response.json()["error"]
    assert body["message_en"] == "This API token may only read." and body["message_ar"]
    ticket.refresh_from_db()
    assert ticket.priority != "high"
    _t, writer = api_token_create(user=world.agent, name="writer", scope=TokenScope.READ_WRITE)
    ok = Client(HTTP_AUTHORIZATION=f"Bearer {writer}").patch(
        f"/api/v1/tickets/{ticket.pk}", {"priority": "high"}, content_type="application/json"
    )
    assert ok.status_code == 200


def test_expired_and_revoked_tokens_are_refused(world):
    token, key = api_token_create(
        user=world.agent, name="soon", expires_at=timezone.now() + timedelta(hours=1)
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    forget_api_tokens()  # a change made elsewhere is seen once the kept token's seconds are over
    assert api.get("/api/v1/me").status_code == 401
    token2, key2 = api_token_create(user=world.agent, name="later")
    api2 = Client(HTTP_AUTHORIZATION=f"Bearer {key2}")
    assert api2.get("/api/v1/me").status_code == 200
    admin = world.client_for(world.admin)
    assert admin.post(f"/workspace/admin/tokens/{token2.pk}/revoke/").status_code == 302
    assert api2.get("/api/v1/me").status_code == 401
    assert AdminAuditEntry.objects.filter(action=AdminAction.TOKEN_REVOKED, target_id=token2.pk).count() == 1


def test_bad_token_requests_are_refused_and_nothing_created(world):
    admin = world.client_for(world.admin)
    for data in ({"username": "nobody"}, {"name": ""}, {"scope": "admin"}, {"expires": "7"}):
        response = _create(admin, **data)
        assert response.status_code == 200 and "invalid-feedback" in response.content.decode(), data
    assert ApiToken.objects.count() == 0 and AdminAuditEntry.objects.count() == 0
    with pytest.raises(ValidationError):
        api_token_create(user=world.agent, name="past", expires_at=timezone.now() - timedelta(days=1))


@pytest.mark.parametrize("who", ["supervisor", "agent"])
def test_only_admins_manage_tokens(world, who):
    token, _key = api_token_create(user=world.agent, name="x")
    client = world.client_for(getattr(world, who))
    assert client.get("/workspace/admin/tokens/").status_code == 404
    assert _create(client).status_code == 404
    assert client.post(f"/workspace/admin/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.count() == 1 and not ApiToken.objects.get().revoked
