"""Skills routing: which available agent gets a contact, and why — pure, no Django.

Order (issue 18, item 2): skills match first (category, language, channel: how many of the contact's needs the
agent's skills cover), then the least loaded (work in hand ÷ capacity for the contact's group), then the longest
idle (the oldest last routed time). Policy "round_robin" replaces load and idleness with "offered least
recently". An agent is eligible only with room left in that group's capacity and, for an outsourced team,
only for the categories its contract covers. Every decision carries its reason, in words a supervisor reads.

Hybrid overflow (a category with a rule): at or under its thresholds the vendor's agents are left out; strictly
above one (the oldest wait, or the contacts waiting, this one included) they may take the contact, but only when
no eligible in-house agent has room — in-house agents come first whatever their skills match or load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

POLICIES = ("best", "round_robin")
# Hybrid centers (issue 18, item 3): how vendor (outsourced) agents take part in one decision.
VENDORS_ALONGSIDE = "alongside"  # no overflow rule for the category: everyone eligible, as before
VENDORS_HELD = "held"  # a rule exists and the line is under its threshold: in-house agents only
# The line exceeds the threshold: vendor agents may take it, but only when no eligible in-house agent (room left)
# can. The threshold says when the vendor may help, never that it goes before an in-house agent with room: with a
# queue threshold of 0 every contact is "above" it, and still none reaches the vendor while the team has room.
VENDORS_OVERFLOW = "overflow"
VENDOR_MODES = (VENDORS_ALONGSIDE, VENDORS_HELD, VENDORS_OVERFLOW)
SKILL_KINDS = ("category", "language", "channel")


@dataclass(frozen=True)
class Need:
    ticket_id: int
    category: str
    language: str
    channel: str

    def skills(self) -> tuple[tuple[str, str], ...]:
        return (("category", self.category), ("language", self.language), ("channel", self.channel))


@dataclass(frozen=True)
class Candidate:
    user_id: int
    load: int
    capacity: int
    last_routed: float  # seconds since the epoch of the last contact routed to them (0: never)
    skills: frozenset[tuple[str, str]] = frozenset()
    categories: frozenset[str] | None = None  # None: every category (in-house); else the contract's

    def room(self) -> int:
        return self.capacity - self.load

    @property
    def is_vendor(self) -> bool:
        return self.categories is not None


@dataclass(frozen=True)
class Decision:
    ticket_id: int
    user_id: int | None
    policy: str
    matched: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    load: int = 0
    capacity: int = 0
    idle_seconds: float | None = None
    considered: int = 0
    eligible: int = 0
    reason_code: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def reason(self) -> dict[str, object]:
        return self.extra | {
            "code": self.reason_code,
            "policy": self.policy,
            "matched": list(self.matched),
            "missing": list(self.missing),
            "load": self.load,
            "capacity": self.capacity,
            "idle_seconds": None if self.idle_seconds is None else round(self.idle_seconds),
            "considered": self.considered,
            "eligible": self.eligible,
        }


@dataclass(frozen=True)
class Overflow:
    """A category's overflow threshold (either may be None) and its line now."""

    wait_threshold: int | None
    queue_threshold: int | None
    oldest_wait: float  # seconds the oldest waiting contact of the category has waited
    queue_length: int  # waiting contacts of the category (this one included)

    def exceeded(self) -> str:
        """ "wait" or "queue" when the line is strictly above a threshold (at the threshold it is not), else ""."""
        if self.wait_threshold is not None and self.oldest_wait > self.wait_threshold:
            return "wait"
        if self.queue_threshold is not None and self.queue_length > self.queue_threshold:
            return "queue"
        return ""

    def mode(self) -> str:
        return VENDORS_OVERFLOW if self.exceeded() else VENDORS_HELD

    def reason(self) -> dict[str, object]:
        return {
            "overflow": {
                "exceeded": self.exceeded(),
                "wait_threshold": self.wait_threshold,
                "queue_threshold": self.queue_threshold,
                "oldest_wait": round(self.oldest_wait),
                "queue_length": self.queue_length,
            }
        }


def choose(
    need: Need,
    candidates: Sequence[Candidate],
    *,
    now: float,
    policy: str = "best",
    vendors: str = VENDORS_ALONGSIDE,
    exclude: frozenset[int] = frozenset(),
) -> Decision:
    """The best eligible agent for `need`, or none (with the reason: nobody available, all full, or none covers
    the category). `vendors` says how outsourced agents take part (VENDOR_MODES); `exclude` are agents who let an
    offer of this contact expire a moment ago. One pass over the candidates: O(agents)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}")
    if vendors not in VENDOR_MODES:
        raise ValueError(f"unknown vendor mode {vendors!r}")
    wanted = need.skills()
    best: tuple[tuple[float, ...], Candidate, int] | None = None
    eligible = 0
    covered = False
    declined = False
    for candidate in candidates:
        if candidate.user_id in exclude:
            declined = True
            continue
        if candidate.is_vendor and vendors == VENDORS_HELD:
            continue
        if candidate.categories is not None and need.category not in candidate.categories:
            continue
        covered = True
        if candidate.room() <= 0:
            continue
        eligible += 1
        match = sum(1 for skill in wanted if skill in candidate.skills)
        side = 1 if vendors == VENDORS_OVERFLOW and candidate.is_vendor else 0  # in-house first
        if policy == "best":
            key: tuple[float, ...] = (
                side,
                -match,
                candidate.load / candidate.capacity,
                candidate.last_routed,
                candidate.user_id,
            )
        else:
            key = (side, -match, candidate.last_routed, candidate.user_id)
        if best is None or key < best[0]:
            best = (key, candidate, match)
    if best is None:
        code = "nobody_available" if not candidates else ("all_full" if covered else "not_covered")
        if declined and not covered:
            code = "offer_declined"  # the only ones who could take it let its offer expire a moment ago
        return Decision(
            need.ticket_id, None, policy, considered=len(candidates), eligible=0, reason_code=code
        )
    _key, agent, _match = best
    matched = tuple(f"{kind}={value}" for kind, value in wanted if (kind, value) in agent.skills)
    missing = tuple(f"{kind}={value}" for kind, value in wanted if (kind, value) not in agent.skills)
    return Decision(
        need.ticket_id,
        agent.user_id,
        policy,
        matched=matched,
        missing=missing,
        load=agent.load,
        capacity=agent.capacity,
        idle_seconds=(now - agent.last_routed) if agent.last_routed else None,
        considered=len(candidates),
        eligible=eligible,
        reason_code=(
            "overflow"
            if vendors == VENDORS_OVERFLOW and agent.is_vendor
            else ("skills_then_load" if policy == "best" else "round_robin")
        ),
    )
