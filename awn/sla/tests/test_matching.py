"""The policy matcher: ordered, first match wins, every condition must hold, the default catches the rest."""

from __future__ import annotations

from awn.sla.matching import (
    TicketFacts,
    match_policy,
    pause_statuses_of,
    spec_from_values,
    targets_of,
)

ONE_HOUR = {"first_reply": {"minutes": 60, "business": True}}
ALL_PRIORITIES = {p: ONE_HOUR for p in ("low", "normal", "high", "urgent")}


def facts(**kw: object) -> TicketFacts:
    values: dict[str, object] = {"category": "transfer", "priority": "normal", "channel": "email"}
    values.update(kw)
    return TicketFacts(**values)  # type: ignore[arg-type]


DEFAULT = spec_from_values(id=1, name="default", is_default=True, targets=ALL_PRIORITIES)


def test_first_matching_policy_in_order_wins() -> None:
    a = spec_from_values(id=2, name="a", categories=["transfer"], targets=ALL_PRIORITIES)
    b = spec_from_values(id=3, name="b", targets=ALL_PRIORITIES)
    assert match_policy([a, b, DEFAULT], facts()) is a
    assert match_policy([b, a, DEFAULT], facts()) is b


def test_every_condition_must_hold_and_empty_means_any() -> None:
    policy = spec_from_values(
        id=2,
        name="p",
        categories=["transfer"],
        priorities=["normal", "high"],
        channels=["email"],
        contact_types=["parent"],
        team_ids=[7],
        organization_ids=[40],
        targets=ALL_PRIORITIES,
    )
    good = facts(contact_type="parent", team_id=7, organization_id=40)
    assert match_policy([policy, DEFAULT], good) is policy
    for wrong in (
        {"category": "other"},
        {"priority": "low"},
        {"channel": "whatsapp"},
        {"contact_type": "student"},
        {"team_id": 8},
        {"team_id": None},
        {"organization_id": 41},
    ):
        assert match_policy([policy, DEFAULT], facts(**{**good.__dict__, **wrong})) is DEFAULT, wrong


def test_an_education_office_covers_its_schools() -> None:
    office = spec_from_values(id=2, name="office", organization_ids=[99], targets=ALL_PRIORITIES)
    assert match_policy([office, DEFAULT], facts(organization_id=40, parent_organization_id=99)) is office
    assert match_policy([office, DEFAULT], facts(organization_id=40, parent_organization_id=98)) is DEFAULT


def test_inactive_policies_are_skipped_and_no_policy_at_all_is_none() -> None:
    off = spec_from_values(id=2, name="off", is_active=False, targets=ALL_PRIORITIES)
    assert match_policy([off, DEFAULT], facts()) is DEFAULT
    assert match_policy([off], facts()) is None
    assert match_policy([], facts()) is None


def test_a_policy_without_targets_for_the_priority_gives_way() -> None:
    urgent_only = spec_from_values(id=2, name="u", targets={"urgent": ONE_HOUR})
    assert match_policy([urgent_only, DEFAULT], facts(priority="normal")) is DEFAULT
    assert match_policy([urgent_only, DEFAULT], facts(priority="urgent")) is urgent_only


def test_targets_and_pauses_from_a_snapshot() -> None:
    snapshot = spec_from_values(
        id=2,
        name="p",
        targets={"high": {"resolution": {"minutes": 90, "business": False}, "first_reply": {"minutes": 0}}},
        pause_statuses=["pending", "on_hold"],
    ).snapshot()
    targets = targets_of(snapshot, "high")
    assert set(targets) == {"resolution"}  # a zero target promises nothing
    assert targets["resolution"].seconds == 5400 and targets["resolution"].business is False
    assert targets_of(snapshot, "low") == {} and targets_of(None, "high") == {}
    assert pause_statuses_of(snapshot, "resolution") == {"pending", "on_hold"}
    assert pause_statuses_of(snapshot, "requester_wait") == {"pending"}
    assert pause_statuses_of(snapshot, "first_reply") == frozenset()  # never paused
    assert pause_statuses_of(snapshot, "next_reply") == frozenset()
