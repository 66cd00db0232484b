"""The tsquery reaches PostgreSQL as a literal (see selectors._pg_tsquery): nothing a user types can break out."""

from __future__ import annotations

import pytest

from awn.search.selectors import _match_expression, _pg_tsquery, query_groups, query_terms

HOSTILE = [
    "'; DROP TABLE tickets_ticket; --",
    "كلمه' OR '1'='1",
    "a\\' & b",
    "x:* | y",
    "!(a) <-> b",
    "ﷺ 𝕒𝕓𝕔 ـــ \u200f\u202e",
    "test_underscore",
    "\x00nul",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_terms_of_any_input_make_a_safe_literal(text: str, settings: object) -> None:
    terms = query_terms(text)
    if terms:
        literal = _pg_tsquery(" & ".join(f"{t}:*" for t in terms))
        inner = literal.split("'")[1]
        assert "'" not in inner and "\\" not in inner


@pytest.mark.parametrize("expression", ["a' OR 1=1", "a:* | b", "a & ", "x'y", "a_b"])
def test_an_unsafe_expression_is_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        _pg_tsquery(expression)


def test_the_match_expression_of_real_terms_is_accepted(db: None) -> None:
    from django.db import connection

    expression = _match_expression(query_groups("كلمة المرور 2024 password بحسابي مسئول"))
    if connection.vendor == "postgresql":
        assert _pg_tsquery(expression).startswith("to_tsquery(")
