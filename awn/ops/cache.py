"""A Redis cache that degrades to "always a miss" while Redis is unreachable, instead of failing the request.

With AWN_REDIS_URL the cache holds sessions (cached_db), rate-limit counters and page fragments: all of it can be
rebuilt from the database. Django's RedisCache raises on a Redis outage, so every signed-in page answered 500
while Redis was down. This backend instead:
- answers reads as misses (sessions then load from the database), lets rate limits fail open, skips writes;
- stops calling Redis for PAUSE_SECONDS after a failure (no connect timeout paid by every call);
- remembers the keys it could not write or delete, and deletes them first once Redis answers again, so a session
  signed out (or changed) during the outage is not brought back by a stale copy Redis kept.
The readiness check still reports the cache failing (its write is skipped, its read misses).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
T = TypeVar("T")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
PAUSE_SECONDS = 2.0
MAX_PENDING = 10_000  # keys to invalidate on recovery kept at most (the oldest are dropped, with a warning)


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._down_until = 0.0
        self._pending: dict[Any, None] = {}  # insertion-ordered set of keys to delete once Redis is back
        self._lock = threading.Lock()

    # --- the guard ----------------------------------------------------------------------------------------------

    def _down(self, error: BaseException) -> None:
        first = time.monotonic() >= self._down_until
        self._down_until = time.monotonic() + PAUSE_SECONDS
        if first:
            logger.warning("cache: Redis unreachable (%s); serving without the cache", error)

    def _forget_later(self, keys: Iterable[Any]) -> None:
        with self._lock:
            for key in keys:
                self._pending[key] = None
            while len(self._pending) > MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))
                logger.warning("cache: too many keys to invalidate after the outage; dropping the oldest")

    def _replay(self) -> None:
        with self._lock:
            keys = list(self._pending)
        if not keys:
            return
        super().delete_many(keys)  # raises while Redis is still down: the keys stay pending
        with self._lock:
            for key in keys:
                self._pending.pop(key, None)
        logger.warning("cache: Redis is back; %s keys written during the outage invalidated", len(keys))

    def _guard(self, call: Callable[[], T], fallback: T, written: Iterable[Any] = ()) -> T:
        if time.monotonic() < self._down_until:
            self._forget_later(written)
            return fallback
        try:
            self._replay()
            return call()
        except UNREACHABLE as error:
            self._down(error)
            self._forget_later(written)
            return fallback

    # --- reads: a miss ------------------------------------------------------------------------------------------

    def get(self, key: Any, default: Any) -> Any:
        return self._guard(lambda: super(ResilientRedisCacheClient, self).get(key, default), default)

    def get_many(self, keys: Any) -> Any:
        empty: dict[Any, Any] = {}
        return self._guard(lambda: super(ResilientRedisCacheClient, self).get_many(keys), empty)

    def has_key(self, key: Any) -> Any:
        return self._guard(lambda: super(ResilientRedisCacheClient, self).has_key(key), False)

    # --- writes: skipped, and the key invalidated once Redis is back -------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any) -> Any:
        # True: "added", so that a rate limit counting with add/incr lets the request through (fails open).
        return self._guard(
            lambda: super(ResilientRedisCacheClient, self).add(key, value, timeout), True, [key]
        )

    def set(self, key: Any, value: Any, timeout: Any) -> Any:
        return self._guard(
            lambda: super(ResilientRedisCacheClient, self).set(key, value, timeout), None, [key]
        )

    def touch(self, key: Any, timeout: Any) -> Any:
        return self._guard(lambda: super(ResilientRedisCacheClient, self).touch(key, timeout), False, [key])

    def delete(self, key: Any) -> Any:
        return self._guard(lambda: super(ResilientRedisCacheClient, self).delete(key), False, [key])

    def set_many(self, data: Any, timeout: Any) -> Any:
        return self._guard(
            lambda: super(ResilientRedisCacheClient, self).set_many(data, timeout), None, list(data)
        )

    def delete_many(self, keys: Any) -> Any:
        return self._guard(lambda: super(ResilientRedisCacheClient, self).delete_many(keys), None, list(keys))

    def incr(self, key: Any, delta: Any) -> Any:
        missing = object()
        result = self._guard(lambda: super(ResilientRedisCacheClient, self).incr(key, delta), missing, [key])
        if result is missing:
            raise ValueError("the cache is unavailable")  # as for a missing key: callers start a new count
        return result

    def clear(self) -> Any:
        return self._guard(lambda: super(ResilientRedisCacheClient, self).clear(), False)

    def pending_invalidations(self) -> int:
        with self._lock:
            return len(self._pending)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, kept serving (as a miss) through a Redis outage."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def pending_invalidations(self) -> int:
        """Keys written or deleted during an outage, still to invalidate once Redis answers."""
        client = self._cache
        return client.pending_invalidations() if isinstance(client, ResilientRedisCacheClient) else 0
