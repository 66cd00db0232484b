"""The reports' replica router: only a report request's reads, outside a transaction, go to `reports`."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import RequestFactory, override_settings

from awn.analytics.models import TicketFact
from awn.ops.replica import ReportsReplicaRouter, is_report_request, reading_reports, reports_middleware_scope
from awn.tickets.models import Ticket

REPLICA = {"NAME": "replica", "ENGINE": "django.db.backends.sqlite3"}


def _databases_with_replica() -> dict[str, dict[str, str]]:
    from django.conf import settings

    return {**settings.DATABASES, "reports": REPLICA}


def test_without_a_replica_the_router_has_no_opinion() -> None:
    router = ReportsReplicaRouter()
    with reading_reports():
        assert router.db_for_read(TicketFact) is None


def test_a_report_read_goes_to_the_replica_and_writes_stay_on_the_primary() -> None:
    router = ReportsReplicaRouter()
    with override_settings(DATABASES=_databases_with_replica()):
        assert router.db_for_read(TicketFact) is None  # not in a report request
        with reading_reports():
            assert router.db_for_read(TicketFact) == "reports"
            assert router.db_for_read(Ticket) == "reports"
            assert router.db_for_write(TicketFact) == "default"
        assert router.allow_migrate("reports", "analytics") is False
        assert router.allow_migrate("default", "analytics") is None


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary() -> None:
    router = ReportsReplicaRouter()
    with override_settings(DATABASES=_databases_with_replica()), reading_reports(), transaction.atomic():
        assert router.db_for_read(TicketFact) is None


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/workspace/analytics/", True),
        ("GET", "/workspace/analytics/export/volume.csv", True),
        ("HEAD", "/workspace/analytics/tickets/", True),
        ("POST", "/workspace/analytics/", False),
        ("GET", "/workspace/", False),
        ("GET", "/workspace/analyticsx", False),
    ],
)
def test_which_requests_are_reports(method: str, path: str, expected: bool) -> None:
    request = RequestFactory().generic(method, path)
    assert is_report_request(request) is expected


def test_the_middleware_scope_is_active_only_during_a_report_request() -> None:
    router = ReportsReplicaRouter()
    seen: list[str | None] = []
    with override_settings(DATABASES=_databases_with_replica()):
        reports_middleware_scope(
            RequestFactory().get("/workspace/analytics/"), lambda: seen.append(router.db_for_read(TicketFact))
        )
        reports_middleware_scope(
            RequestFactory().get("/workspace/"), lambda: seen.append(router.db_for_read(TicketFact))
        )
        seen.append(router.db_for_read(TicketFact))
    assert seen == ["reports", None, None]
