"""Jobs of tickets: the batched resolution of a resolved problem's incidents."""

from __future__ import annotations

from awn.core.tasks import dispatch, job

from . import services


@job()
def resolve_incidents(problem_id: int, actor_id: int | None, notify_requester: bool, after_id: int) -> None:
    """One batch of a resolved problem's incidents, then the next batch as a job of its own until none remain
    (each batch commits alone: a crash loses at most the batch in flight, which the next run takes again)."""
    last = services.tickets_resolve_incidents_batch(
        problem_id=problem_id, actor_id=actor_id, notify_requester=notify_requester, after_id=after_id
    )
    if last is not None:
        dispatch(services.RESOLVE_JOB, problem_id, actor_id, notify_requester, last)
