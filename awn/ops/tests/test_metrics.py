"""/metrics: who may read it, what it says (reference values from rows written here), its bounded queries, the
shipped alert rules, and the multi-process mode of several workers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "metrics-token-0123456789abcdef"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def token(settings: Any) -> str:
    settings.AWN_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client, token: str = TOKEN) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_anonymous_and_wrong_tokens_are_refused(world: Any, token: str) -> None:
    client = Client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"awn_" not in response.content


def test_no_token_configured_means_no_token_works(world: Any, settings: Any) -> None:
    settings.AWN_METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_guessing_the_token_is_rate_limited(world: Any, token: str) -> None:
    client = Client()
    codes = [client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer guess{i}").status_code for i in range(35)]
    assert codes[:30] == [401] * 30
    assert codes[-1] == 429


def test_supervisors_and_admins_may_read_it_with_their_session(world: Any, settings: Any) -> None:
    settings.AWN_METRICS_TOKEN = ""
    for user, code in (
        (world.admin, 200),
        (world.supervisor, 200),
        (world.agent, 401),
        (world.parent_user, 401),
    ):
        assert world.client_for(user).get("/metrics").status_code == code, user.username


def test_requests_are_counted_by_view_not_by_path(world: Any, client: Client, token: str) -> None:
    before = samples(scrape(client))
    key = ("awn_http_requests_total", (("method", "GET"), ("status", "2xx"), ("view", "ops:health")))
    for _ in range(3):
        client.get("/health")
    client.get("/no-such-page-123")
    text = scrape(client)
    assert samples(text)[key] - before.get(key, 0) == 3
    assert samples(text)[("awn_http_request_duration_seconds_count", (("view", "ops:health"),))] >= 3
    assert "/health" not in text
    assert "no-such-page-123" not in text
    assert 'view="<unresolved>"' in text


def test_awn_gauges_from_the_rows(world: Any, client: Client, token: str) -> None:
    from awn.connectors.models import InboundEvent, OutboundMessage
    from awn.connectors.services import inbox_save
    from awn.notifications.models import Notification
    from awn.tickets.models import Ticket

    now = timezone.now()
    email_ticket = world.ticket(channel="email")
    world.ticket(channel="email")
    world.ticket(channel="whatsapp")
    taken = world.ticket(channel="whatsapp")
    Ticket.objects.filter(pk=taken.pk).update(status="open")
    Ticket.objects.filter(pk=email_ticket.pk).update(created_at=now - timedelta(seconds=900))

    inbox = inbox_save(inbox=None, name="قناة", kind="fake", secrets={"signing_secret": "s"})
    first = InboundEvent.objects.create(inbox=inbox, external_id="1", payload={})
    InboundEvent.objects.create(inbox=inbox, external_id="2", payload={})
    InboundEvent.objects.create(inbox=inbox, external_id="3", payload={}, status="done")
    InboundEvent.objects.filter(pk=first.pk).update(received_at=now - timedelta(seconds=120))
    message = world.ticket().messages.get()
    OutboundMessage.objects.create(
        message=message, inbox=inbox, address="x", status="failed", next_attempt_at=now
    )
    for i, status in enumerate(("failed", "failed", "sent", "pending")):
        Notification.objects.create(
            to_email="p@example.sa", subject="s", body="b", status=status, dedupe_key=f"k{i}"
        )

    text = scrape(client)
    assert value(text, "awn_contacts_waiting", channel="email") == 2
    assert value(text, "awn_contacts_waiting", channel="whatsapp") == 1
    assert value(text, "awn_contacts_waiting", channel="telegram") == 0
    assert 899 <= value(text, "awn_contacts_waiting_oldest_seconds", channel="email") < 960
    assert value(text, "awn_contacts_waiting_oldest_seconds", channel="telegram") == 0
    assert value(text, "awn_inbound_events_pending") == 2
    assert 119 <= value(text, "awn_inbound_events_oldest_seconds") < 180
    assert value(text, "awn_outgoing_messages_failed") == 1
    assert value(text, "awn_notifications_failed") == 2
    assert value(text, "awn_notifications_pending") == 1
    assert 119 <= value(text, "awn_worker_lag_seconds", work="inbound_events") < 180
    assert value(text, "awn_dependency_up", check="database") == 1
    assert value(text, "awn_chat_queue_waiting") == 0
    for source in ("dependencies", "waiting_contacts", "channel_work", "assistant"):
        assert value(text, "awn_metrics_source_errors", source=source) == 0
    # Aggregates only: no name, address or subject of anyone.
    assert world.parent.name not in text
    assert "example.sa" not in text


def test_handoff_rate_from_the_assistants_decisions(world: Any, client: Client, token: str) -> None:
    from awn.assistant.models import FirstLineConversation

    assert value(scrape(client), "awn_assistant_handoff_ratio") == 0
    for state in ("handed_off", "solved", "solved", "solved", "answered"):
        FirstLineConversation.objects.create(ticket=world.ticket(), state=state)
    text = scrape(client)
    assert value(text, "awn_assistant_decisions") == 4
    assert value(text, "awn_assistant_handoff_ratio") == 0.25


def test_scrape_queries_do_not_grow_with_the_data(world: Any, client: Client, token: str) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            scrape(client)
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(15):
        world.ticket(channel="email")
    assert queries() == few
    assert few <= 18  # readiness (its savepoint, the statement timeout on PostgreSQL) 7-8, gauges 9


def test_a_failing_source_is_reported_and_the_rest_still_served(
    world: Any, client: Client, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awn.ops import metrics

    def broken(now: Any) -> Any:
        raise RuntimeError("boom")
        yield

    broken.__name__ = "assistant"
    monkeypatch.setattr(metrics, "SOURCES", (*metrics.SOURCES[:-1], broken))
    text = scrape(client)
    assert value(text, "awn_metrics_source_errors", source="assistant") == 1
    assert value(text, "awn_inbound_events_pending") == 0


ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "rate", "delta", "by", "and", "or", "le", "histogram_quantile", "clamp_min",
    "count", "increase", "without", "on", "unless",
}  # fmt: skip


def test_alert_rules_parse_and_name_only_exposed_metrics(world: Any, client: Client, token: str) -> None:
    client.get("/health")  # so the request histograms have a series
    exposed = {name for name, _ in samples(scrape(client))}
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 8
    names = set()
    for rule in alerts:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"]
        assert rule["alert"] not in names
        names.add(rule["alert"])
        expr = re.sub(r'"[^"]*"|\[[^\]]*\]', "", rule["expr"])
        metrics = {w for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr) if w.startswith("awn_")}
        assert metrics, rule["alert"]
        assert metrics <= exposed, (rule["alert"], metrics - exposed)
        assert expr.count("(") == expr.count(")"), rule["alert"]


def _run(code: str, env: dict[str, str]) -> str:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def test_multiprocess_mode_adds_up_every_workers_requests(tmp_path: Path) -> None:
    """Two worker processes answer requests; a scrape served by a third sees the sum."""
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "AWN_METRICS_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "AWN_VAR_DIR": str(tmp_path),
    }
    (tmp_path / "prom").mkdir()
    _run("import django; django.setup(); from django.core.management import call_command; "
         "call_command('migrate', verbosity=0)", env)  # fmt: skip
    serve = (
        "import django, sys; django.setup(); from django.test import Client; c = Client();"
        "[c.get('/health') for _ in range(int(sys.argv[1]))]"
    )
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", serve, str(n)],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
            cwd=ROOT,
        )
        for n in (3, 5)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    out = _run(
        "import django, json; django.setup(); from django.test import Client;"
        f"r = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer {TOKEN}');"
        "print(json.dumps(r.content.decode()))",
        env,
    )
    text = json.loads(out.strip().splitlines()[-1])
    assert value(text, "awn_http_requests_total", method="GET", status="2xx", view="ops:health") == 8
    assert value(text, "awn_contacts_waiting", channel="email") == 0


def test_an_invented_method_is_one_label_not_a_new_series(world: Any, client: Client, token: str) -> None:
    for method in ("BREW", "X-ANYTHING", "PROPFIND"):
        client.generic(method, "/health")
    text = scrape(client)
    assert value(text, "awn_http_requests_total", method="other", status="4xx", view="ops:health") >= 3
    assert "BREW" not in text and "PROPFIND" not in text
