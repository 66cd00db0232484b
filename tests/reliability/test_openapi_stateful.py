"""P1 (../shared/RELIABILITY.md), stateful: schemathesis chains the API's operations with the links it infers from
the schema (a ticket created by POST /tickets is then read, patched, rated, linked, merged, triaged; an incident
created is then linked, ended, broadcast; a canned response created is deleted), with 0 failures.

Each scenario is a sequence of calls through the WSGI application (no server, no network) with one caller's token;
every response must not be a 5xx, must carry a status code and a content type the schema declares, and must match
the declared body. Derandomized and bounded so CI sees the same scenarios each run: `AWN_FUZZ_SCENARIOS` (default
8) scenarios of up to `AWN_FUZZ_STEPS` (default 6) calls per caller; a longer local run raises both.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from awn.accounts.services import api_token_create

from .test_openapi_fuzz import BOUNDED, SCHEMA_PATH, FuzzReport, _checks, in_process_requests, unthrottled

schemathesis = pytest.importorskip("schemathesis")

SCENARIOS = int(os.environ.get("AWN_FUZZ_SCENARIOS", "8"))
STEPS = int(os.environ.get("AWN_FUZZ_STEPS", "6"))

__all__ = ["in_process_requests", "unthrottled"]  # fixtures, used by name below


def _workflow(machine: Any, token: str, caller: str, report: FuzzReport, reached: dict[str, int]) -> Any:
    """The schema's state machine, calling with `token` and recording each failed check instead of stopping."""
    checks = _checks()

    class Workflow(machine):
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            report.examples += 1
            report.operations.add(case.operation.label)
            if "{" in case.operation.path and response.status_code < 300:
                reached[caller] = reached.get(caller, 0) + 1
            try:
                case.validate_response(response, checks=checks, transport_kwargs=kwargs)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
                report.record(caller, case.operation.label, exc)

    return Workflow


def _links(machine: Any) -> int:
    return sum(1 for name in vars(machine) if "___" in name and not name.startswith("RANDOM__"))


@pytest.mark.django_db
def test_chained_operations_answer_as_the_schema_declares(
    world: Any, in_process_requests: None, unthrottled: None
) -> None:
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
    # Without inferred links the stateful phase tests nothing: fail loudly if the schema stops offering them.
    machine = schema.as_state_machine()
    assert _links(machine) >= 50
    tokens = {
        "staff": api_token_create(user=world.supervisor, name="fuzz")[1],
        "customer": api_token_create(user=world.parent_user, name="fuzz")[1],
    }
    report = FuzzReport()
    reached: dict[str, int] = {}  # successful calls of an operation on a row: ids that came from a link
    for caller, token in tokens.items():
        _workflow(machine, token, caller, report, reached).run(
            settings=hypothesis_settings(max_examples=SCENARIOS, stateful_step_count=STEPS, **BOUNDED)
        )
    summary = (
        f"{len(report.operations)} operations, {report.examples} calls, {reached} reached a row through a link, "
        f"{len(report.failures)} failures"
    )
    print(summary)
    assert reached.get("staff", 0) >= 1, summary  # the chains reached rows, not only random ids
    assert not report.failures, (
        summary
        + "\n\n"
        + "\n\n".join(
            f"[{caller}] {label}\n{text}" for (caller, label, _), text in sorted(report.failures.items())
        )
    )
