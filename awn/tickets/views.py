"""Ticket views shared by the portal and the workspace: the permission-checked attachment download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from awn.accounts.models import User
from awn.privacy.enums import AccessAction, ObjectKind
from awn.privacy.services import Access, record_request_accesses

from .enums import MessageKind
from .models import Attachment
from .policies import can_see_internal_notes, visible_tickets


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a file only to someone who may see its ticket (and, for internal notes, only to staff).

    Always a download, never rendered by the browser: the stored content type (decided from the bytes at
    intake, never the one the browser sent), nosniff, and a sandbox CSP in case a browser renders it anyway.
    Anything not allowed is a 404, so a guessed id reveals nothing.
    """
    user: User = request.user  # type: ignore[assignment]
    attachments = Attachment.objects.select_related("message__ticket").filter(
        pk=pk, message__ticket__in=visible_tickets(user).values("pk")
    )
    if not can_see_internal_notes(user):
        attachments = attachments.exclude(message__kind=MessageKind.NOTE)
    attachment = attachments.first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # Every download is audited (issue 15, item 4): the person is whom the ticket is about.
    ticket = attachment.message.ticket
    record_request_accesses(
        request,
        Access(
            AccessAction.DOWNLOAD,
            ObjectKind.ATTACHMENT,
            attachment.pk,
            ticket.about_contact_id or ticket.requester_id,
        ),
    )
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
