"""HTTP side of live chat: the pre-chat form, file upload, the widget's strings, the demo page and the agents'
live chats page. Transport only: services do the work."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awn.accounts.decorators import staff_required
from awn.accounts.models import Team, User
from awn.accounts.policies import is_staff_member
from awn.core.addresses import client_address
from awn.core.errors import DomainError
from awn.core.ratelimit import allow
from awn.tickets.attachments import IncomingFile

from . import services

START_LIMIT = 10  # pre-chat forms an address may send an hour


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Let a site listed in AWN_CHAT_ORIGINS call the widget's endpoints from its pages (no cookies involved)."""
    origin = request.headers.get("Origin", "")
    if origin and origin in settings.AWN_CHAT_ORIGINS:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "3600"
    response["Vary"] = "Origin"
    return response


def _language(request: HttpRequest, data: dict[str, Any] | None = None) -> str:
    lang = (data or {}).get("language") or request.GET.get("lang") or translation.get_language() or "ar"
    return "en" if str(lang).startswith("en") else "ar"


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse(
        {"error": exc.code, "message": str(exc.message), "field": exc.field}, status=exc.status_code
    )


@csrf_exempt  # no cookie is involved: the visitor is anonymous and later proves itself with the signed token
@require_http_methods(["POST", "OPTIONS"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":  # the CORS preflight of a JSON POST from an embedding site
        return _cors(request, HttpResponse(status=204))
    return _cors(request, _start(request))


def _start(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"error": "invalid", "message": _("The request is not valid.")}, status=400)
    language = _language(request, data)
    with translation.override(language):
        if not allow(f"chat-start:{client_address(request)}", limit=START_LIMIT, window_seconds=3600):
            return JsonResponse(
                {"error": "rate_limited", "message": _("Too many chats from this address. Try again later.")},
                status=429,
            )
        try:
            conversation = services.chat_start(
                name=str(data.get("name") or ""),
                email=str(data.get("email") or ""),
                phone=str(data.get("phone") or ""),
                question=str(data.get("question") or ""),
                language=language,
            )
        except DomainError as exc:
            return _error(exc)
    services.chat_first_answer(conversation.pk)
    token = services.token_for(conversation)
    return JsonResponse(
        {"token": token, "socket": f"/ws/chat/{token}/", "reference": conversation.ticket.reference}
    )


@csrf_exempt  # authenticated by the signed conversation token, not by a cookie
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    return _cors(request, _upload(request))


def _upload(request: HttpRequest) -> JsonResponse:
    conversation = services.conversation_for_token(request.POST.get("token", ""))
    if conversation is None:
        return JsonResponse({"error": "not_found", "message": _("Not found.")}, status=404)
    with translation.override(conversation.language):
        if not services.rate_ok(conversation.pk):
            return JsonResponse(
                {
                    "error": "rate_limited",
                    "message": _("You are sending messages too fast. Please wait a moment."),
                },
                status=429,
            )
        files = [
            IncomingFile(name=f.name or "file", content=f.read()) for f in request.FILES.getlist("file")[:5]
        ]
        if not files:
            return JsonResponse({"error": "validation_error", "message": _("Choose a file.")}, status=400)
        try:
            line = services.chat_visitor_message(conversation.pk, request.POST.get("text", ""), files=files)
        except DomainError as exc:
            return _error(exc)
    return JsonResponse({"line": services.line_json(line)})


@require_GET
def strings(request: HttpRequest) -> HttpResponse:
    """The widget's words in the page's language (the widget itself carries none)."""
    language = _language(request)
    with translation.override(language):
        words = {
            "open": _("Chat with us"),
            "title": _("Awn support"),
            "close": _("Close"),
            "name": _("Your name"),
            "email": _("Email"),
            "phone": _("Mobile number"),
            "contact_hint": _("A phone number or an email, so we can reach you."),
            "question": _("How can we help?"),
            "start": _("Start the chat"),
            "send": _("Send"),
            "placeholder": _("Write a message…"),
            "attach": _("Attach a file"),
            "solved": _("Did this solve it?"),
            "yes": _("Yes, thanks"),
            "human": _("Talk to a person"),
            "typing": _("typing…"),
            "with_agent": _("You are chatting with %(name)s."),
            "ended": _("This chat has ended."),
            "end": _("End the chat"),
            "offline": _("No agent is online. Ticket %(ref)s was opened; we will follow up."),
            "reconnecting": _("Reconnecting…"),
            "error": _("Something went wrong. Please try again."),
        }
    return _cors(
        request,
        JsonResponse({"language": language, "dir": "rtl" if language == "ar" else "ltr", "strings": words}),
    )


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    return render(request, "chat/demo.html")


@staff_required()
def agent_panel(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    agents = [
        u
        for u in User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("username")[:300]
        if is_staff_member(u)
    ]
    return render(
        request,
        "chat/agent_panel.html",
        {"agents": agents, "teams": Team.objects.order_by("name")},
    )
