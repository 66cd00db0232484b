"""The API documentation page works offline: Swagger UI comes with the deployment, nothing from another host."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_docs_page_loads_nothing_from_outside_the_deployment(db: None) -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references, "the page references its script and style"
    assert [r for r in references if re.match(r"(https?:)?//", r)] == []  # no CDN, no other host
    scripts = [r for r in references if r.endswith(".js")]
    assert any("swagger-ui-bundle" in r for r in scripts)
    for reference in references:
        assert finders.find(reference.removeprefix("/static/")), f"{reference} is not shipped"
