"""Middleware of Awn's own."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from awn.core.text.bidi import reveal_bidi_controls_utf8


class RevealBidiControlsMiddleware(MiddlewareMixin):
    """Every HTML page shows the bidi overrides, embeddings and isolates in user text as visible labels, wherever
    the text appears (queue rows, names, titles, attributes), so none can reorder what an agent reads. Pages are
    UTF-8 (DEFAULT_CHARSET); streamed downloads and non-HTML answers (the API returns data as stored) pass."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not isinstance(response, HttpResponse) or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            return response  # streamed downloads and files pass untouched
        content = response.content
        revealed = reveal_bidi_controls_utf8(content)
        if revealed is not content:
            response.content = revealed
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(revealed))
        return response


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Every response carries settings.AWN_CSP unless its view set a stricter policy (attachments: `sandbox`).

    Scripts come only from Awn's own files: no inline script, no eval, no other origin, so text an attacker slips
    into a page cannot run even where escaping failed. Inline style attributes stay allowed (see settings)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        policy: str = getattr(settings, "AWN_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
