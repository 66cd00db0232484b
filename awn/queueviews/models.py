"""Saved views of the queue: an agent's named set of the queue's filters (a tab, a sort, status, category…),
personal, or shared by a supervisor with a team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team

NAME_MAX = 60


class SavedView(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=NAME_MAX)
    # Shared with this team's members (only a supervisor or an administrator shares); personal when empty.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    queue = models.CharField(max_length=16)
    sort = models.CharField(max_length=16)
    filters = models.JSONField(default=dict)  # the queue's filters, as QueueParams reads them
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="queueview_owner_name")]
        indexes = [
            models.Index(fields=["team"], name="queueview_team", condition=models.Q(team__isnull=False))
        ]

    def __str__(self) -> str:
        return self.name
