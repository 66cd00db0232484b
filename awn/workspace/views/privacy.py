"""A person's data on request (PDPL; issue 15, item 4): export as JSON or as a readable PDF, and erasure,
supervisors and admins only (anyone else: 404). Both are recorded in the access audit; the erasure also in the erasure ledger."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awn.accounts.policies import is_supervisor
from awn.core.addresses import client_address
from awn.core.errors import DomainError
from awn.crm.enums import RelationKind
from awn.crm.models import Contact, Relation
from awn.crm.services import contact_erase, is_erased, relation_revoke, relation_verify
from awn.privacy.enums import REASON_MAX, AccessAction, ObjectKind
from awn.privacy.services import Access, clean_reason, record_request_accesses, request_id_of

from ..person_data import person_data
from ..person_pdf import person_pdf
from ._common import current_user, staff_required
from .contacts import _contact_or_404

CONFIRM_WORD = "حذف"


def _supervisor_contact(request: HttpRequest, pk: int) -> Contact:
    if not is_supervisor(current_user(request)):
        raise Http404()
    return _contact_or_404(request, pk)


def _exported(request: HttpRequest, pk: int) -> tuple[Contact, dict[str, object]]:
    """The person's document, for a supervisor or an administrator; the export is recorded in the access audit
    (the same record whatever the format)."""
    contact = _supervisor_contact(request, pk)
    data = person_data(contact)
    record_request_accesses(request, Access(AccessAction.EXPORT, ObjectKind.CONTACT, contact.pk, contact.pk))
    return contact, data


def _download(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required()
@require_GET
def contact_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything Awn holds of the person, as a JSON download; the export is audited."""
    contact, data = _exported(request, pk)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return _download(body, "application/json; charset=utf-8", f"person-{contact.pk}.json")


@staff_required()
@require_GET
def contact_export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same document as the JSON export, as a readable PDF (Arabic, right-to-left); audited the same way."""
    contact, data = _exported(request, pk)
    return _download(person_pdf(data), "application/pdf", f"person-{contact.pk}.pdf")


@staff_required()
@require_http_methods(["GET", "POST"])
def contact_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase the person on request: a reason and the confirmation word are required; nothing changes otherwise."""
    contact = _supervisor_contact(request, pk)
    errors: dict[str, str] = {}
    reason = ""
    if request.method == "POST" and not is_erased(contact):
        reason = (request.POST.get("reason") or "")[:2000]
        try:
            reason = clean_reason(reason, required=True)
        except DomainError as exc:
            errors["reason"] = str(exc.message)
        if (request.POST.get("confirm") or "").strip() != CONFIRM_WORD:
            errors["confirm"] = _("Type the word %(word)s to confirm.") % {"word": CONFIRM_WORD}
        if not errors:
            contact_erase(
                contact=contact,
                actor=current_user(request),
                reason=reason,
                address=client_address(request),
                request_id=request_id_of(request),
            )
            messages.success(request, _("The person's data was erased. The erasure is recorded."))
            return redirect("workspace:contact", pk=contact.pk)
    return render(
        request,
        "workspace/contact_erase.html",
        {
            "contact": contact,
            "errors": errors,
            "reason": reason,
            "confirm_word": CONFIRM_WORD,
            "reason_max": REASON_MAX,
            "already_erased": is_erased(contact),
        },
        status=400 if errors else 200,
    )


@staff_required()
@require_POST
def guardian_link(request: HttpRequest, pk: int, relation_id: int) -> HttpResponse:
    """Revoke or verify a parent ↔ child link of this contact (supervisors and admins). A revoked link discloses
    nothing to the guardian from their next request on; a verified one discloses again."""
    contact = _supervisor_contact(request, pk)
    relation = (
        Relation.objects.filter(pk=relation_id, kind=RelationKind.PARENT_OF)
        .filter(Q(contact=contact) | Q(other_contact=contact))
        .first()
    )
    action = request.POST.get("action")
    if relation is None or action not in ("revoke", "verify"):
        raise Http404()
    if action == "revoke":
        relation_revoke(relation)
        messages.success(request, _("The guardian link was revoked: the guardian no longer sees this child."))
    else:
        relation_verify(relation)
        messages.success(request, _("The guardian link was verified: the guardian sees this child."))
    return redirect("workspace:contact", pk=contact.pk)
