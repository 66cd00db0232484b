"""The status machine on its own, against the reference table of test_boundaries (written from DESIGN.md)."""

from __future__ import annotations

from itertools import product

import pytest

from awn.core.errors import ValidationError
from awn.tickets.transitions import may_move, validate_transition

from .test_boundaries import ALLOWED

EVERY_PAIR = list(product(ALLOWED, ALLOWED))


@pytest.mark.parametrize(("old", "new"), EVERY_PAIR)
def test_may_move_follows_the_reference(old: str, new: str) -> None:
    assert may_move(old, new) is (new in ALLOWED[old])


@pytest.mark.parametrize(("old", "new"), EVERY_PAIR)
def test_validate_transition_raises_exactly_on_refused_pairs(old: str, new: str) -> None:
    if new in ALLOWED[old]:
        validate_transition(old, new)
    else:
        with pytest.raises(ValidationError) as refused:
            validate_transition(old, new)
        assert refused.value.field == "status"


def test_refusal_names_both_statuses_in_words() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_transition("closed", "open")
    message = str(refused.value.message)
    assert "Closed" in message or "مغلق" in message
    assert "Open" in message or "مفتوح" in message


@pytest.mark.parametrize("new", ["", "reopened", "OPEN", "open "])
def test_unknown_status_is_refused_before_the_table_is_read(new: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_transition("open", new)
    assert refused.value.field == "status"
    assert new in str(refused.value.message)


def test_unknown_old_status_moves_nowhere() -> None:
    assert not may_move("archived", "open")


def test_refusals_read_right_in_english_and_arabic() -> None:
    from django.utils import translation

    with pytest.raises(ValidationError) as moved:
        validate_transition("closed", "open")
    with pytest.raises(ValidationError) as unknown:
        validate_transition("open", "reopened")
    with translation.override("en"):
        assert str(moved.value.message) == "A ticket cannot move from “Closed” to “Open”."
        assert str(unknown.value.message) == "Unknown value “reopened”."
    with translation.override("ar"):
        assert str(moved.value.message).startswith("لا يمكن نقل التذكرة من حالة «")
        assert str(unknown.value.message) == "القيمة «reopened» غير معروفة."
