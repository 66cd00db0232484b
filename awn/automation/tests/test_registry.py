"""The whitelist of fields, operators and actions: what a rule may say, and how a condition reads the facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import translation

from awn.automation.registry import Facts, clean_spec, condition_holds, conditions_hold
from awn.core.errors import ValidationError

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def facts(**overrides: Any) -> Facts:
    values: dict[str, Any] = {
        "category": "account_access",
        "priority": "normal",
        "status": "open",
        "channel": "email",
        "contact_type": "parent",
        "team": None,
        "assignee": None,
        "school": None,
        "tags": {"vip"},
        "subject": "نسيت كلمه المرور",  # already normalized, as facts_for stores it
        "body": "",
        "created_at": NOW - timedelta(hours=80),
        "updated_at": NOW - timedelta(hours=5),
        "status_since": NOW - timedelta(hours=73),
        "now": NOW,
    }
    values.update(overrides)
    return Facts(**values)


def spec(*conditions: dict[str, Any], match: str = "all") -> dict[str, Any]:
    return {"match": match, "conditions": list(conditions), "actions": [{"type": "add_tag", "value": "x"}]}


def error_of(raw: Any) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        clean_spec(raw)
    with translation.override("ar"):
        arabic = str(caught.value.message)
    with translation.override("en"):
        english = str(caught.value.message)
    return arabic, english


def test_text_contains_folds_arabic_spelling_variants() -> None:
    # Typed with a hamza, a ta marbuta and a diacritic: still found in the normalized subject.
    condition = {"field": "subject", "op": "contains", "value": "كلمةُ المرور"}
    assert condition_holds(condition, facts())
    assert not condition_holds({**condition, "op": "not_contains"}, facts())
    assert not condition_holds({"field": "subject", "op": "contains", "value": "التسجيل"}, facts())


def test_choice_tag_and_hours_operators() -> None:
    f = facts()
    assert condition_holds({"field": "priority", "op": "is", "value": "normal"}, f)
    assert condition_holds({"field": "priority", "op": "in", "value": ["high", "normal"]}, f)
    assert condition_holds({"field": "channel", "op": "not_in", "value": ["whatsapp"]}, f)
    assert condition_holds({"field": "tags", "op": "contains", "value": "VIP"}, f)
    assert condition_holds({"field": "hours_in_status", "op": "gte", "value": 72}, f)
    assert not condition_holds({"field": "hours_in_status", "op": "gte", "value": 74}, f)
    assert condition_holds({"field": "hours_since_updated", "op": "lte", "value": 5}, f)
    assert condition_holds({"field": "hours_since_created", "op": "gte", "value": 80}, f)


def test_all_and_any() -> None:
    yes = {"field": "status", "op": "is", "value": "open"}
    no = {"field": "status", "op": "is", "value": "pending"}
    assert conditions_hold(spec(yes), facts())
    assert not conditions_hold(spec(yes, no), facts())
    assert conditions_hold(spec(yes, no, match="any"), facts())
    assert conditions_hold(spec(), facts())  # no condition: always


def test_a_valid_spec_is_normalized() -> None:
    clean = clean_spec(
        {
            "conditions": [{"field": "hours_in_status", "op": "gte", "value": 72, "extra": "dropped"}],
            "actions": [{"type": "set_status", "value": "closed"}],
        }
    )
    assert clean == {
        "match": "all",
        "conditions": [{"field": "hours_in_status", "op": "gte", "value": 72}],
        "actions": [{"type": "set_status", "value": "closed"}],
    }


@pytest.mark.parametrize(
    ("raw", "arabic", "english"),
    [
        (spec({"field": "__class__", "op": "is", "value": "x"}), "حقل غير معروف", "unknown field"),
        (spec({"field": "priority", "op": "contains", "value": "x"}), "لا يمكن استخدام", "cannot be used"),
        (spec({"field": "priority", "op": "is", "value": "huge"}), "ليست من القيم المسموح", "not one of"),
        (spec({"field": "hours_in_status", "op": "gte", "value": "72"}), "عدد ساعات", "number of hours"),
        (spec({"field": "team", "op": "is", "value": 999999}), "لا يوجد فريق", "no such team"),
        ({"conditions": [], "actions": []}, "إجراء", "actions"),
        (
            {"conditions": [], "actions": [{"type": "eval", "value": "1"}]},
            "إجراء غير معروف",
            "unknown action",
        ),
        (
            {
                "actions": [
                    {"type": "set_priority", "value": "high"},
                    {"type": "set_priority", "value": "low"},
                ]
            },
            "مرتين",
            "twice",
        ),
        ({"match": "some", "actions": [{"type": "add_tag", "value": "x"}]}, "«all»", "“all”"),
        ("not a rule", "غير صالحة", "not valid"),
    ],
)
@pytest.mark.django_db
def test_an_invalid_spec_is_refused_in_arabic_and_english(raw: Any, arabic: str, english: str) -> None:
    message_ar, message_en = error_of(raw)
    assert arabic in message_ar, message_ar
    assert english in message_en, message_en
