"""Ids from outside: reference values written here, not computed by the code under test."""

from __future__ import annotations

import pytest

from awn.core.ids import MAX_ID, IdConverter, is_id, parse_id


def test_the_largest_id_is_the_largest_bigint() -> None:
    assert MAX_ID == 9223372036854775807


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (" 7 ", 7),
        (17, 17),
        ("9223372036854775807", 9223372036854775807),
        ("9223372036854775808", None),  # 2^63: one past a bigint
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("1e3", None),
        ("abc", None),
        ("", None),
        (None, None),
        ("١٢", None),  # Arabic-Indic digits are not an id in a URL or a form
        ("²", None),  # a superscript passes str.isdigit()
    ],
)
def test_parse_id(value: object, expected: int | None) -> None:
    assert parse_id(value) == expected
    assert is_id(value) is (expected is not None)


def test_the_path_converter_refuses_what_is_not_an_id() -> None:
    converter = IdConverter()
    assert converter.to_python("12") == 12
    for bad in ("0", "9223372036854775808", "9999999999999999999"):
        with pytest.raises(ValueError):
            converter.to_python(bad)
    assert converter.to_url(12) == "12"
