"""Django's ModelBackend, with the signed-in user (and their team) read by one prepared statement.

Every request of a signed-in user loads them: `User.objects.get(pk=…)` spends ~0.2 ms of CPU building and
compiling the query, more than reading the row (~0.05 ms here), and an agent in a team paid one more query on
every page for `user.team` (what they may see depends on it: `covered_categories`). `get_user` sends the same
SQL text every time, the user's row joined to their team's, and builds both exactly as the ORM does
(`Model.from_db`, with the database's converters), the team cached on the user as `select_related` would.
Nothing is kept between requests: both rows are read afresh each time. Whether the user may sign in
(`is_active`), and everything `django.contrib.auth.get_user` checks after it (the session's password hash,
fallback secrets), is unchanged.

config/settings.py lists this backend first and Django's ModelBackend second, so sessions signed in before
still resolve. A wrong password is settled here (PermissionDenied ends Django's loop, as a failed sign-in does
with one backend): the second backend never hashes the same password again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import connections, router
from django.db.models import ForeignKey, Model
from django.http import HttpRequest

RELATED = "team"  # the user's foreign key read with them (skipped if the user model has none by that name)
Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Plan:
    sql: str
    user_attnames: list[str]
    related: ForeignKey[Any, Any] | None
    related_attnames: list[str]
    related_pk: int  # index of the joined row's primary key in the whole row (NULL: no related row)
    converters: list[tuple[int, list[Converter], Any]]  # column index, converters, the column expression


_PLANS: dict[str, _Plan] = {}  # per database alias, built once


def _plan(alias: str) -> _Plan:
    plan = _PLANS.get(alias)
    if plan is not None:
        return plan
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_meta = get_user_model()._meta
    try:
        related = user_meta.get_field(RELATED)
    except FieldDoesNotExist:
        related = None
    fk = related if isinstance(related, ForeignKey) else None
    columns: list[tuple[str, Any]] = [("u", field) for field in user_meta.concrete_fields]
    join = ""
    if fk is not None:
        target = fk.related_model._meta
        columns += [("r", field) for field in target.concrete_fields]
        join = (
            f" LEFT OUTER JOIN {quote(target.db_table)} r"
            f" ON r.{quote(str(fk.target_field.column))} = u.{quote(str(fk.column))}"
        )
    select = ", ".join(f"{table}.{quote(str(field.column))}" for table, field in columns)
    pk = user_meta.pk
    assert pk is not None
    # Every name comes from the models' own metadata, quoted: nothing from the request.
    sql = f"SELECT {select} FROM {quote(user_meta.db_table)} u{join} WHERE u.{quote(str(pk.column))} = %s"  # noqa: S608
    converters = []
    for index, (table, field) in enumerate(columns):
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    user_count = len(user_meta.concrete_fields)
    related_pk = next((i for i, (t, field) in enumerate(columns) if t == "r" and field.primary_key), -1)
    plan = _PLANS[alias] = _Plan(
        sql=sql,
        user_attnames=[field.attname for _table, field in columns[:user_count]],
        related=fk,
        related_attnames=[field.attname for _table, field in columns[user_count:]],
        related_pk=related_pk,
        converters=converters,
    )
    return plan


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        alias = router.db_for_read(model)
        connection = connections[alias]
        plan = _plan(alias)
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, functions, column in plan.converters:
            for convert in functions:
                values[index] = convert(values[index], column, connection)
        user_count = len(plan.user_attnames)
        user = model.from_db(alias, plan.user_attnames, values[:user_count])
        if plan.related is not None and values[plan.related_pk] is not None:
            related_model: type[Model] = plan.related.related_model
            related = related_model.from_db(alias, plan.related_attnames, values[user_count:])
            plan.related.set_cached_value(user, related)
        return user if self.user_can_authenticate(user) else None

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if user is None and name is not None and password is not None:
            raise PermissionDenied  # a failed sign-in, settled: the next backend would hash the password again
        return user
