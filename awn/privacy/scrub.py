"""Erase a person's identifiers from every table: the sweep behind an erasure on request (issue 15, item 4;
RELIABILITY S12).

The domains first anonymize what they know is the person's (crm: the contact; tickets: their messages and files;
connectors: their channel identities). This sweep then replaces every remaining occurrence of the identifiers in
every text and JSON column of every table Awn's models own — raw provider payloads, outbox rows, search entries,
audit trails of tickets — with asterisks of the same length (a column never overflows). It reads the tables from
the model registry, not by importing the apps: privacy sits below them.

Legal-hold tables are left as they are: the access audit and the erasure ledger (they hold no national id, phone or
email of their own), the administration's audit, and any table whose database refuses the update (another append-only audit): those are
reported, not changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, models, transaction

logger = logging.getLogger(__name__)

# The audits: this app's access audit and erasure ledger, and the administration's audit (accounts, once it has
# one): rows that are only ever added, kept as evidence.
LEGAL_HOLD_TABLES = frozenset(
    {"privacy_accessrecord", "privacy_erasurerecord", "accounts_adminauditentry", "django_migrations"}
)
MIN_LENGTH = 4  # shorter values (a two-letter name) would wipe unrelated text


@dataclass
class ScrubReport:
    rows_changed: int = 0
    held_tables: list[str] = field(default_factory=list)


def _columns(keep_tables: frozenset[str]) -> Iterable[tuple[str, str, str, bool]]:
    """(table, column, primary key column, is_json) for every text-like column of every concrete model."""
    seen: set[tuple[str, str]] = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in LEGAL_HOLD_TABLES | keep_tables:
            continue
        pk = meta.pk
        if pk is None:
            continue
        for f in meta.local_concrete_fields:
            is_json = isinstance(f, models.JSONField)
            if not (is_json or isinstance(f, models.CharField | models.TextField)):
                continue
            if f.column is None or pk.column is None:
                continue
            key = (meta.db_table, f.column)
            if key in seen:
                continue
            seen.add(key)
            yield meta.db_table, f.column, pk.column, is_json


def _mask(value: str) -> str:
    return "*" * len(value)


def _replace_in(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, _mask(needle))
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        text = str(value)
        return _mask(text) if text in needles else value
    if isinstance(value, list):
        return [_replace_in(v, needles) for v in value]
    if isinstance(value, dict):
        return {_replace_in(k, needles): _replace_in(v, needles) for k, v in value.items()}
    return value


def _scrub_text(table: str, column: str, needles: list[str]) -> int:
    """One UPDATE a column, whatever the number of values: nested REPLACE over the rows that hold any."""
    qn = connection.ops.quote_name
    t, c = qn(table), qn(column)
    position = "strpos" if connection.vendor == "postgresql" else "instr"
    expression = c
    for _needle in needles:
        expression = f"REPLACE({expression}, %s, %s)"
    where = " OR ".join(f"{position}({c}, %s) > 0" for _needle in needles)
    params: list[str] = []
    for needle in needles:
        params += [needle, _mask(needle)]
    params += needles
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {t} SET {c} = {expression} WHERE {where}", params)  # noqa: S608
        return max(cursor.rowcount, 0)


def _json_rows(table: str, column: str, pk: str, needle: str) -> list[tuple[Any, Any]]:
    qn = connection.ops.quote_name
    t, c, p = qn(table), qn(column), qn(pk)
    if connection.vendor == "postgresql":
        sql = f"SELECT {p}, {c} FROM {t} WHERE strpos({c}::text, %s) > 0"  # noqa: S608
    else:
        sql = f"SELECT {p}, {c} FROM {t} WHERE instr({c}, %s) > 0"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [needle])
        return list(cursor.fetchall())


def _scrub_json(table: str, column: str, pk: str, needles: list[str]) -> int:
    qn = connection.ops.quote_name
    changed: dict[Any, Any] = {}
    for needle in needles:
        for key, raw in _json_rows(table, column, pk, needle):
            value = changed.get(key, json.loads(raw) if isinstance(raw, str | bytes) else raw)
            changed[key] = _replace_in(value, needles)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    sql = f"UPDATE {qn(table)} SET {qn(column)} = %s{cast} WHERE {qn(pk)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for key, value in changed.items():
            cursor.execute(sql, [json.dumps(value, ensure_ascii=False), key])
    return len(changed)


def identifier_needles(values: Iterable[str]) -> list[str]:
    """The values worth looking for, longest first (a phone's local form inside its international one)."""
    unique = {v.strip() for v in values if v and len(v.strip()) >= MIN_LENGTH}
    return sorted(unique, key=lambda v: (-len(v), v))


def scrub_everywhere(values: Iterable[str], *, keep_tables: Iterable[str] = ()) -> ScrubReport:
    """Replace every occurrence of `values` in every text and JSON column outside the legal-hold tables (and
    `keep_tables`, which the caller has dealt with itself). Runs inside the caller's transaction; each table in its
    own savepoint, so one table that refuses does not undo the others."""
    needles = identifier_needles(values)
    report = ScrubReport()
    if not needles:
        return report
    for table, column, pk, is_json in _columns(frozenset(keep_tables)):
        try:
            with transaction.atomic():
                if is_json:
                    report.rows_changed += _scrub_json(table, column, pk, needles)
                    continue
                report.rows_changed += _scrub_text(table, column, needles)
        except DatabaseError:
            logger.warning("erasure: %s.%s refused the update; left as a legal-hold table", table, column)
            if table not in report.held_tables:
                report.held_tables.append(table)
    _compact_full_text_indexes()
    return report


def _compact_full_text_indexes() -> None:
    """SQLite FTS5 keeps deleted terms in its segments until they are merged: merge them now, so the index no
    longer holds the erased values (PostgreSQL's GIN index is not part of a dump and is cleaned by VACUUM)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
        )
        for (name,) in cursor.fetchall():
            qn = connection.ops.quote_name(name)
            cursor.execute(f"INSERT INTO {qn}({qn}) VALUES ('optimize')")  # noqa: S608
