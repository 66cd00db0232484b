"""Fixtures for the channel tests: a provider API server on 127.0.0.1, one inbox per connector, signed posts."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from awn.connectors.models import Inbox
from awn.connectors.services import inbox_save

from .mailservers import SUPPORT_ADDRESS, Captured, SmtpRelay, free_port
from .provider_server import TG_TOKEN, WA_TOKEN, ProviderServer, Recorded

FIXTURES = Path(__file__).parent / "fixtures"
WA_APP_SECRET = "wa-app-secret-3f1c"
WA_VERIFY_TOKEN = "wa-verify-9a2b"
TG_SECRET = "tg-secret-token-77d0"
FAKE_SECRET = "fake-signing-secret"
WA_PHONE_ID = "106540352242922"
MAIL_RELAY_SECRET = "mail-relay-secret-5e21"
CTI_SECRET = "cti-signing-secret-41ab"


def load(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


def sign(kind: str, body: bytes, *, secret: str | None = None) -> dict[str, str]:
    if kind == "whatsapp":
        key = secret or WA_APP_SECRET
        return {"X-Hub-Signature-256": "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()}
    if kind == "telegram":
        return {"X-Telegram-Bot-Api-Secret-Token": secret or TG_SECRET}
    if kind == "phone":
        key = secret or CTI_SECRET
        return {"X-Awn-Signature": "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()}
    if kind == "email":
        key = secret or MAIL_RELAY_SECRET
        return {"X-Awn-Mail-Signature": hmac.new(key.encode(), body, hashlib.sha256).hexdigest()}
    key = secret or FAKE_SECRET
    return {"X-Fake-Signature": hmac.new(key.encode(), body, hashlib.sha256).hexdigest()}


@pytest.fixture(autouse=True)
def _sync_tasks(settings: Any) -> None:
    # Deterministic: jobs run inline once the request's transaction commits.
    settings.AWN_TASKS_MODE = "sync"
    # These test the channels' plumbing; the assistant's first answers on them are tested in
    # awn/connectors/tests/test_assistant_first_line.py.
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


@pytest.fixture
def smtp_relay(provider: ProviderServer) -> Iterator[SmtpRelay]:
    """The SMTP server email inboxes send through; each mail it receives is also listed in the provider's sends
    (as {"to", "text", "message_id"}) so the contract tests read every channel's output alike."""

    def record(item: Captured) -> None:
        summary = {"to": item.rcpt_tos, "text": item.text(), "message_id": str(item.message["Message-ID"])}
        provider.state.requests.append(
            Recorded("POST", "/smtp", {}, json.dumps(summary, ensure_ascii=False).encode())
        )

    with SmtpRelay() as relay:
        relay.handler.on_capture = record
        yield relay


@pytest.fixture
def smtp_port(inboxes: dict[str, Inbox]) -> Iterator[int]:
    """Awn's inbound SMTP server (what `manage.py run_smtp` runs) on a free port of 127.0.0.1."""
    from awn.connectors.providers.email.smtp_server import smtp_controller

    port = free_port()
    controller = smtp_controller("127.0.0.1", port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def inboxes(db: None, provider: ProviderServer, smtp_relay: SmtpRelay) -> dict[str, Inbox]:
    return {
        "email": inbox_save(
            inbox=None,
            name="بريد الدعم",
            kind="email",
            settings={
                "from_address": SUPPORT_ADDRESS,
                "from_name": "دعم نور",
                "smtp_host": "127.0.0.1",
                "smtp_port": str(smtp_relay.port),
                "smtp_security": "none",
            },
            secrets={"relay_secret": MAIL_RELAY_SECRET},
        ),
        "whatsapp": inbox_save(
            inbox=None,
            name="واتساب الدعم",
            kind="whatsapp",
            api_base_url=f"{provider.url}/wa/v21.0",
            settings={"phone_number_id": WA_PHONE_ID},
            secrets={"access_token": WA_TOKEN, "app_secret": WA_APP_SECRET, "verify_token": WA_VERIFY_TOKEN},
        ),
        "telegram": inbox_save(
            inbox=None,
            name="بوت تيليجرام",
            kind="telegram",
            api_base_url=f"{provider.url}/tg",
            secrets={"bot_token": TG_TOKEN, "secret_token": TG_SECRET},
        ),
        "phone": inbox_save(
            inbox=None,
            name="الهاتف الموحد",
            kind="phone",
            settings={"ivr_categories": '{"1": "account_access", "2": "results_certificates"}'},
            secrets={"signing_secret": CTI_SECRET},
        ),
        "fake": inbox_save(
            inbox=None,
            name="قناة اختبار",
            kind="fake",
            api_base_url=f"{provider.url}/fake",
            secrets={"signing_secret": FAKE_SECRET},
        ),
    }


Deliver = Callable[..., Any]


@pytest.fixture
def deliver(django_capture_on_commit_callbacks: Any) -> Deliver:
    """POST a webhook as the provider would, then run what it enqueued (as the worker would)."""

    def _deliver(
        inbox: Inbox, payload: dict[str, Any] | bytes, *, secret: str | None = None, signed: bool = True
    ) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        headers = sign(inbox.kind, body, secret=secret) if signed else {}
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                f"/hooks/{inbox.uuid}/", data=body, content_type="application/json", headers=headers
            )

    return _deliver


@pytest.fixture
def reply(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """An agent's public reply from the workspace ticket page, with the after-commit reactions run."""

    def _reply(client: Client, ticket_id: int, body: str, files: list[Any] | None = None) -> Any:
        data: dict[str, Any] = {"body": body, "kind": "reply"}
        if files:
            data["attachments"] = files
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/workspace/tickets/{ticket_id}/messages/", data)

    return _reply
