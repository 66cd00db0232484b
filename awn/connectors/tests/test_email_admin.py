"""Setting up an email inbox from the admin pages, and `manage.py run_smtp` serving SMTP."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from awn.connectors.models import Inbox
from awn.connectors.secrets import decrypt_secrets

from .mailservers import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_admin_creates_an_email_inbox_and_passwords_stay_secret(world) -> None:
    client = world.client_for(world.admin)
    page = client.get("/workspace/inboxes/new/?kind=email").content.decode()
    assert 'name="imap_host"' in page and 'name="secret_smtp_password"' in page
    response = client.post(
        "/workspace/inboxes/new/?kind=email",
        {
            "name": "بريد الدعم الفني",
            "is_active": "on",
            "from_address": "help@school.test",
            "from_name": "الدعم الفني",
            "imap_host": "imap.school.test",
            "imap_port": "993",
            "imap_user": "help@school.test",
            "imap_security": "ssl",
            "smtp_host": "smtp.school.test",
            "smtp_port": "587",
            "smtp_security": "starttls",
            "secret_imap_password": "imap-pass-123",
            "secret_smtp_password": "smtp-pass-456",
        },
    )
    assert response.status_code == 302
    inbox = Inbox.objects.get(kind="email")
    assert inbox.settings["imap_security"] == "ssl" and inbox.settings["from_address"] == "help@school.test"
    assert decrypt_secrets(inbox.secrets_encrypted) == {
        "imap_password": "imap-pass-123",
        "smtp_password": "smtp-pass-456",
    }
    shown = client.get(f"/workspace/inboxes/{inbox.pk}/").content.decode()
    assert "imap-pass-123" not in shown and "smtp-pass-456" not in shown
    bad = client.post(
        "/workspace/inboxes/new/?kind=email",
        {"name": "x", "from_address": "a@b.test", "smtp_security": "tls9"},
    )
    assert bad.status_code == 400


def test_run_smtp_serves_smtp_until_stopped() -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "run_smtp", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "run_smtp did not start"
                time.sleep(0.2)
        with client:
            code, features = client.ehlo()
            assert code == 250 and b"SIZE" in features
    finally:
        process.terminate()
        process.wait(timeout=10)
