"""Jobs of surge mode (config/schedule.py has the sweep)."""

from __future__ import annotations

from awn.core.tasks import job

from . import services


@job(queue="outbound")
def send_broadcast(broadcast_id: int) -> None:
    """One batch of a broadcast at the providers' rates; it runs again a second later while rows remain."""
    services.broadcast_run(broadcast_id)


@job()
def sweep() -> None:
    """Broadcasts and automatic first replies a crash or a lost job left unfinished are sent on (nobody gets
    anything twice)."""
    services.broadcasts_resume()
    services.first_replies_resume()


@job()
def answer_new_ticket(ticket_id: int) -> None:
    """A new ticket claimed by an active incident: answered with the explanation, once."""
    services.incident_answer_new_ticket(ticket_id)


@job()
def spike_scan() -> None:
    """Top problems' spike detection, every minute: a new spike alerts the supervisors in real time."""
    services.spikes_alert()
