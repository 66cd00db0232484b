"""Jobs of proactive outreach (config/schedule.py has the sweep)."""

from __future__ import annotations

from awn.core.tasks import job

from . import services


@job(queue="outbound")
def send_campaign(campaign_id: int) -> None:
    """One round of a campaign at the providers' rates; again a second later (or after quiet hours)."""
    services.campaign_run(campaign_id)


@job()
def sweep() -> None:
    """Campaigns a crash or a lost job left unfinished are sent on (nobody gets anything twice)."""
    services.campaigns_resume()


@job()
def opt_out_reply(message_id: int) -> None:
    """A short reply that may be STOP: opted out and told so."""
    services.opt_out_by_reply(message_id)
