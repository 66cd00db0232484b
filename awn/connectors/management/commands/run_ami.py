"""Awn's Asterisk AMI listener: call events of every active Asterisk inbox become raw events (see
awn/connectors/providers/asterisk). A process of its own, next to run_worker, which applies the stored events."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from awn.connectors.models import Inbox
from awn.connectors.providers.asterisk.listener import supervise


class Command(BaseCommand):
    help = "Listen to Asterisk (AMI) for call events of the active Asterisk inboxes until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--inbox", default="", help="Only this inbox (its UUID).")
        parser.add_argument(
            "--reload",
            type=float,
            default=30.0,
            help="Seconds between checks for added, edited or disabled Asterisk inboxes.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        inbox_uuid = str(options["inbox"] or "").strip()
        if inbox_uuid:
            try:
                uuid.UUID(inbox_uuid)
            except ValueError as exc:
                raise CommandError(_("Not an inbox id: %(value)s") % {"value": inbox_uuid}) from exc
            if not Inbox.objects.filter(uuid=inbox_uuid, kind="asterisk", is_active=True).exists():
                raise CommandError(_("No active Asterisk inbox with this id."))
        self.stdout.write("AMI listener running (Ctrl+C or SIGTERM to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(self._run(inbox_uuid or None, max(options["reload"], 1.0)))

    async def _run(self, inbox_uuid: str | None, reload_seconds: float) -> None:
        task = asyncio.create_task(
            supervise(inbox_uuid=inbox_uuid, reload_seconds=reload_seconds, manage_connections=True)
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.stdout.write("AMI listener stopped")
