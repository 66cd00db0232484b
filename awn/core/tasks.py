"""Background jobs without a broker (until Celery lands): `enqueue(path, id)` after commit.

The database is the source of truth: a job only carries a row id, every job is idempotent, and the
`run_worker` sweep picks up whatever a crash or restart left pending. AWN_TASKS_MODE:
- "thread" (default): run on a small in-process thread pool after commit (embedded mode);
- "sync": run inline after commit (deterministic tests);
- "off": do nothing; `run_worker` processes the rows (a separate worker process in production).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_stop = threading.Event()
_lock = threading.Lock()
_sweeps: list[str] = []
SWEEP_EVERY_SECONDS = 15


def register_sweep(path: str) -> None:
    """A periodic job (the embedded stand-in for a beat task): `path()` runs every SWEEP_EVERY_SECONDS in
    thread mode, so rows left pending by a crash or a restart are picked up without a separate worker."""
    if path not in _sweeps:
        _sweeps.append(path)


def _sweeper(stop: threading.Event) -> None:
    while not stop.wait(SWEEP_EVERY_SECONDS):
        if getattr(settings, "AWN_TASKS_MODE", "thread") != "thread":
            continue
        for path in list(_sweeps):
            close_old_connections()
            try:
                _resolve(path)()
            except Exception:
                logger.exception("sweep %s failed", path)
            finally:
                connections.close_all()


def _resolve(path: str) -> Any:
    module_path, _, attr = path.rpartition(".")
    return getattr(import_module(module_path), attr)


def run_job(path: str, object_id: int) -> None:
    try:
        _resolve(path)(object_id)
    except Exception:
        # The row stays pending or records its error; the sweep retries it.
        logger.exception("job %s(%s) failed", path, object_id)


def _run_in_thread(path: str, object_id: int) -> None:
    close_old_connections()
    try:
        run_job(path, object_id)
    finally:
        connections.close_all()


def _pool() -> ThreadPoolExecutor:
    global _executor, _stop
    with _lock:
        if _executor is None:
            workers = int(getattr(settings, "AWN_TASKS_THREADS", 2))
            if connections["default"].vendor == "sqlite":
                workers = 1  # one writer at a time anyway; parallel writers only wait on the lock
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="awn-task")
            _stop = threading.Event()
            threading.Thread(target=_sweeper, args=(_stop,), name="awn-sweeper", daemon=True).start()
        return _executor


def shutdown() -> None:
    """Stop the pool (after its running jobs) and the sweeper; the next job starts them again."""
    global _executor
    with _lock:
        if _executor is not None:
            _stop.set()
            _executor.shutdown(wait=True)
            _executor = None


submitted: list[Future[None]] = []  # futures of the thread mode, so tests can wait for them


def _submit(path: str, object_id: int) -> None:
    mode = getattr(settings, "AWN_TASKS_MODE", "thread")
    if mode == "sync":
        run_job(path, object_id)
    elif mode == "thread":
        future = _pool().submit(_run_in_thread, path, object_id)
        submitted.append(future)
        del submitted[:-100]


def enqueue_later(path: str, object_id: int, seconds: float) -> None:
    """A retry after a delay. Only the thread mode schedules it; otherwise `run_worker` finds the due row."""
    if getattr(settings, "AWN_TASKS_MODE", "thread") != "thread":
        return
    timer = threading.Timer(seconds, lambda: _submit(path, object_id))
    timer.daemon = True
    timer.start()


def start() -> None:
    """Start the pool and its sweeper now (a web process calls it once it serves requests)."""
    if getattr(settings, "AWN_TASKS_MODE", "thread") == "thread":
        _pool()


def enqueue(path: str, object_id: int) -> None:
    """Run `path(object_id)` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: _submit(path, object_id))
