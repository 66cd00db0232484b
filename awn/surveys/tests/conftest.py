"""The channels' own test doubles (a fake WhatsApp/Telegram API and mail relay on 127.0.0.1, signed webhooks), so a
survey travels the real webhook and outbox paths."""

from awn.connectors.tests.conftest import _sync_tasks, deliver, inboxes, provider, smtp_relay  # noqa: F401
