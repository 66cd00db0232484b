"""Reads of the search index: the same normalized, stemmed terms ranked by bm25 (SQLite) or ts_rank
(PostgreSQL). Matching is AND over the query's terms, each term also matching as a prefix (≥ 3 letters)."""

from __future__ import annotations

import re
from typing import TypeVar, cast

from django.db import connection
from django.db.models import FloatField, Model, QuerySet, Value
from django.db.models.expressions import RawSQL

from awn.core.text.arabic import SKELETON_MARK, search_query
from awn.core.text.arabizi import arabizi_search_query, arabizi_share

M = TypeVar("M", bound=Model)

MAX_TERMS = 8
ARABIZI_SHARE = 0.3  # share of Latin words that look like Arabizi from which a query is read as Arabizi
PREFIX_MIN = 3
# An Arabic term matches longer index terms only from this length: a short word is a whole word («مدرس» must not
# find «مدرسه», «هام» not «هامش»); inflections already meet through the stemmer.
ARABIC_PREFIX_MIN = 5
# Title (subject, name) matches weigh more than body matches.
_SQLITE_RANK = "-bm25(search_fts, 4.0, 1.0)"
_PG_VECTOR = "e.vector"  # stored generated column (migration 0002)
# Ranked searches rank the newest matches only: a common word matches tens of thousands of tickets, and
# ranking all of them is what made such a search slow. For a helpdesk the recent ones are what people seek.
RANK_CANDIDATES = 1000


def query_groups(query: str) -> list[tuple[str, ...]]:
    """Per query word, the index terms it may match (see `search_query`); a query written in Arabizi
    («7asan», «ba3d el e3timad») is read word by word in its likely Arabic spellings (`arabizi_search_query`)."""
    query = query or ""
    groups = arabizi_search_query(query) if arabizi_share(query) >= ARABIZI_SHARE else search_query(query)
    return list(dict.fromkeys(groups))[:MAX_TERMS]


def query_terms(query: str) -> list[str]:
    """The terms a query searches for: each word's own term (its alternatives are in `query_groups`)."""
    return [group[0] for group in query_groups(query)]


def _is_prefix_term(term: str) -> bool:
    if term.startswith(SKELETON_MARK):
        return False  # a consonant skeleton matches whole only
    arabic = "\u0621" <= term[0] <= "\u06d3"
    return len(term) >= (ARABIC_PREFIX_MIN if arabic else PREFIX_MIN)


def _match_expression(terms: list[tuple[str, ...]]) -> str:
    # Terms hold only letters and digits (see `tokenize`), so they need no escaping beyond quoting.
    if connection.vendor == "postgresql":
        groups = [" | ".join(f"{t}:*" if _is_prefix_term(t) else t for t in group) for group in terms]
        return " & ".join(f"({g})" if len(group) > 1 else g for g, group in zip(groups, terms, strict=True))
    groups = [" OR ".join(f'"{t}"*' if _is_prefix_term(t) else f'"{t}"' for t in group) for group in terms]
    return " AND ".join(f"({g})" if len(group) > 1 else g for g, group in zip(groups, terms, strict=True))


# A tsquery built by _match_expression: letters and digits, optional ":*", alternatives " | " in parentheses,
# joined by " & ". Nothing else can reach the SQL text (terms come from `tokenize`, which keeps only letters and
# digits); checked again here.
_TS_TERM = r"[^\W_]+(?::\*)?"
_TS_GROUP = rf"(?:{_TS_TERM}|\({_TS_TERM}(?: \| {_TS_TERM})+\))"
_SAFE_TSQUERY = re.compile(rf"{_TS_GROUP}(?: & {_TS_GROUP})*")


def _pg_tsquery(expression: str) -> str:
    """The tsquery as a literal in the SQL text, not a parameter.

    With PostgreSQL prepared statements (AWN_DB_PREPARED) a parameter lets the server switch to a generic plan
    that cannot see how rare the terms are: 103 ms instead of 34 ms for «المدرسه» at 100k tickets.
    """
    if not _SAFE_TSQUERY.fullmatch(expression):
        raise ValueError(f"unsafe search expression: {expression!r}")
    return f"to_tsquery('simple'::regconfig, '{expression}')"


def _matching_ids_sql(
    kind: str, terms: list[tuple[str, ...]], *, newest: int | None = None
) -> tuple[str, list[str]]:
    """Ids of the matching objects; with `newest`, only that many of the most recent (highest ids)."""
    expression = _match_expression(terms)
    bound = f" ORDER BY e.object_id DESC LIMIT {int(newest)}" if newest else ""
    if connection.vendor == "postgresql":
        sql = (
            "SELECT e.object_id FROM search_searchentry e "  # noqa: S608 - the tsquery is checked by _pg_tsquery
            f"WHERE e.kind = %s AND {_PG_VECTOR} @@ {_pg_tsquery(expression)}{bound}"
        )
        return sql, [kind]
    sql = (
        "SELECT e.object_id FROM search_fts JOIN search_searchentry e ON e.id = search_fts.rowid "  # noqa: S608 - constant SQL, values are parameters
        f"WHERE search_fts MATCH %s AND e.kind = %s{bound}"
    )
    return sql, [expression, kind]


def _rank_sql(kind: str, terms: list[tuple[str, ...]], table: str) -> tuple[str, list[str]]:
    expression = _match_expression(terms)
    outer = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name('id')}"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT ts_rank({_PG_VECTOR}, {_pg_tsquery(expression)}) FROM search_searchentry e "  # noqa: S608 - the tsquery is checked by _pg_tsquery
            f"WHERE e.kind = %s AND e.object_id = {outer}"
        )
        return sql, [kind]
    sql = (
        f"SELECT {_SQLITE_RANK} FROM search_fts WHERE search_fts MATCH %s AND search_fts.rowid = "  # noqa: S608 - constant SQL, values are parameters
        f"(SELECT e.id FROM search_searchentry e WHERE e.kind = %s AND e.object_id = {outer})"
    )
    return sql, [expression, kind]


def search_filter(qs: QuerySet[M], kind: str, query: str, *, ranked: bool = False) -> QuerySet[M]:
    """`qs` narrowed to objects whose indexed terms match `query`; none if the query has no terms.

    With `ranked`, rows carry `search_rank` (higher is better) for ordering.
    """
    terms = query_groups(query)
    if not terms:
        # Still ranked when asked, so a caller ordering by search_rank gets an empty page, not a FieldError.
        none = qs.none()
        return (
            cast(QuerySet[M], none.annotate(search_rank=Value(0.0, output_field=FloatField())))
            if ranked
            else none
        )
    sql, params = _matching_ids_sql(kind, terms, newest=RANK_CANDIDATES if ranked else None)
    qs = qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - terms are letters and digits only
    if ranked:
        rank_sql, rank_params = _rank_sql(kind, terms, qs.model._meta.db_table)
        rank = RawSQL(rank_sql, rank_params, output_field=FloatField())  # noqa: S611 - constant SQL
        qs = cast(QuerySet[M], qs.annotate(search_rank=rank))
    return qs


def search_ids(kind: str, query: str, *, limit: int = 50) -> list[int]:
    """Object ids matching `query`, best first (no permission filter: callers narrow them)."""
    terms = query_groups(query)
    if not terms:
        return []
    expression = _match_expression(terms)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT c.object_id FROM ("  # noqa: S608 - the tsquery is checked by _pg_tsquery
            f"SELECT e.object_id, e.vector FROM search_searchentry e WHERE e.kind = %s AND "
            f"{_PG_VECTOR} @@ {_pg_tsquery(expression)} ORDER BY e.object_id DESC LIMIT {RANK_CANDIDATES}"
            f") c ORDER BY ts_rank(c.vector, {_pg_tsquery(expression)}) DESC, c.object_id DESC LIMIT %s"
        )
        params: list[str | int] = [kind, limit]
    else:
        sql = (
            "SELECT e.object_id FROM search_fts JOIN search_searchentry e ON e.id = search_fts.rowid "  # noqa: S608 - constant SQL, values are parameters
            f"WHERE search_fts MATCH %s AND e.kind = %s ORDER BY {_SQLITE_RANK} DESC, e.object_id DESC LIMIT %s"
        )
        params = [expression, kind, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
