"""What every workspace view shares: the staff gate (accounts.decorators), ticket lookup through visibility, safe
redirects."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from awn.accounts.decorators import current_user as current_user
from awn.accounts.decorators import staff_required as staff_required
from awn.core.errors import DomainError, NotFound
from awn.tickets.attachments import IncomingFile
from awn.tickets.models import Ticket
from awn.tickets.selectors import ticket_for_agent


def ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    try:
        return ticket_for_agent(current_user(request), pk)
    except NotFound as exc:
        raise Http404() from exc


def ticket_version_key(prefix: str, request: HttpRequest, ticket: Ticket) -> str:
    """Per ticket version (id, version, updated_at), per agent (what they may see) and per language."""
    stamp = ticket.updated_at.timestamp() if ticket.updated_at else 0
    language = getattr(request, "LANGUAGE_CODE", "")
    return f"ws:{prefix}:{ticket.pk}:{ticket.version}:{stamp}:{current_user(request).pk}:{language}"


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
