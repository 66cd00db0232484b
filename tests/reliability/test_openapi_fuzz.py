"""P1 (../shared/RELIABILITY.md): every operation of the OpenAPI schema documents the answers it can give."""

from __future__ import annotations

from typing import Any

import pytest

from awn.accounts.services import api_token_create

SCHEMA_PATH = "/api/v1/openapi.json"


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
