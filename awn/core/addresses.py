"""The client's address, as the rate limits and the sign-in throttle see it.

`X-Forwarded-For` is read only when the request comes from a configured trusted proxy (AWN_TRUSTED_PROXIES:
addresses or networks, e.g. `10.0.0.0/8,127.0.0.1`); otherwise any client could claim any address. Through a
chain of trusted proxies, the client is the right-most address that is not one of them.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(getattr(settings, "AWN_TRUSTED_PROXIES", ()))))


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if not _is_trusted(peer):
        return peer
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer  # a garbled header from a trusted proxy: the proxy itself is all we know
    return peer
