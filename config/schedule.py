"""Every periodic job of Awn, declared once: Celery beat runs this list in production (config/celery.py), the
embedded scheduler in the one-process mode (awn/core/tasks.py), `manage.py run_worker` in a broker-less worker.

Sweeps are the safety net of "the database is the source of truth": they enqueue again whatever a crash, a lost
broker message or a broker outage left pending, so no row waits longer than its sweep's period plus
AWN_WORKER_STALE_SECONDS.
"""

from awn.core.tasks import Periodic

SCHEDULE: tuple[Periodic, ...] = (
    # Channels without webhooks (the IMAP poll); each inbox keeps its own "check every N seconds".
    Periodic("awn.connectors.tasks.poll_inboxes", every=15),
    # Channels: raw inbound events still pending, outgoing replies whose retry is due.
    Periodic("awn.connectors.tasks.sweep", every=15),
    # Email notifications due (first attempt lost, or a retry's time came).
    Periodic("awn.notifications.tasks.sweep", every=15),
    # New tickets a crash left without triage.
    Periodic("awn.assistant.tasks.sweep_untriaged", every=60),
    # Recent tickets clustered for the supervisors' "new problems" page (clusters.REFRESH_SECONDS).
    Periodic("awn.assistant.tasks.refresh_new_problems", every=900),
    # Agent sockets a dead process left open (pushes would look for them), notifications past 30 days.
    Periodic("awn.realtime.tasks.sweep", every=60),
    # SLA warnings and breaches that came due (each once per ticket, metric and due time).
    Periodic("awn.sla.tasks.scan", every=60),
    # Due-time recomputations (after a policy, calendar or holiday edit) that a crash left unfinished.
    Periodic("awn.sla.tasks.resume_recomputes", every=60),
    # Time-based automation rules (pending 3 days → reminder, 7 days → close), each once per ticket episode.
    Periodic("awn.automation.tasks.time_rules", every=300),
    # Users' learned questions past their retention (AWN_LEARNED_QUESTIONS_DAYS).
    Periodic("awn.knowledge.tasks.expire_learned_questions", every=3600),
    # Contacts per channel and half-hour (the staffing forecast's history): the last two days recounted.
    Periodic("awn.routing.tasks.rollup_volumes", every=600),
    # Presence: idle agents away, agents with no page open offline.
    Periodic("awn.routing.tasks.presence_sweep", every=60),
    # The sign-in registry's rows of sessions past their age (awn/accounts: "end all my sessions").
    Periodic("awn.accounts.tasks.prune_signed_in_sessions", every=3600),
    # Customers' one-time codes a day past their 10 minutes (awn/identity): only hashes, but none kept for long.
    Periodic("awn.identity.tasks.prune_codes", every=3600),
    # Skills routing (AWN_ROUTING_AUTO_ASSIGN): waiting tickets to agents who became available.
    Periodic("awn.routing.tasks.route_waiting", every=15),
    # Personal data past its retention (AWN_RETENTION_DAYS): raw channel payloads, sent emails, SIS events.
    Periodic("awn.privacy.tasks.apply_retention", every=3600),
    # Satisfaction surveys still unanswered past their delay: the one reminder (awn/surveys).
    Periodic("awn.surveys.tasks.send_reminders", every=3600),
    # Surge mode: broadcasts a crash or a lost job left unfinished (each person still gets one message).
    Periodic("awn.incidents.tasks.sweep", every=15),
    # Analytics: rollup deltas the intake appended (services.write_rollup_deltas) that no batched fold took yet.
    Periodic("awn.analytics.tasks.fold_rollups", every=30),
    # Scheduled reports (awn/analytics/scheduled.py): each subscription's last complete week or month, once.
    Periodic("awn.analytics.tasks.send_scheduled_reports", every=900),
    # Surge mode: spike detection; a category's new spike alerts the supervisors' screens (once an hour).
    Periodic("awn.incidents.tasks.spike_scan", every=60),
    # Proactive outreach: campaigns a crash or a lost job left unfinished (outside quiet hours; nobody twice).
    Periodic("awn.outreach.tasks.sweep", every=15),
)
