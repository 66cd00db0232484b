"""Middleware of Awn's own."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from awn.core import formatting
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


class DigitsMiddleware:
    """The reader's digits (Latin or Arabic-Indic) for everything the formatting layer prints in this request: a
    signed-in user's stored choice, else the `awn_digits` cookie the portal sets, else the language's default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = formatting.activate_digits(reader_digits(request))
        try:
            return self.get_response(request)
        finally:
            formatting.deactivate_digits(token)


def reader_digits(request: HttpRequest) -> str:
    """ "latin" or "arabic" when the reader chose, "" for the language's default."""
    user = getattr(request, "user", None)
    chosen = getattr(user, "digits", "") if user is not None and user.is_authenticated else ""
    if not chosen:
        chosen = request.COOKIES.get(formatting.DIGITS_COOKIE, "")
    return chosen if chosen in formatting.Digits.values else ""
