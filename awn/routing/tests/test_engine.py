"""The routing engine (pure): skills, then load, then idleness; round-robin; contracts; the reasons."""

from __future__ import annotations

import pytest

from awn.routing.engine import VENDORS_HELD, VENDORS_OVERFLOW, Candidate, Need, Overflow, choose

NEED = Need(ticket_id=7, category="registration", language="ar", channel="whatsapp")
NOW = 10_000.0


def agent(
    user_id: int, load: int = 0, capacity: int = 3, last: float = 0.0, skills: str = "", **kw: object
) -> Candidate:
    pairs = frozenset((kind, value) for kind, value in (s.split(":") for s in skills.split(",") if s))
    return Candidate(user_id, load, capacity, last, pairs, **kw)  # type: ignore[arg-type]


def test_skills_first() -> None:
    decision = choose(NEED, [agent(1), agent(2, load=2, skills="category:registration,language:ar")], now=NOW)
    assert decision.user_id == 2
    assert decision.matched == ("category=registration", "language=ar")
    assert decision.missing == ("channel=whatsapp",)
    assert decision.reason()["code"] == "skills_then_load"


def test_then_least_loaded_then_longest_idle() -> None:
    same = "category:registration"
    assert choose(NEED, [agent(1, load=2, skills=same), agent(2, load=1, skills=same)], now=NOW).user_id == 2
    # Load is relative to capacity: 2 of 10 is lighter than 1 of 3.
    assert choose(NEED, [agent(1, load=1, capacity=3), agent(2, load=2, capacity=10)], now=NOW).user_id == 2
    tie = [agent(1, last=9_000), agent(2, last=5_000), agent(3, last=8_000)]
    decision = choose(NEED, tie, now=NOW)
    assert decision.user_id == 2 and decision.idle_seconds == 5_000


def test_capacity_and_contracts() -> None:
    full = agent(1, load=3, capacity=3, skills="category:registration")
    vendor = agent(2, categories=frozenset({"account_access"}))
    assert choose(NEED, [full, agent(3)], now=NOW).user_id == 3
    assert choose(NEED, [full], now=NOW).reason()["code"] == "all_full"
    assert choose(NEED, [vendor], now=NOW).reason()["code"] == "not_covered"
    assert choose(NEED, [], now=NOW).reason()["code"] == "nobody_available"
    covered = agent(4, categories=frozenset({"registration"}))
    assert choose(NEED, [vendor, covered], now=NOW).user_id == 4


def test_round_robin_ignores_load() -> None:
    agents = [agent(1, load=2, last=100), agent(2, load=0, last=200)]
    assert choose(NEED, agents, now=NOW, policy="round_robin").user_id == 1
    assert choose(NEED, agents, now=NOW).user_id == 2
    with pytest.raises(ValueError):
        choose(NEED, agents, now=NOW, policy="random")


# ---- hybrid overflow (issue 18, item 3) ----------------------------------------------------------------------


@pytest.mark.parametrize(("oldest_wait", "exceeded"), [(119.0, ""), (120.0, ""), (121.0, "wait")])
def test_overflow_by_wait_at_the_boundary(oldest_wait: float, exceeded: str) -> None:
    # Threshold 120 s: "above" is strictly more than 120 s.
    line = Overflow(wait_threshold=120, queue_threshold=None, oldest_wait=oldest_wait, queue_length=1)
    assert line.exceeded() == exceeded


@pytest.mark.parametrize(("waiting", "exceeded"), [(9, ""), (10, ""), (11, "queue")])
def test_overflow_by_queue_at_the_boundary(waiting: int, exceeded: str) -> None:
    line = Overflow(wait_threshold=None, queue_threshold=10, oldest_wait=10_000.0, queue_length=waiting)
    assert line.exceeded() == exceeded


def test_vendors_held_under_the_threshold_and_take_the_overflow_above_it() -> None:
    in_house = agent(1, load=2)
    vendor = agent(2, categories=frozenset({"registration"}))
    # No rule: both take part and the idler vendor (load 0) wins, as before.
    assert choose(NEED, [in_house, vendor], now=NOW).user_id == 2
    held = choose(NEED, [in_house, vendor], now=NOW, vendors=VENDORS_HELD)
    assert held.user_id == 1 and held.reason()["code"] == "skills_then_load"
    assert choose(NEED, [vendor], now=NOW, vendors=VENDORS_HELD).user_id is None
    # Above the threshold the in-house agent with room still comes first; the vendor once the team is full.
    kept = choose(NEED, [in_house, vendor], now=NOW, vendors=VENDORS_OVERFLOW)
    assert kept.user_id == 1 and kept.reason()["code"] == "skills_then_load"
    full_in_house = agent(1, load=3)
    first = choose(NEED, [full_in_house, vendor], now=NOW, vendors=VENDORS_OVERFLOW)
    assert first.user_id == 2 and first.reason()["code"] == "overflow"
    # Overflowing but no vendor can take it (full, or not covering the category): the in-house team still does.
    full_vendor = agent(2, load=3, categories=frozenset({"registration"}))
    other_vendor = agent(3, categories=frozenset({"transfer"}))
    fallback = choose(NEED, [in_house, full_vendor, other_vendor], now=NOW, vendors=VENDORS_OVERFLOW)
    assert fallback.user_id == 1 and fallback.reason()["code"] == "skills_then_load"
    nobody = choose(NEED, [full_in_house, full_vendor, other_vendor], now=NOW, vendors=VENDORS_OVERFLOW)
    assert nobody.user_id is None and nobody.reason()["code"] == "all_full"


def test_excluded_agents_are_skipped() -> None:
    agents = [agent(1), agent(2, load=2)]
    assert choose(NEED, agents, now=NOW).user_id == 1
    assert choose(NEED, agents, now=NOW, exclude=frozenset({1})).user_id == 2
    nobody = choose(NEED, agents, now=NOW, exclude=frozenset({1, 2}))
    assert nobody.user_id is None and nobody.reason()["code"] == "offer_declined"


def test_threshold_zero_overflows_only_when_no_in_house_agent_has_room() -> None:
    # Threshold 0: every waiting contact is above it, yet a skilled in-house agent with room keeps it; the vendor
    # (even the better-matched, idler one) takes it only once no eligible in-house agent has room.
    line = Overflow(wait_threshold=None, queue_threshold=0, oldest_wait=0.0, queue_length=1)
    assert line.exceeded() == "queue"
    vendor = agent(2, categories=frozenset({"registration"}), skills="category:registration,language:ar")
    skilled = agent(1, load=2, skills="category:registration")
    kept = choose(NEED, [vendor, skilled], now=NOW, vendors=line.mode())
    assert kept.user_id == 1 and kept.reason()["code"] == "skills_then_load"
    unskilled = agent(3, load=2)  # eligible (room, in-house covers every category) though no skill matches
    assert choose(NEED, [vendor, unskilled], now=NOW, vendors=line.mode()).user_id == 3
    full = agent(1, load=3, skills="category:registration")
    overflowed = choose(NEED, [full, vendor], now=NOW, vendors=line.mode())
    assert overflowed.user_id == 2 and overflowed.reason()["code"] == "overflow"
