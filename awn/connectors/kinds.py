"""The inbox kinds (one per connector in settings.AWN_CONNECTORS) and the channels the connectors bring.

Filled when Django starts (ConnectorsConfig.ready): adding a provider is one package under providers/ and one line
in settings.AWN_CONNECTORS — no enum, no `choices=`, no migration, nothing in tickets/.
"""

from __future__ import annotations

from awn.core.channels import Channel, InboxKind

from .registry import connectors

__all__ = ["InboxKind", "register_connector_kinds"]


def register_connector_kinds() -> None:
    for position, connector in enumerate(connectors().values()):
        InboxKind.register(connector.inbox_kind(order=10 * (position + 1)))
        if connector.channel_kind is not None:
            Channel.register(connector.channel_kind)
