"""Analytics facts (issue 17): an append-only event log and one fact row per ticket folded from it.

The log is the source of truth: `rebuild_facts` recomputes every TicketFact from it with the same fold
(facts.apply) the live handlers use, so a rebuild gives the same rows. The facts are the only thing KPIs read: no
report joins the hot ticket tables. Ticket, team, contact and organization ids are plain integers (no foreign
keys): a fact never blocks a delete on the hot tables and costs no constraint check on the write path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import DeliveryStatus, FactEventKind, ReportFrequency
from .rollup_schema import HOURS, VALUE_COLUMNS


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
    # Calendar seconds spent in each other active status, every finished stay added up (facts.STATUS_SECONDS).
    # Database defaults too: bulk loaders (bench/analytics.py) that name older columns only still insert.
    new_seconds = models.IntegerField(default=0, db_default=0)
    open_seconds = models.IntegerField(default=0, db_default=0)
    on_hold_seconds = models.IntegerField(default=0, db_default=0)
    status_since = models.DateTimeField(null=True)
    reopen_count = models.PositiveIntegerField(default=0)
    reassignment_count = models.PositiveIntegerField(default=0)
    # Process analytics (facts._count_moves): agent to agent handovers, team to team transfers, the assistant
    # answering before the first person, a transfer after the first human reply (a second tier).
    agent_change_count = models.PositiveIntegerField(default=0, db_default=0)
    transfer_count = models.PositiveIntegerField(default=0, db_default=0)
    bot_then_human = models.BooleanField(default=False, db_default=False)
    escalated = models.BooleanField(default=False, db_default=False)
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
    """The facts created on one Riyadh day (or, monthly, in one month) with the same team, vendor kind, channel
    and category, added up (rollups.py): counts, sums and fixed-bucket duration histograms, one column each
    (rollups.VALUE_COLUMNS, added below). Written by the same fold as the facts: live through RollupDelta rows
    that a job adds in, and by the rebuild."""

    monthly = models.BooleanField(default=False)  # a month's row (day: its 1st) beside its days' rows
    day = models.DateField()
    team_id = models.BigIntegerField(default=0)  # rollups.NO_TEAM_ID when the tickets have no team
    team_kind = models.CharField(max_length=16, blank=True, default="")
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["monthly", "day", "team_id", "team_kind", "channel", "category"],
                name="rollup_grain_key",
            )
        ]
        indexes = [
            # The trend and the heatmap read only these columns of every day of the period: on PostgreSQL an
            # index-only scan over narrow entries instead of the wide rows (a year: 79k rows, ~75 MB of heap).
            models.Index(
                fields=["monthly", "day"], include=["tickets", "resolved", *HOURS], name="rollup_trend"
            )
        ]

    def __str__(self) -> str:
        return f"rollup {self.day} team {self.team_id} {self.channel} {self.category}"


class RollupDelta(models.Model):
    """A change to one day's rollup row not yet added to it: what one fold of a fact (services.record_event)
    moved, appended in the intake transaction (a plain INSERT: no unique key, no row shared with another
    transaction, so concurrent intake never waits on a rollup row). The folding job (services.rollup_deltas_fold)
    adds pending deltas to their day's and month's DailyRollup rows and deletes them in one transaction; readers
    add the pending ones to the rollup rows in the same statement, so figures are exact at any instant."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    team_id = models.BigIntegerField(default=0)
    team_kind = models.CharField(max_length=16, blank=True, default="")
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"rollup delta {self.day} team {self.team_id} {self.channel} {self.category}"


def _add_rollup_columns() -> None:
    for name in VALUE_COLUMNS:
        # Sums of seconds may pass 2^31 on a busy day; counts stay small (int4 sums faster on PostgreSQL).
        # A database default too: the live fold inserts a row with only the columns it adds to.
        kind = models.BigIntegerField if name.endswith("_sum") else models.IntegerField
        DailyRollup.add_to_class(name, kind(default=0, db_default=0))
        RollupDelta.add_to_class(name, kind(default=0, db_default=0))


_add_rollup_columns()


class ReportSubscription(models.Model):
    """A supervisor's scheduled report (issue 17 item 5): the KPI report of each complete week or month, as a PDF
    and an XLSX, emailed to these recipients in this language. The figures are those the owner may see when it
    is sent (an outsourced team's supervisor: that team only)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    frequency = models.CharField(_("frequency"), max_length=8, choices=ReportFrequency.choices)
    recipients = models.TextField(_("recipients"))  # addresses separated by ", "
    language = models.CharField(_("language"), max_length=8, default="ar")
    team_id = models.BigIntegerField(_("team"), null=True, blank=True)  # None: every team the owner sees
    by = models.CharField(_("breakdown by"), max_length=24, default="team_id")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.frequency} report of {self.owner_id}"

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in (part.strip() for part in self.recipients.split(",")) if r]


class ReportDelivery(models.Model):
    """One period of one subscription: the row that makes the email go out once (unique per period), retried
    with backoff until sent, like the notifications' outbox."""

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start"], name="report_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="report_delivery_due")]

    def __str__(self) -> str:
        return f"report {self.subscription_id} {self.period_start}"
