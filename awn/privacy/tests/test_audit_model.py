"""The access audit is append-only: Python and the database both refuse to change or delete a row."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from awn.core.errors import ValidationError
from awn.privacy.enums import AccessAction, ObjectKind
from awn.privacy.models import AccessRecord, AppendOnlyError, ErasureRecord
from awn.privacy.services import Access, record_access, record_request_accesses


def _record(world, **kw):
    values = {
        "actor": world.agent,
        "action": AccessAction.VIEW,
        "object_kind": ObjectKind.CONTACT,
        "object_id": world.child.pk,
        "subject_id": world.child.pk,
    }
    values.update(kw)
    return record_access(**values)


def test_record_access_keeps_who_what_when_where_why(world):
    row = _record(
        world, action=AccessAction.UNMASK, reason="  المتصل   طلب التحقق من الهوية ", address="10.1.2.3"
    )
    row = AccessRecord.objects.get(pk=row.pk)
    assert row.actor_id == world.agent.pk and row.actor_role == "agent"
    assert (row.action, row.object_kind, row.object_id, row.subject_id) == (
        "unmask",
        "contact",
        world.child.pk,
        world.child.pk,
    )
    assert row.reason == "المتصل طلب التحقق من الهوية"  # whitespace folded
    assert row.address == "10.1.2.3" and row.at is not None


def test_unmask_without_a_reason_is_refused_and_writes_nothing(world):
    for reason in ("", "   ", "ok"):
        with pytest.raises(ValidationError) as exc:
            _record(world, action=AccessAction.UNMASK, reason=reason)
        assert exc.value.field == "reason"
    with pytest.raises(ValidationError):
        _record(world, action=AccessAction.UNMASK, reason="x" * 501)
    with pytest.raises(ValidationError):
        _record(world, action="peek")
    assert AccessRecord.objects.count() == 0


def test_one_request_many_accesses_one_insert(world, django_assert_num_queries):
    request = RequestFactory().get("/x", REMOTE_ADDR="192.0.2.7", HTTP_X_REQUEST_ID="req-42<script>")
    request.user = world.supervisor
    accesses = [Access(AccessAction.VIEW, ObjectKind.TICKET, 9, world.child.pk)] * 3
    with django_assert_num_queries(1):  # one INSERT (no savepoint on a bulk_create inside atomic)
        rows = record_request_accesses(request, *accesses)
    assert len(rows) == 3
    stored = list(
        AccessRecord.objects.order_by().values_list("address", "request_id", "actor_role").distinct()
    )
    assert stored == [("192.0.2.7", "req-42script", "supervisor")]


def test_python_refuses_update_and_delete(world):
    row = _record(world)
    row.reason = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=row.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()
    assert AccessRecord.objects.get(pk=row.pk).reason == ""


def test_the_database_refuses_update_by_raw_sql(world):
    row = _record(world)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_accessrecord SET reason = 'forged' WHERE id = %s", [row.pk])
    assert AccessRecord.objects.get(pk=row.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's")
def test_postgresql_refuses_delete_by_raw_sql(world):
    row = _record(world)
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_accessrecord WHERE id = %s", [row.pk])
    assert "append-only" in str(exc.value)
    assert (
        getattr(exc.value.__cause__, "sqlstate", None) == "42501"
    )  # insufficient_privilege: "permission denied" (S11)
    assert AccessRecord.objects.filter(pk=row.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are checked on PostgreSQL")
def test_postgresql_refuses_changing_the_erasure_ledger(world):
    ledger = ErasureRecord.objects.create(actor=world.admin, subject_id=world.child.pk, fingerprints=["x"])
    for sql in (
        "UPDATE privacy_erasurerecord SET fingerprints = '[]' WHERE id = %s",
        "DELETE FROM privacy_erasurerecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [ledger.pk])
    assert ErasureRecord.objects.get(pk=ledger.pk).fingerprints == ["x"]
