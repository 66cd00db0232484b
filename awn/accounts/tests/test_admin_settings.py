"""Organization settings: name, logo (PNG/JPEG only, bounded), default language, retention periods; bad input
saves nothing; changes audited; admins only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from awn.accounts import selectors
from awn.accounts.enums import AdminAction, Role
from awn.accounts.models import AdminAuditEntry, OrganizationSettings, User
from awn.accounts.services import invitation_create

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOOD = {
    "name": "مركز دعم نور",
    "default_language": "en",
    "closed_tickets": "730",
    "attachments": "365",
    "chat_transcripts": "180",
    "admin_audit": "0",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_admin_changes_the_settings_and_they_apply(world):
    admin = world.client_for(world.admin)
    assert admin.get("/workspace/admin/settings/").status_code == 200
    assert selectors.retention_days("closed_tickets") is None  # nothing saved yet: no limit
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = admin.post("/workspace/admin/settings/", {**GOOD, "logo": logo})
    assert response.status_code == 302
    row = OrganizationSettings.objects.get()
    assert row.name == "مركز دعم نور" and row.default_language == "en"
    assert (
        selectors.retention_days("closed_tickets") == 730 and selectors.retention_days("admin_audit") is None
    )
    served = Client().get("/accounts/logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]
    entry = AdminAuditEntry.objects.get(action=AdminAction.SETTINGS_CHANGED)
    assert entry.details["name"] == ["عون", "مركز دعم نور"] and entry.details["logo"] == "new"
    # New staff accounts take the default language.
    _inv, token = invitation_create(actor=world.admin, email="en@example.sa", role=Role.AGENT)
    good = "Tamr-wa-Qahwa-2026!"
    Client().post(f"/accounts/invitation/{token}/", {"password1": good, "password2": good})
    assert User.objects.get(email="en@example.sa").preferred_language == "en"


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"default_language": "fr"},
        {"closed_tickets": "-1"},
        {"attachments": "abc"},
        {"logo": "svg"},
        {"logo": "big"},
    ],
)
def test_bad_settings_are_refused_and_nothing_saved(world, change):
    admin = world.client_for(world.admin)
    data: dict[str, object] = {**GOOD, **change}
    if change.get("logo") == "svg":
        data["logo"] = SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")
    elif change.get("logo") == "big":
        data["logo"] = SimpleUploadedFile("x.png", PNG + b"\x00" * 600_000, content_type="image/png")
    response = admin.post("/workspace/admin/settings/", data)
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert not OrganizationSettings.objects.exists() and not AdminAuditEntry.objects.exists()
    assert Client().get("/accounts/logo/").status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "agent"])
def test_only_admins_change_the_settings(world, who):
    client = world.client_for(getattr(world, who))
    assert client.get("/workspace/admin/settings/").status_code == 404
    assert client.post("/workspace/admin/settings/", GOOD).status_code == 404
    assert not OrganizationSettings.objects.exists()
