"""The national-id check digit against values worked out by hand, not produced by the function under test
(issue 13, defect 10: dropping the digit-sum step survived a suite whose ids all came from national_id_from_seed).

The rule (Saudi national and iqama ids): 10 digits, the first 1 (citizen) or 2 (resident); double the digits in
odd positions (1st, 3rd, … 9th), write each doubled value as the sum of its digits (12 → 1 + 2 = 3), add everything
up with the digits in even positions; the id is valid when the total ends in 0.
"""

from __future__ import annotations

import pytest

from awn.core.errors import ValidationError
from awn.crm.validators import clean_national_id, national_id_checksum_ok

# id, valid?, the hand computation
REFERENCE = [
    # 1→2, 0, 5→10→1, 0,0,0,0,0,0, 7: 2 + 1 + 7 = 10
    ("1050000007", True, "digit sum of a doubled 5 is 1"),
    # same with 8: 2 + 1 + 8 = 11 — but 2 + 10 + 8 = 20 if the digit-sum step were dropped
    ("1050000008", False, "valid only without the digit-sum step"),
    # 1→2, then four doubled 9s (18 → 9) and four plain 9s, then 3: 2 + 36 + 36 + 3 = 77 → invalid
    ("1999999993", False, "77"),
    # 2→4, the same 72, then 4: 80 → valid (a resident's id)
    ("2999999994", True, "80"),
    # 1→2, 2, 3→6, 4, 5→1, 6, 7→5, 8, 9→9, 7: 2+2+6+4+1+6+5+8+9+7 = 50 → valid
    ("1234567897", True, "50"),
    # same digits, last 6: 49 → invalid; without the digit-sum step 2+2+6+4+10+6+14+8+18+6 = 76 → invalid too
    ("1234567896", False, "49"),
    # 1→2, 0,0,0,0,0,0,0,0, 8: 10 → valid
    ("1000000008", True, "10"),
    # a 3 as first digit is neither citizen nor resident even with a good sum: 6 + 4 = 10
    ("3000000004", False, "first digit"),
    ("105000000", False, "nine digits"),
    ("10500000077", False, "eleven digits"),
    ("", False, "empty"),
]


@pytest.mark.parametrize(("value", "valid", "why"), REFERENCE)
def test_check_digit_against_hand_computed_ids(value: str, valid: bool, why: str) -> None:
    assert national_id_checksum_ok(value) is valid, why


def test_clean_accepts_arabic_indic_digits_of_a_valid_id() -> None:
    assert clean_national_id("١٠٥٠٠٠٠٠٠٧") == "1050000007"


@pytest.mark.parametrize("value", ["1050000008", "1234567896", "1999999993"])
def test_clean_refuses_a_bad_check_digit_with_a_bilingual_message(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_national_id(value)
    assert caught.value.field == "national_id"
