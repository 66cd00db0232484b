"""P1 (../shared/RELIABILITY.md): schemathesis over the OpenAPI schema, in process, with 0 failures.

Every operation of /api/v1/openapi.json is called through the WSGI application (no server, no network) with a
staff token and a customer token. Each response must not be a 5xx, must carry a status code and a content type
the schema declares, and must match the declared body schema. Generation is derandomized and bounded, so CI sees
the same cases every run (`AWN_FUZZ_EXAMPLES` raises the bound for a longer local run).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings

from awn.accounts.services import api_token_create

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES_PER_OPERATION = int(os.environ.get("AWN_FUZZ_EXAMPLES", "8"))
SCHEMA_PATH = "/api/v1/openapi.json"
# The same cases every run, no example database, no time limit per case (the app's first request warms caches).
BOUNDED: dict[str, Any] = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": list(HealthCheck),
}


def _checks() -> list[Callable[..., Any]]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


@dataclass
class FuzzReport:
    operations: set[str] = field(default_factory=set)
    examples: int = 0
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def record(self, caller: str, label: str, exc: BaseException) -> None:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        self.failures.setdefault((caller, label, first_line[:160]), str(exc)[:2000])


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    # As Django's test client does: a request must not close the connection that holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fuzzer sends hundreds of requests a minute; rate limiting has its own tests (tests/test_error_shapes.py).
    from ninja.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request: True)


def _fuzz_operation(
    operation: Any,
    headers: dict[str, str],
    caller: str,
    report: FuzzReport,
    examples: int = EXAMPLES_PER_OPERATION,
    **strategy: Any,
) -> None:
    label = operation.label
    checks = _checks()

    @hypothesis_settings(max_examples=examples, **BOUNDED)
    @given(case=operation.as_strategy(**strategy))
    def run(case: Any) -> None:
        report.examples += 1
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
            report.record(caller, label, exc)

    run()
    report.operations.add(label)


def _known_path_parameters(operation: Any, known_ids: dict[str, int]) -> dict[str, int] | None:
    """Ids of rows that exist, for an operation whose every path parameter names one (else None)."""
    names = re.findall(r"{(\w+)}", operation.path)
    if not names or any(name not in known_ids for name in names):
        return None
    return {name: known_ids[name] for name in names}


@pytest.mark.django_db
def test_every_operation_answers_as_its_schema_declares(
    world: Any, in_process_requests: None, unthrottled: None
) -> None:
    from schemathesis import GenerationMode

    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
    # Staff (a supervisor reaches every router, incidents included) and a parent, each with an API token.
    tokens = {
        "staff": api_token_create(user=world.supervisor, name="fuzz")[1],
        "customer": api_token_create(user=world.parent_user, name="fuzz")[1],
    }
    # Random ids mostly reach "not found": a second pass aims at rows the parent may see.
    known_ids = {"ticket_id": world.ticket().pk, "contact_id": world.parent.pk}
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        for caller, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            _fuzz_operation(operation, headers, caller, report)
            # Invalid input must be refused with a documented 4xx, never a 500 (half as many examples).
            negative = max(1, EXAMPLES_PER_OPERATION // 2)
            _fuzz_operation(
                operation, headers, caller, report, negative, generation_mode=GenerationMode.NEGATIVE
            )
            path_parameters = _known_path_parameters(operation, known_ids)
            if path_parameters:
                _fuzz_operation(operation, headers, caller, report, path_parameters=path_parameters)

    summary = (
        f"{len(report.operations)} operations, {report.examples} examples, {len(report.failures)} failures"
    )
    print(summary)
    assert not report.failures, (
        summary
        + "\n\n"
        + "\n\n".join(
            f"[{caller}] {label}\n{text}" for (caller, label, _), text in sorted(report.failures.items())
        )
    )


# --- regressions for what the fuzzer found -------------------------------------------------------------------


def _openapi(client: Any) -> dict[str, Any]:
    response = client.get(SCHEMA_PATH)
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.django_db
def test_a_customer_refused_a_staff_operation_gets_a_documented_403(world: Any, client: Any) -> None:
    # Found: GET /routing/waits (and 12 other operations of routing, me, automation and incidents) declared only
    # their success status, so a refusal (403), an unknown id (404) or a bad body (400) was undocumented.
    token = api_token_create(user=world.parent_user, name="fuzz")[1]
    response = client.get("/api/v1/routing/waits", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    declared = _openapi(client)["paths"]["/api/v1/routing/waits"]["get"]["responses"]
    assert {"200", "401", "403", "429"} <= set(declared)
    assert "404" not in declared and "413" not in declared  # it reads no input


@pytest.mark.django_db
def test_a_query_naming_an_unknown_ticket_gets_a_documented_404(world: Any, client: Any) -> None:
    # Found: GET /automation/canned-responses?ticket=-190245 answered 404, which the operation did not declare.
    token = api_token_create(user=world.agent, name="fuzz")[1]
    response = client.get(
        "/api/v1/automation/canned-responses",
        {"ticket": -190245},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404
    declared = _openapi(client)["paths"]["/api/v1/automation/canned-responses"]["get"]["responses"]
    assert "404" in declared


@pytest.mark.django_db
def test_every_operation_documents_the_error_envelope(client: Any) -> None:
    schema = _openapi(client)
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("401", "403", "429"):
                assert status in responses, (method, path, status)
            if operation.get("requestBody"):
                for status in ("400", "404", "413", "422"):
                    assert status in responses, (method, path, status)
            if "{" in path:
                assert "404" in responses, (method, path)
            # The envelope of config/api.py, not a bare string
            assert responses["403"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }
