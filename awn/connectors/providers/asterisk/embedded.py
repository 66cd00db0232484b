"""The AMI listener inside the web process, for the one-process embedded mode (`bin/awn up`).

A separate `run_ami` process reaches the agents' browsers only through a shared (Redis) channel layer: with the
embedded in-memory layer, the screen pop it pushes stays in its own memory. With AWN_AMI_EMBEDDED the web process
runs the same supervisor (every active Asterisk inbox) on a daemon thread with its own event loop, so the task
pool of this process applies the stored call events and pops the caller's profile where the agents' sockets are.
Only for one process: several web processes would each connect to the PBX (nothing is doubled — events are stored
once — but each process would hold a connection); production runs `run_ami` and Redis instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_running: tuple[threading.Thread, asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None


def start_embedded_listener(**options: Any) -> bool:
    """Start the supervisor on a daemon thread of this process; False when it already runs."""
    global _running
    from .listener import supervise

    with _lock:
        if _running is not None:
            return False
        loop = asyncio.new_event_loop()
        task = loop.create_task(supervise(manage_connections=True, **options))
        thread = threading.Thread(target=_run, args=(loop, task), name="awn-ami", daemon=True)
        _running = (thread, loop, task)
        thread.start()
    logger.info("AMI listener running inside the web process (AWN_AMI_EMBEDDED)")
    return True


def _run(loop: asyncio.AbstractEventLoop, task: asyncio.Task[None]) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        pass
    except Exception:
        logger.exception("the embedded AMI listener stopped")
    finally:
        loop.close()


def stop_embedded_listener(timeout: float = 10.0) -> None:
    """Stop the supervisor and its listeners (tests; a clean shutdown)."""
    global _running
    with _lock:
        running, _running = _running, None
    if running is None:
        return
    thread, loop, task = running
    if not loop.is_closed():
        loop.call_soon_threadsafe(task.cancel)
    thread.join(timeout)
