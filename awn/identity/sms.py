"""The SMS gateway behind one small interface; the backend is named by settings.AWN_SMS_BACKEND.

A real gateway is one more class with the same `send`; development writes the messages to a file (or the
console) and the tests read them from `outbox`.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> None:
        """Hand one text message for the E.164 number `to` to the gateway (raise if it refuses it)."""


class ConsoleSmsBackend:
    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}: {text}\n")


class FileSmsBackend:
    """One JSON line per message in settings.AWN_SMS_FILE_PATH (development, `bin/awn up`)."""

    _lock = threading.Lock()

    def send(self, *, to: str, text: str) -> None:
        path = Path(settings.AWN_SMS_FILE_PATH)
        line = json.dumps({"to": to, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False)
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write(line + "\n")


outbox: list[dict[str, str]] = []


class MemorySmsBackend:
    """Keeps the messages in `outbox` (tests, benchmarks), like Django's locmem email backend."""

    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    cls: type[SmsBackend] = import_string(path)
    return cls


def send_sms(*, to: str, text: str) -> None:
    _backend_class(settings.AWN_SMS_BACKEND)().send(to=to, text=text)
