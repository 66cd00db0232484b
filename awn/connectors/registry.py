"""Connector kind → connector instance. Adding a channel = one package under providers/ and one line here."""

from __future__ import annotations

from functools import cache

from .base import Connector


@cache
def connectors() -> dict[str, Connector]:
    from .providers.asterisk import AsteriskConnector
    from .providers.cti import CtiConnector
    from .providers.email import EmailConnector
    from .providers.fake import FakeConnector
    from .providers.telegram import TelegramConnector
    from .providers.whatsapp import WhatsAppConnector

    return {
        c.kind: c
        for c in (
            WhatsAppConnector(),
            TelegramConnector(),
            EmailConnector(),
            CtiConnector(),
            AsteriskConnector(),
            FakeConnector(),
        )
    }


def connector_for(kind: str) -> Connector:
    return connectors()[kind]
