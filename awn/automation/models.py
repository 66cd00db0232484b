"""Automation rules (event and time-based), the ledger of time-based firings, macros and the scope of canned
responses. A rule's conditions and actions are JSON checked against registry.py before any save."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team
from awn.core.models import TimeStampedModel
from awn.tickets.models import CannedResponse, Ticket

from .enums import Match, Scope, Trigger


class Rule(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    trigger = models.CharField(_("when"), max_length=20, choices=Trigger.choices)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    # Rules of one trigger run in this order (then by id); each sees the changes of the ones before it.
    position = models.PositiveIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["trigger", "position", "id"]
        indexes = [models.Index(fields=["trigger", "enabled", "position"], name="rule_trigger_order")]

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> dict[str, object]:
        return {"match": self.match, "conditions": self.conditions, "actions": self.actions}


class RuleFiring(models.Model):
    """A time-based rule fired on a ticket for one episode (`key`: the ticket's status and since when): the unique
    row is taken before the actions run, so a restarted or doubled scheduler never fires it twice."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=64)
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "key"], name="automation_fired_once"),
        ]
        indexes = [models.Index(fields=["ticket", "rule"], name="firing_ticket_rule")]


class Macro(TimeStampedModel):
    """Several actions an agent applies at once (reply + status + tag + assignment), from a ticket or a selection.
    Its actions are those of the rules (registry.ACTIONS), run as the agent."""

    name = models.CharField(_("name"), max_length=120)
    actions = models.JSONField(_("actions"), default=list)
    scope = models.CharField(_("visible to"), max_length=8, choices=Scope.choices, default=Scope.PERSONAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["scope", "owner", "team"], name="macro_scope")]

    def __str__(self) -> str:
        return self.name


class CannedScope(models.Model):
    """Who sees a canned response (tickets.CannedResponse): a response without this row is everyone's."""

    canned = models.OneToOneField(
        CannedResponse, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.GLOBAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["scope", "owner", "team"], name="canned_scope")]
