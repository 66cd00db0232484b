"""Jobs of routing (config/schedule.py)."""

from __future__ import annotations

from awn.core.tasks import job

from . import services


@job()
def rollup_volumes() -> None:
    """Recount the contacts per channel and half-hour of the last two days (the forecast's history)."""
    services.volumes_rollup_recent()


@job()
def presence_sweep() -> None:
    """Online agents idle for AWN_ROUTING_AWAY_MINUTES become away; no page open for AWN_ROUTING_OFFLINE_MINUTES,
    offline."""
    services.presence_sweep()


@job()
def route_ticket(ticket_id: int) -> None:
    """Give one new ticket to the best available agent and record why (idempotent: a taken ticket is left)."""
    services.route_ticket(ticket_id)


@job()
def route_waiting() -> None:
    """Waiting tickets to agents who became available (AWN_ROUTING_AUTO_ASSIGN only)."""
    services.route_waiting()
