"""Background jobs: Celery tasks that carry row ids, enqueued when the writing transaction commits.

The database is the source of truth for work, not the broker: raw inbound events, outgoing messages and
notifications are rows with a status, every job is idempotent, and the periodic sweeps (config/schedule.py)
re-enqueue whatever a crash, a lost broker message or a broker outage stranded. A job is declared with `@job`
(Celery's `shared_task` with the house's delivery guarantees) and enqueued by name, so a service need not import
the module that runs it.

Where jobs run is a deployment choice (AWN_TASKS_MODE), never the code's:
- "celery" (the default when AWN_BROKER_URL is set): sent to the broker, run by `celery -A config worker`;
  periodic jobs by `celery -A config beat`.
- "thread" (the embedded default, no server): an in-process thread pool, and an embedded scheduler that runs
  config/schedule.py.
- "sync": inline once the transaction commits (deterministic tests).
- "off": nothing runs in this process; `manage.py run_worker` runs the schedule, jobs inline (a broker-less
  worker process).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, TypeVar

from celery import current_app, shared_task
from celery.signals import task_prerun
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections, transaction
from django.utils.module_loading import import_string

from awn.core import request_id

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

# Errors worth a retry of the whole job: the database went away or was locked. Anything else is the job's own
# business (it records its failure on its row and schedules its own next attempt).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
MAX_RETRIES = 5
BACKOFF_MAX_SECONDS = 600


@dataclass(frozen=True)
class Periodic:
    """A periodic job of config/schedule.py: the task's name and how often it runs, in seconds."""

    task: str
    every: float


# Queues split by latency (DESIGN.md): a worker may serve all of them or a few (`celery worker -Q inbound`).
QUEUES: dict[str, str] = {}


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any) -> dict[str, str]:
    """Celery's router (CELERY_TASK_ROUTES): each job to the queue its `@job` names."""
    return {"queue": QUEUES.get(name, "default")}


def job(*, queue: str = "default", max_retries: int = MAX_RETRIES) -> Callable[[F], F]:
    """Declare a background job. Its arguments are ids (JSON); it must be idempotent.

    Acknowledged only once done (`acks_late`), and given back to the broker when the worker process dies
    (`reject_on_worker_lost`); transient database errors are retried with exponential backoff and jitter.
    """

    def decorate(function: F) -> F:
        name = f"{function.__module__}.{function.__name__}"
        QUEUES[name] = queue
        task: F = shared_task(
            name=name,
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=TRANSIENT_ERRORS,
            retry_backoff=True,
            retry_backoff_max=BACKOFF_MAX_SECONDS,
            retry_jitter=True,
            max_retries=max_retries,
            ignore_result=True,
        )(function)
        return task

    return decorate


def tasks_mode() -> str:
    return str(getattr(settings, "AWN_TASKS_MODE", "thread"))


def _task(name: str) -> Any:
    """The task called `name` (its module path and function), its module imported on first use."""
    if name not in current_app.tasks:
        import_module(name.rpartition(".")[0])
    return current_app.tasks[name]


def backoff_seconds(attempt: int) -> float:
    return float(min(2**attempt, BACKOFF_MAX_SECONDS))


# --- where a job runs ---------------------------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_closing: ThreadPoolExecutor | None = None  # the pool shutdown() is waiting for
_stop = threading.Event()
_lock = threading.Lock()
_inline = threading.local()
_broker_down_until = 0.0
BROKER_PAUSE_SECONDS = 5.0
submitted: list[Future[None]] = []  # futures of the thread mode, so tests can wait for them


def run_now(name: str, *args: Any, attempt: int = 0) -> None:
    """Run the job here and now; a transient error schedules another attempt in this process."""
    try:
        _task(name).run(*args)
    except TRANSIENT_ERRORS:
        if attempt < MAX_RETRIES and tasks_mode() == "thread":
            logger.warning("job %s%s: transient error, attempt %s", name, args, attempt + 1, exc_info=True)
            _later(name, args, backoff_seconds(attempt), attempt + 1)
        else:
            logger.exception("job %s%s failed", name, args)
    except Exception:
        # The row records its own failure (or stays pending); the sweep takes it up again.
        logger.exception("job %s%s failed", name, args)


def _run_in_thread(name: str, args: tuple[Any, ...], attempt: int, rid: str = "") -> None:
    close_old_connections()
    try:
        with request_id.bound(rid):
            run_now(name, *args, attempt=attempt)
    finally:
        connections.close_all()


def _pool() -> ThreadPoolExecutor:
    global _executor, _stop
    with _lock:
        if _closing is not None:
            return _closing  # stopping: its submit refuses, the row waits for the sweep (never a new pool)
        if _executor is None:
            workers = int(getattr(settings, "AWN_TASKS_THREADS", 2))
            if connections["default"].vendor == "sqlite":
                workers = 1  # one writer at a time anyway; parallel writers only wait on the lock
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="awn-task")
            _stop = threading.Event()
            threading.Thread(target=_scheduler, args=(_stop,), name="awn-scheduler", daemon=True).start()
        return _executor


def _send_to_broker(name: str, args: tuple[Any, ...], countdown: float | None) -> None:
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return  # the broker failed a moment ago: the row waits for the sweep instead of slowing every request
    try:
        # The request id rides in the message's headers, for the worker's logs (_bind_request_id below).
        _task(name).apply_async(
            args=args, countdown=countdown, retry=False, headers={REQUEST_ID_HEADER: request_id.get()}
        )
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("broker unreachable: %s%s left to the sweep", name, args, exc_info=True)


def dispatch(name: str, *args: Any, attempt: int = 0) -> None:
    """Hand the job to wherever jobs run in this deployment, now (sweeps call it; services use `enqueue`)."""
    mode = "sync" if getattr(_inline, "active", False) else tasks_mode()
    if mode == "celery":
        _send_to_broker(name, args, None)
    elif mode == "sync":
        run_now(name, *args)
    elif mode == "thread":
        try:
            future = _pool().submit(_run_in_thread, name, args, attempt, request_id.get())
        except RuntimeError:  # the pool is stopping or the interpreter is: the sweep runs the job's row later
            logger.info("job %s%s not started: the pool is stopping", name, args)
            return
        submitted.append(future)
        del submitted[:-100]


def _later(name: str, args: tuple[Any, ...], seconds: float, attempt: int = 0) -> None:
    rid = request_id.get()

    def again() -> None:
        with request_id.bound(rid):
            dispatch(name, *args, attempt=attempt)

    timer = threading.Timer(seconds, again)
    timer.daemon = True
    timer.start()


def enqueue(name: str, *args: Any) -> None:
    """Run the job `name(*args)` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: dispatch(name, *args))


def enqueue_in(name: str, *args: Any, seconds: float) -> None:
    """A later attempt (a retry with backoff). Its row stays due, so the sweep runs it if this nudge is lost."""
    mode = tasks_mode()
    if getattr(_inline, "active", False) or mode in ("sync", "off"):
        return  # the sweep of a worker process finds the due row
    if mode == "celery":
        transaction.on_commit(lambda: _send_to_broker(name, args, seconds))
    else:
        transaction.on_commit(lambda: _later(name, args, seconds))


@contextmanager
def inline() -> Iterator[None]:
    """Jobs dispatched inside run here, in this thread (a worker process running the schedule)."""
    _inline.active = True
    try:
        yield
    finally:
        _inline.active = False


REQUEST_ID_HEADER = "awn_request_id"


def _bind_request_id(task: Any = None, **_: Any) -> None:
    """A Celery worker logs a job under the id of the request that enqueued it (none for periodic jobs)."""
    value = task.request.get(REQUEST_ID_HEADER) if task is not None else None
    request_id.bind_worker(str(value or ""))


task_prerun.connect(_bind_request_id, weak=False)


# --- the embedded scheduler (thread mode); Celery beat runs the same schedule in production ----------------

SCHEDULER_TICK_SECONDS = 1.0
# After a start, the first sweeps pick up what a restart left pending (AWN_FIRST_SWEEP_SECONDS: tests shorten it).
FIRST_RUN_SECONDS = float(os.environ.get("AWN_FIRST_SWEEP_SECONDS", "15"))


def schedule() -> tuple[Periodic, ...]:
    # Named by settings (config/schedule.py), so core imports nothing above it.
    configured: tuple[Periodic, ...] = import_string(settings.AWN_SCHEDULE)
    return configured


def _scheduler(stop: threading.Event) -> None:
    next_run = {entry.task: time.monotonic() + min(entry.every, FIRST_RUN_SECONDS) for entry in schedule()}
    while not stop.wait(SCHEDULER_TICK_SECONDS):
        if tasks_mode() != "thread":
            continue
        now = time.monotonic()
        for entry in schedule():
            if now >= next_run.get(entry.task, now):
                next_run[entry.task] = now + entry.every
                try:
                    dispatch(entry.task)
                except RuntimeError:  # the interpreter is shutting down (a management command ended)
                    return


def start() -> None:
    """Start the pool and its scheduler now (a web process calls it once it serves requests)."""
    if tasks_mode() == "thread":
        _pool()


def shutdown() -> None:
    """Stop the pool (after its running jobs) and the scheduler; the next job starts them again.

    The wait happens outside the lock: a running job that dispatches a follow-up takes the lock in `_pool`, and
    waiting for it while holding the lock was a deadlock."""
    global _executor, _closing
    with _lock:
        executor, _executor = _executor, None
        if executor is None:
            return
        _stop.set()
        _closing = executor
    try:
        executor.shutdown(wait=True)
    finally:
        with _lock:
            _closing = None
