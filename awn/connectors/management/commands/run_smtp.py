"""Awn's inbound SMTP server: mail to an email inbox's receiving address becomes a raw event, then a ticket."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand

from awn.connectors.providers.email.smtp_server import max_message_bytes, smtp_controller


class Command(BaseCommand):
    help = "Run the inbound SMTP server for email inboxes until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on.")

    def handle(self, *args: Any, **options: Any) -> None:
        controller = smtp_controller(options["host"], options["port"])
        controller.start()
        self.stdout.write(
            f"SMTP server on {options['host']}:{options['port']} (messages up to {max_message_bytes()} bytes)"
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
