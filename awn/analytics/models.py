"""Analytics facts (issue 17): an append-only event log and one fact row per ticket folded from it.

The log is the source of truth: `rebuild_facts` recomputes every TicketFact from it with the same fold
(facts.apply) the live handlers use, so a rebuild gives the same rows. The facts are the only thing KPIs read: no
report joins the hot ticket tables. Ticket, team, contact and organization ids are plain integers (no foreign
keys): a fact never blocks a delete on the hot tables and costs no constraint check on the write path.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import FactEventKind
from .rollup_schema import VALUE_COLUMNS


class FactEvent(models.Model):
    """One thing that happened to a ticket, as analytics needs it. Never edited, never deleted."""

    id = models.BigAutoField(primary_key=True)
    ticket_id = models.BigIntegerField(null=True)  # None for events about contacts (contact merges)
    kind = models.CharField(max_length=16, choices=FactEventKind.choices)
    at = models.DateTimeField()
    payload = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["ticket_id", "id"], name="analytics_event_ticket")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id} {self.at:%Y-%m-%d %H:%M:%S}"


class TicketFact(models.Model):
    """Everything the KPIs need about one ticket, kept current by event handlers."""

    ticket_id = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField(_("created"))
    channel = models.CharField(_("channel"), max_length=16)
    category = models.CharField(_("category"), max_length=32)
    priority = models.CharField(_("priority"), max_length=8)
    status = models.CharField(_("status"), max_length=16)
    requester_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    # in_house / outsourced / hybrid; "" while the ticket has no team.
    team_kind = models.CharField(_("vendor kind"), max_length=16, blank=True, default="")
    assignee_id = models.BigIntegerField(null=True)
    school_id = models.BigIntegerField(null=True)
    education_office_id = models.BigIntegerField(null=True)
    first_reply_at = models.DateTimeField(null=True)
    first_reply_seconds = models.IntegerField(null=True)
    first_reply_business_seconds = models.IntegerField(null=True)
    resolved_at = models.DateTimeField(null=True)
    resolution_seconds = models.IntegerField(null=True)
    resolution_business_seconds = models.IntegerField(null=True)
    # Time spent waiting on the customer (status pending), summed over every stay.
    pending_seconds = models.IntegerField(default=0)
    pending_business_seconds = models.IntegerField(default=0)
    status_since = models.DateTimeField(null=True)
    reopen_count = models.PositiveIntegerField(default=0)
    reassignment_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    bot_reply_count = models.PositiveIntegerField(default=0)
    csat_score = models.PositiveSmallIntegerField(null=True)
    rated_at = models.DateTimeField(null=True)
    # When the satisfaction survey was sent (awn/surveys): the denominator of the survey response rate.
    surveyed_at = models.DateTimeField(null=True)
    merged_into_id = models.BigIntegerField(null=True)
    # The same contact opened another ticket of the same category within 7 days after this one was resolved
    # (facts.REPEAT_WINDOW): set once, by the creation (or category change) of that later ticket.
    repeat_contact = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="fact_created"),
            models.Index(fields=["team_id", "created_at"], name="fact_team_created"),
            models.Index(fields=["requester_id", "category", "created_at"], name="fact_requester_cat"),
            models.Index(fields=["resolved_at"], name="fact_resolved"),
        ]

    def __str__(self) -> str:
        return f"fact #{self.ticket_id}"


class DailyRollup(models.Model):
    """The facts created on one Riyadh day with the same team, vendor kind, channel and category, added up
    (rollups.py): counts, sums and fixed-bucket duration histograms, one column each (rollups.VALUE_COLUMNS,
    added below). Written by the same fold as the facts, live and by the rebuild."""

    day = models.DateField()
    team_id = models.BigIntegerField(default=0)  # rollups.NO_TEAM_ID when the tickets have no team
    team_kind = models.CharField(max_length=16, blank=True, default="")
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team_id", "team_kind", "channel", "category"], name="rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"rollup {self.day} team {self.team_id} {self.channel} {self.category}"


def _add_rollup_columns() -> None:
    for name in VALUE_COLUMNS:
        # Sums of seconds may pass 2^31 on a busy day; counts stay small (int4 sums faster on PostgreSQL).
        # A database default too: the live fold inserts a row with only the columns it adds to.
        kind = models.BigIntegerField if name.endswith("_sum") else models.IntegerField
        DailyRollup.add_to_class(name, kind(default=0, db_default=0))


_add_rollup_columns()
