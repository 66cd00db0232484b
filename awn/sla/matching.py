"""Which SLA policy applies to a ticket, and what it promises: pure functions over plain values (no database).

Policies are tried in order; the first active one whose conditions all hold (an empty condition holds for any
ticket) and that sets targets for the ticket's priority applies. When none does, the default policy applies (a
ticket whose priority a policy forgot is still promised something). The result is snapshotted on the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .enums import Metric

METRICS = tuple(Metric.values)
DEFAULT_PAUSE_STATUSES = ("pending",)
# Requester wait counts the time the organization keeps the customer waiting: only "pending" stops it.
REQUESTER_WAIT_PAUSE_STATUSES = frozenset({"pending"})
MAX_TARGET_MINUTES = 366 * 24 * 60


@dataclass(frozen=True)
class Target:
    seconds: int
    business: bool


@dataclass(frozen=True)
class TicketFacts:
    """What conditions look at."""

    category: str
    priority: str
    channel: str
    contact_type: str | None = None
    team_id: int | None = None
    organization_id: int | None = None
    # The education office a school belongs to (a policy naming the office covers its schools).
    parent_organization_id: int | None = None


@dataclass(frozen=True)
class PolicySpec:
    id: int
    name: str
    version: int = 1
    is_default: bool = False
    is_active: bool = True
    categories: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    contact_types: frozenset[str] = frozenset()
    team_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()
    # {priority: {metric: {"minutes": int, "business": bool}}}
    targets: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    pause_statuses: tuple[str, ...] = DEFAULT_PAUSE_STATUSES
    warning_percent: int = 75
    hold_alerts_outside_hours: bool = False

    def matches(self, facts: TicketFacts) -> bool:
        def holds(allowed: frozenset[Any], value: Any) -> bool:
            return not allowed or value in allowed

        organizations_hold = not self.organization_ids or bool(
            {facts.organization_id, facts.parent_organization_id} & self.organization_ids
        )
        return (
            holds(self.categories, facts.category)
            and holds(self.priorities, facts.priority)
            and holds(self.channels, facts.channel)
            and holds(self.contact_types, facts.contact_type)
            and holds(self.team_ids, facts.team_id)
            and organizations_hold
        )

    def has_targets_for(self, priority: str) -> bool:
        return bool(self.targets.get(priority))

    def snapshot(self) -> dict[str, Any]:
        """What the ticket keeps of the policy (JSON)."""
        return {
            "policy_id": self.id,
            "name": self.name,
            "version": self.version,
            "targets": {p: {m: dict(t) for m, t in by.items()} for p, by in self.targets.items()},
            "pause_statuses": list(self.pause_statuses),
            "warning_percent": self.warning_percent,
            "hold_alerts_outside_hours": self.hold_alerts_outside_hours,
        }


def match_policy(policies: Sequence[PolicySpec], facts: TicketFacts) -> PolicySpec | None:
    """The first active, non-default policy (in the given order) that matches and has targets for the ticket's
    priority; else the default policy; else None."""
    default = None
    for policy in policies:
        if not policy.is_active:
            continue
        if policy.is_default:
            default = default or policy
            continue
        if policy.matches(facts) and policy.has_targets_for(facts.priority):
            return policy
    return default


def targets_of(snapshot: Mapping[str, Any] | None, priority: str) -> dict[str, Target]:
    """{metric: Target} a snapshot promises for a priority (nothing for an unknown priority or no snapshot)."""
    if not snapshot:
        return {}
    by_metric = (snapshot.get("targets") or {}).get(priority) or {}
    return {
        metric: Target(int(spec["minutes"]) * 60, bool(spec.get("business", True)))
        for metric, spec in by_metric.items()
        if metric in METRICS and spec and int(spec.get("minutes") or 0) > 0
    }


def pause_statuses_of(snapshot: Mapping[str, Any] | None, metric: str) -> frozenset[str]:
    """The statuses in which this metric's clock stands still. First reply, next reply and periodic update are
    never paused (a reply and "pending" in one update still fulfils the first reply)."""
    if metric == Metric.REQUESTER_WAIT:
        return REQUESTER_WAIT_PAUSE_STATUSES
    if metric == Metric.RESOLUTION:
        statuses = (snapshot or {}).get("pause_statuses")
        return frozenset(statuses if statuses is not None else DEFAULT_PAUSE_STATUSES)
    return frozenset()


def spec_from_values(
    *,
    id: int,
    name: str,
    version: int = 1,
    is_default: bool = False,
    is_active: bool = True,
    categories: Iterable[str] = (),
    priorities: Iterable[str] = (),
    channels: Iterable[str] = (),
    contact_types: Iterable[str] = (),
    team_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
    targets: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    pause_statuses: Iterable[str] | None = None,
    warning_percent: int = 75,
    hold_alerts_outside_hours: bool = False,
) -> PolicySpec:
    return PolicySpec(
        id=id,
        name=name,
        version=version,
        is_default=is_default,
        is_active=is_active,
        categories=frozenset(categories),
        priorities=frozenset(priorities),
        channels=frozenset(channels),
        contact_types=frozenset(contact_types),
        team_ids=frozenset(int(t) for t in team_ids),
        organization_ids=frozenset(int(o) for o in organization_ids),
        targets=targets or {},
        pause_statuses=tuple(pause_statuses) if pause_statuses is not None else DEFAULT_PAUSE_STATUSES,
        warning_percent=warning_percent,
        hold_alerts_outside_hours=hold_alerts_outside_hours,
    )
