"""The resilient Redis cache: a Redis outage is a cache miss, not a 500; keys written during it are invalidated
once Redis answers again (a session signed out during the outage stays signed out)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from awn.ops import cache as resilient
from awn.ops.cache import ResilientRedisCache


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cache(port: int) -> ResilientRedisCache:
    return ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}}
    )


def test_with_redis_down_reads_miss_writes_are_skipped_and_counters_start_again() -> None:
    cache = _cache(_free_port())  # nothing listens there
    started = time.monotonic()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    cache.set("k", "v", 30)
    assert cache.add("k", 1, 30) is True  # a rate limit lets the request through
    with pytest.raises(ValueError):
        cache.incr("k")
    cache.delete("k")
    cache.set_many({"x": 1, "y": 2}, 30)
    cache.delete_many(["x"])
    assert time.monotonic() - started < 2  # refused at once, then not even tried during the pause
    # Every key written or deleted in vain is remembered once: k, x and y.
    assert cache.pending_invalidations() == 3


def test_a_session_signed_out_during_the_outage_is_not_resurrected(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program")
    port = _free_port()
    cache = _cache(port)
    with _redis(port, tmp_path):  # with an append-only file, as deploy/compose.yaml runs it
        cache.set("session:abc", {"user": 7}, 300)
        assert cache.get("session:abc") == {"user": 7}
    # Redis is down (stopped cleanly: its file keeps the session). The sign-out reaches the database only.
    cache.delete("session:abc")
    assert cache.get("session:abc") is None
    time.sleep(resilient.PAUSE_SECONDS + 0.1)
    with _redis(port, tmp_path):  # back, with the stale copy loaded from its file
        # The first call invalidates what could not be deleted, before reading.
        assert cache.get("session:abc") is None
        assert cache.pending_invalidations() == 0
        cache.set("session:abc", {"user": 8}, 300)  # and it serves again
        assert cache.get("session:abc") == {"user": 8}


@contextmanager
def _redis(port: int, directory: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(  # noqa: S603 - a fixed argv on 127.0.0.1
        [
            str(shutil.which("redis-server")),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()  # a clean stop: the append-only file is complete
        process.wait(10)
