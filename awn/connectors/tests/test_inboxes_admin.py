"""Inbox configuration pages: admins only; secrets are encrypted at rest and never rendered back."""

from __future__ import annotations

from awn.connectors.models import Inbox
from awn.connectors.secrets import decrypt_secrets


def test_only_admins_reach_the_inbox_pages(world) -> None:
    assert world.client_for(world.admin).get("/workspace/inboxes/").status_code == 200
    assert world.client_for(world.agent).get("/workspace/inboxes/").status_code == 404
    assert world.client_for(world.supervisor).get("/workspace/inboxes/new/?kind=whatsapp").status_code == 404


def test_admin_creates_a_whatsapp_inbox_and_secrets_stay_secret(world) -> None:
    client = world.client_for(world.admin)
    assert client.get("/workspace/inboxes/new/?kind=whatsapp").status_code == 200
    response = client.post(
        "/workspace/inboxes/new/?kind=whatsapp",
        {
            "name": "واتساب الوزارة",
            "is_active": "on",
            "api_base_url": "",
            "phone_number_id": "106540352242922",
            "template_name": "",
            "template_language": "ar",
            "secret_access_token": "EAAG-super-secret-token",
            "secret_app_secret": "app-secret-value",
            "secret_verify_token": "verify-me",
        },
    )
    assert response.status_code == 302
    inbox = Inbox.objects.get()
    assert inbox.kind == "whatsapp" and inbox.settings["phone_number_id"] == "106540352242922"
    assert "EAAG-super-secret-token" not in inbox.secrets_encrypted
    assert decrypt_secrets(inbox.secrets_encrypted)["access_token"] == "EAAG-super-secret-token"
    page = client.get(f"/workspace/inboxes/{inbox.pk}/").content.decode()
    assert "EAAG-super-secret-token" not in page and "app-secret-value" not in page
    assert str(inbox.uuid) in page
    listing = client.get("/workspace/inboxes/").content.decode()
    assert "واتساب الوزارة" in listing and "EAAG" not in listing


def test_blank_secret_keeps_the_stored_one(world) -> None:
    client = world.client_for(world.admin)
    client.post(
        "/workspace/inboxes/new/?kind=telegram",
        {"name": "بوت", "is_active": "on", "secret_bot_token": "1:AAA", "secret_secret_token": "tok"},
    )
    inbox = Inbox.objects.get()
    response = client.post(
        f"/workspace/inboxes/{inbox.pk}/",
        {"name": "بوت الدعم", "is_active": "on", "secret_bot_token": "1:BBB"},
    )
    assert response.status_code == 302
    inbox.refresh_from_db()
    assert inbox.name == "بوت الدعم"
    assert decrypt_secrets(inbox.secrets_encrypted) == {"bot_token": "1:BBB", "secret_token": "tok"}


def test_missing_required_setting_is_refused(world) -> None:
    client = world.client_for(world.admin)
    response = client.post(
        "/workspace/inboxes/new/?kind=whatsapp", {"name": "x", "api_base_url": "ftp://nope"}
    )
    assert response.status_code == 400
    assert Inbox.objects.count() == 0


def test_the_list_shows_waiting_and_failed_work_per_inbox(world) -> None:
    from django.utils import timezone

    from awn.connectors.models import InboundEvent, OutboundMessage
    from awn.connectors.services import inbox_save

    inbox = inbox_save(inbox=None, name="قناة", kind="fake", secrets={"signing_secret": "s"})
    InboundEvent.objects.create(inbox=inbox, external_id="a", payload={})
    InboundEvent.objects.create(inbox=inbox, external_id="b", payload={}, status="failed")
    InboundEvent.objects.create(inbox=inbox, external_id="c", payload={}, status="done")
    message = world.ticket().messages.get()
    OutboundMessage.objects.create(
        message=message, inbox=inbox, address="x", status="failed", next_attempt_at=timezone.now()
    )
    html = world.client_for(world.admin).get("/workspace/inboxes/").content.decode()
    assert '<td data-testid="events-pending"><bdi dir="ltr">1</bdi></td>' in html
    assert 'data-testid="events-failed" class="text-danger"><bdi dir="ltr">1</bdi>' in html
    assert 'data-testid="deliveries-failed" class="text-danger"><bdi dir="ltr">1</bdi>' in html


def test_saving_an_inbox_refreshes_the_webhook_cache(
    world, inboxes, deliver, django_capture_on_commit_callbacks
) -> None:
    from awn.connectors.services import inbox_save

    from .conftest import load

    inbox = inboxes["fake"]
    assert deliver(inbox, load("fake/text.json")).status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        inbox_save(
            inbox=inbox, name=inbox.name, kind="fake", is_active=False, api_base_url=inbox.api_base_url
        )
    assert deliver(inbox, load("fake/text.json")).status_code == 404


def test_the_web_chat_inbox_is_listed_but_not_added_by_hand(world) -> None:
    from awn.connectors.services import web_chat_inbox

    inbox = web_chat_inbox()
    assert web_chat_inbox() == inbox  # one inbox, created once
    client = world.client_for(world.admin)
    page = client.get("/workspace/inboxes/").content.decode()
    assert inbox.name in page and 'data-testid="new-whatsapp"' in page
    assert 'data-testid="new-web_chat"' not in page
    assert client.get("/workspace/inboxes/new/?kind=web_chat").status_code == 404
    assert client.get(f"/workspace/inboxes/{inbox.pk}/").status_code == 200
