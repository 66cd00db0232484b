"""Database sessions whose read (once per request of a signed-in user) is one prepared statement.

Django's `db` engine reads a session with `Session.objects.get(session_key=…, expire_date__gt=now)`: building
and compiling that queryset and building a model instance cost more CPU than the query itself (~0.3 ms of an
agent's ~4 ms queue page). This engine sends the same SQL text every time — the same row, the same expiry
rule, the same "unknown or expired key → a new key on save" — and reads only the data column. Writes, deletes
and `exists` stay Django's. Select it with SESSION_ENGINE = "awn.core.sessions" (config/settings.py does,
unless sessions are cached in Redis).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

_SELECT: dict[str, str] = {}  # per database alias: the statement, built once


class SessionStore(DatabaseSessionStore):
    def _select_sql(self, alias: str) -> str:
        sql = _SELECT.get(alias)
        if sql is None:
            quote = connections[alias].ops.quote_name
            meta = self.model._meta
            # Every name comes from the Session model's own metadata, quoted: nothing from the request.
            columns = {field.name: str(field.column) for field in meta.concrete_fields}
            data, key, expiry = (
                quote(columns[name]) for name in ("session_data", "session_key", "expire_date")
            )
            table = quote(meta.db_table)
            sql = _SELECT[alias] = f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608
        return sql

    def load(self) -> dict[str, Any]:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(self._select_sql(alias), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: an unknown or expired key is never reused
            return {}
        return dict(self.decode(row[0]))
