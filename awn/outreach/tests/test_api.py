"""The outreach API (/api/v1/outreach): segments with a preview before sending, campaigns created, launched and
paused, per-recipient statistics — through the same services and selectors as the workspace pages; supervisors
and admins only, a 404 for a missing object, rate limited, documented in the OpenAPI schema."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import Client
from ninja.throttling import SimpleRateThrottle

from awn.accounts.services import api_token_create
from awn.crm.models import Contact
from awn.knowledge.models import Article
from awn.outreach import selectors, services
from awn.outreach.enums import CampaignStatus, RecipientState
from awn.outreach.models import Campaign, Recipient, Segment

from .test_outreach import DAY, send_all

pytestmark = pytest.mark.django_db
API = "/api/v1/outreach"


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def bearer(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='test')[1]}")


def grade1(world: Any, client: Client) -> dict[str, Any]:
    body = {"name": "أولياء أمور الصف الأول", "audience": "parents", "school_id": world.school.pk, "grade": 1}
    response = post(client, f"{API}/segments", body)
    assert response.status_code == 201, response.content
    return cast(dict[str, Any], response.json())


def test_a_segment_its_preview_then_a_draft_campaign_launched_and_its_statistics(
    world: Any, grades: dict[str, Contact], guide: Article
) -> None:
    client = world.client_for(world.supervisor)
    segment = grade1(world, client)
    assert [s["id"] for s in client.get(f"{API}/segments").json()] == [segment["id"]]
    # The preview before anything is sent: what the workspace page shows (the same selector).
    preview = client.get(f"{API}/segments/{segment['id']}/preview").json()
    expected = selectors.segment_preview(Segment.objects.get(pk=segment["id"]))
    assert preview == {
        "segment_id": segment["id"],
        "matched": expected.matched,
        "opted_out": expected.opted_out,
        "unreachable": expected.unreachable,
        "reachable": expected.reachable,
        "per_channel": expected.per_channel,
    }
    assert preview["matched"] == 2 and preview["per_channel"] == {"email": 1} and preview["unreachable"] == 1
    # A draft: counted and checked, nothing sent, the sending rounds leave it.
    body = {"segment_id": segment["id"], "article_id": guide.external_id, "launch": False}
    created = post(client, f"{API}/campaigns", body)
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["status"], draft["total"], draft["matched"], draft["unreachable"]) == ("draft", 1, 2, 1)
    assert services.campaign_send_batch(draft["id"], now=DAY) == 0
    assert not Recipient.objects.filter(campaign_id=draft["id"], state=RecipientState.SENT).exists()
    launched = post(client, f"{API}/campaigns/{draft['id']}/launch")
    assert launched.status_code == 200 and launched.json()["status"] == "sending"
    send_all(Campaign.objects.get(pk=draft["id"]))
    detail = client.get(f"{API}/campaigns/{draft['id']}").json()
    assert detail["status"] == "done" and detail["stats"]["states"]["sent"] == 1
    assert detail["stats"] == selectors.campaign_stats(Campaign.objects.get(pk=draft["id"]))
    assert [c["id"] for c in client.get(f"{API}/campaigns").json()] == [draft["id"]]
    # Finished: nothing left to pause or launch.
    refused = post(client, f"{API}/campaigns/{draft['id']}/pause")
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "status"


def test_a_paused_campaign_sends_nothing_until_it_is_launched_again(
    world: Any, grades: dict[str, Contact], guide: Article
) -> None:
    client = bearer(world.admin)
    segment = grade1(world, client)
    campaign = post(
        client, f"{API}/campaigns", {"segment_id": segment["id"], "article_id": guide.external_id}
    )
    assert campaign.status_code == 201 and campaign.json()["status"] == "sending"
    campaign_id = campaign.json()["id"]
    paused = post(client, f"{API}/campaigns/{campaign_id}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == CampaignStatus.PAUSED
    assert services.campaign_send_batch(campaign_id, now=DAY) == 0
    assert services.campaigns_resume(now=DAY) == 0  # the sweep leaves it too
    assert not Recipient.objects.filter(campaign_id=campaign_id, state=RecipientState.SENT).exists()
    assert post(client, f"{API}/campaigns/{campaign_id}/launch").json()["status"] == "sending"
    send_all(Campaign.objects.get(pk=campaign_id))
    assert Recipient.objects.filter(campaign_id=campaign_id, state=RecipientState.SENT).count() == 1


def test_refusals_come_before_anything_is_written(world: Any, guide: Article) -> None:
    client = world.client_for(world.supervisor)
    nobody = post(client, f"{API}/segments", {"name": "لا أحد", "event_type": "never_happens"}).json()
    response = post(client, f"{API}/campaigns", {"segment_id": nobody["id"], "article_id": guide.external_id})
    assert response.status_code == 400
    assert (
        response.json()["error"]["message_en"] == "This segment matches nobody right now. Nothing was sent."
    )
    assert not Campaign.objects.exists()
    everyone = post(client, f"{API}/segments", {"name": "الجميع"})
    assert everyone.status_code == 400 and everyone.json()["error"]["field"] == "name"


def test_supervisors_and_admins_only_and_404_for_what_is_not_there(world: Any, guide: Article) -> None:
    assert Client().get(f"{API}/segments").status_code == 401
    for user in (world.agent, world.vendor_agent, world.parent_user):
        assert bearer(user).get(f"{API}/campaigns").status_code == 403
        assert post(world.client_for(user), f"{API}/segments", {"name": "x", "grade": 1}).status_code == 403
    assert not Segment.objects.exists()
    client = world.client_for(world.supervisor)
    assert client.get(f"{API}/campaigns/999999").status_code == 404
    assert post(client, f"{API}/campaigns/999999/pause").status_code == 404
    assert client.get(f"{API}/segments/999999/preview").status_code == 404
    assert post(client, f"{API}/segments", {"name": "x", "school_id": 999999}).status_code == 404
    segment = post(client, f"{API}/segments", {"name": "س", "grade": 1}).json()
    missing = {"segment_id": segment["id"], "article_id": "kb-404"}
    assert post(client, f"{API}/campaigns", missing).status_code == 404
    assert (
        post(client, f"{API}/campaigns", {"segment_id": 999999, "article_id": guide.external_id}).status_code
        == 404
    )


def test_outreach_calls_are_rate_limited(world: Any) -> None:
    from config.api import api

    throttle = cast(list[SimpleRateThrottle], api.throttle)[0]
    old_rate, old_parsed = throttle.rate, (throttle.num_requests, throttle.duration)
    throttle.rate, throttle.num_requests, throttle.duration = "2/m", 2, 60
    try:
        client = bearer(world.supervisor)
        assert [client.get(f"{API}/segments").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        throttle.rate, (throttle.num_requests, throttle.duration) = old_rate, old_parsed


def test_the_openapi_schema_documents_every_outreach_operation(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    operations = {
        (method.upper(), path) for path, ops in paths.items() if path.startswith(f"{API}/") for method in ops
    }
    assert operations == {
        ("GET", f"{API}/segments"),
        ("POST", f"{API}/segments"),
        ("GET", f"{API}/segments/{{segment_id}}/preview"),
        ("GET", f"{API}/campaigns"),
        ("POST", f"{API}/campaigns"),
        ("GET", f"{API}/campaigns/{{campaign_id}}"),
        ("POST", f"{API}/campaigns/{{campaign_id}}/launch"),
        ("POST", f"{API}/campaigns/{{campaign_id}}/pause"),
    }
    for method, path in operations:
        operation = paths[path][method.lower()]
        assert operation["tags"] == ["outreach"] and operation["summary"]
        assert {"401", "403", "429"} <= set(map(str, operation["responses"]))
        if "{" in path or method == "POST":
            assert "404" in set(map(str, operation["responses"]))
    assert "201" in set(map(str, paths[f"{API}/campaigns"]["post"]["responses"]))
    campaign = schema["components"]["schemas"]["CampaignOut"]["properties"]
    assert {"status", "total", "matched", "opted_out", "unreachable", "stats"} <= set(campaign)


def test_the_workspace_page_launches_and_pauses_with_the_same_services(
    world: Any, grades: dict[str, Contact], guide: Article
) -> None:
    segment = services.segment_create(
        actor=world.supervisor, name="الصف الأول", audience="parents", school=world.school, grade=1
    )
    draft = services.campaign_create(actor=world.supervisor, segment=segment, article=guide, launch=False)
    page = f"/workspace/outreach/campaigns/{draft.pk}/"
    client = world.client_for(world.supervisor)
    assert 'data-testid="campaign-launch"' in client.get(page).content.decode()
    assert client.post(f"{page}launch/").status_code == 302
    assert Campaign.objects.get(pk=draft.pk).status == CampaignStatus.SENDING
    shown = client.get(page).content.decode()
    assert 'data-testid="campaign-pause"' in shown and "بدأ الإرسال." in shown
    assert client.post(f"{page}pause/").status_code == 302
    assert Campaign.objects.get(pk=draft.pk).status == CampaignStatus.PAUSED
    assert "استئناف الإرسال" in client.get(page).content.decode()
    assert world.client_for(world.agent).post(f"{page}launch/").status_code == 404
    assert Campaign.objects.get(pk=draft.pk).status == CampaignStatus.PAUSED
    assert client.post("/workspace/outreach/campaigns/999999/pause/").status_code == 404
    assert client.get(f"{page}pause/").status_code == 405


def test_pages_are_bounded(world: Any) -> None:
    client = world.client_for(world.supervisor)
    for query in ("limit=0", "limit=201", "offset=-1", "offset=100001", "offset=9223372036854775808"):
        assert client.get(f"{API}/campaigns?{query}").status_code == 422, query
        assert client.get(f"{API}/segments?{query}").status_code == 422, query
    assert client.get(f"{API}/segments?limit=200&offset=100000").json() == []
