"""Connector kind → connector instance. Adding a channel = one package under providers/ and one line in
settings.AWN_CONNECTORS: the registry names no provider, so providers may call the connectors' services."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Connector


@cache
def connectors() -> dict[str, Connector]:
    instances: list[Connector] = [import_string(path)() for path in settings.AWN_CONNECTORS]
    return {c.kind: c for c in instances}


def connector_for(kind: str) -> Connector:
    return connectors()[kind]
