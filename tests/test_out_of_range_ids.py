"""No id or integer parameter on any page or API gives a 500: every route of the URL configuration and every
operation of the OpenAPI schema is called with out-of-range, negative and non-numeric values, as a signed-in
admin (who may reach every page) and anonymously."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

TOO_BIG = "9223372036854775808"  # 2^63, one past a bigint
HUGE = "99999999999999999999"
BAD_VALUES = (TOO_BIG, HUGE, "-1", "0", "abc", "1e3")
INTEGER_QUERY_PARAMETERS = (
    "team",
    "assignee",
    "page",
    "after",
    "requester",
    "contact",
    "ticket",
    "id",
    "year",
)


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if pattern.startswith("api/v1/"):
                continue  # the API is walked through its schema below
            yield from _routes(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern


def _with(pattern: str, value: str) -> str | None:
    """The route with every converter filled with `value`; None when it has no id or int converter."""
    if not re.search(r"<(?:id|int):\w+>", pattern):
        return None
    path = re.sub(r"<(?:id|int):\w+>", value, pattern)
    path = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", path)
    path = re.sub(r"<(?:str|slug|path)?:?\w+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$")


def _assert_no_server_error(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} → {response.status_code}"


@pytest.fixture
def clients(world: Any) -> list[tuple[str, Client]]:
    return [("admin", world.client_for(world.admin)), ("anonymous", Client())]


def test_every_route_with_an_id_refuses_impossible_ids(clients: list[tuple[str, Client]]) -> None:
    routes = [r for r in _routes(get_resolver()) if re.search(r"<(?:id|int):\w+>", r)]
    assert len(routes) >= 25  # the walk found the routes (a broken walk must not pass silently)
    for who, client in clients:
        for route in routes:
            for value in BAD_VALUES:
                path = _with(route, value)
                assert path is not None
                _assert_no_server_error(client.get(path), f"{who} GET {path}")
                _assert_no_server_error(client.post(path, {}), f"{who} POST {path}")


def test_every_page_ignores_or_refuses_out_of_range_query_integers(clients: list[tuple[str, Client]]) -> None:
    pages = [r for r in _routes(get_resolver()) if not re.search(r"<", r)]
    assert len(pages) >= 20
    for who, client in clients:
        for route in pages:
            base = "/" + route.lstrip("^").rstrip("$")
            for value in (TOO_BIG, "-1", "abc"):
                query = "&".join(f"{name}={value}" for name in INTEGER_QUERY_PARAMETERS)
                _assert_no_server_error(client.get(f"{base}?{query}"), f"{who} GET {base}?{query}")


def test_the_bulk_action_refuses_an_id_past_a_bigint(world: Any) -> None:
    client = world.client_for(world.agent)
    for ids in ([TOO_BIG], [HUGE, "1"], ["-1"]):
        response = client.post("/workspace/bulk/", {"ids": ids, "action": "status", "status": "open"})
        _assert_no_server_error(response, f"bulk {ids}")
    response = client.post("/workspace/bulk/", {"ids": ["1"], "action": "team", "team": TOO_BIG})
    _assert_no_server_error(response, "bulk team")


def _api_operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def test_every_api_operation_refuses_impossible_integers(world: Any) -> None:
    client = world.client_for(world.admin)
    schema = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, method, operation in _api_operations(schema):
        parameters = operation.get("parameters", [])
        integers = [p for p in parameters if p.get("schema", {}).get("type") == "integer"]
        if not integers:
            continue
        for value in BAD_VALUES:
            url = path
            query: dict[str, str] = {}
            for parameter in parameters:
                fill = value if parameter in integers else "x"
                if parameter["in"] == "path":
                    url = url.replace("{" + parameter["name"] + "}", fill)
                elif parameter["in"] == "query" and parameter in integers:
                    query[parameter["name"]] = fill
            call = getattr(client, method.lower())
            response = call(url, query) if method == "GET" else call(url, {}, content_type="application/json")
            _assert_no_server_error(response, f"{method} {url} {query}")
            checked += 1
    assert checked >= 20
