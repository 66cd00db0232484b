"""What every workspace view shares: the staff gate, ticket lookup through visibility, safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import DomainError, NotFound
from awn.tickets.attachments import IncomingFile
from awn.tickets.models import Ticket
from awn.tickets.selectors import ticket_for_agent

View = Callable[..., HttpResponse]


def current_user(request: HttpRequest) -> User:
    return cast(User, request.user)


def staff_required(*, customers_to_portal: bool = False) -> Callable[[View], View]:
    """Anonymous users sign in; customers get a 404 (or the portal, for the workspace home)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = current_user(request)
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_member(user):
                if customers_to_portal and request.method == "GET":
                    return redirect("portal:home")
                raise Http404()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    try:
        return ticket_for_agent(current_user(request), pk)
    except NotFound as exc:
        raise Http404() from exc


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/workspace/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and "\n" not in target
    ):
        return target
    return default


def report_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def incoming_files(files: list[UploadedFile]) -> list[IncomingFile]:
    """Read at most one byte past the limit: the service then refuses an oversized file by its size."""
    limit = settings.AWN_ATTACHMENT_MAX_BYTES + 1
    return [IncomingFile(name=f.name or "file", content=f.read(limit)) for f in files]
