"""Fixed-window rate limits kept in the cache (per process when embedded, shared with a shared cache)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from awn.core.addresses import client_address

View = Callable[..., HttpResponse]


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for `key`; False once `limit` hits fall in the current window."""
    cache_key = f"awn:rate:{key}"
    if cache.add(cache_key, 1, window_seconds):
        return True
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        return True
    return hits <= limit


def limit_posts(scope: str, *, limit: int, window_seconds: int) -> Callable[[View], View]:
    """Refuse a user's (or an address's) POSTs to a view past `limit` a window, with a 429 page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                user = request.user
                ident = f"u{user.pk}" if user.is_authenticated else client_address(request)
                if not allow(f"{scope}:{ident}", limit=limit, window_seconds=window_seconds):
                    return render(request, "rate_limited.html", status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
