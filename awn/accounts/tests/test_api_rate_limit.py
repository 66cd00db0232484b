from __future__ import annotations

from typing import cast

from django.test import Client
from ninja.throttling import SimpleRateThrottle

from awn.accounts.services import api_token_create


def test_api_calls_past_the_rate_get_429_with_a_bilingual_reason(world):
    from config.api import api

    throttles = cast(list[SimpleRateThrottle], api.throttle)
    throttle = throttles[0]  # the per-user throttle, configured from AWN_API_RATE
    old_rate, old_parsed = throttle.rate, (throttle.num_requests, throttle.duration)
    throttle.rate, throttle.num_requests, throttle.duration = "3/m", 3, 60
    try:
        _, key = api_token_create(user=world.agent, name="test")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        statuses = [client.get("/api/v1/tickets/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/tickets/")
        body = response.json()["error"]
        assert body["code"] == "rate_limited" and body["message_ar"] != body["message_en"]
        assert int(response["Retry-After"]) >= 1
        other = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.supervisor, name='t')[1]}")
        assert other.get("/api/v1/tickets/").status_code == 200
    finally:
        throttle.rate, (throttle.num_requests, throttle.duration) = old_rate, old_parsed


def test_anonymous_api_calls_are_refused_with_401(db):
    assert Client().get("/api/v1/tickets/").status_code == 401
