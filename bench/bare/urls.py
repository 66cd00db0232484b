"""POST /bare/tickets/: what creating a ticket through the API must do at the least — look the bearer token up
(by its hash, as awn.accounts.services does, the user joined), check the requester exists, insert the ticket and
its first message in one transaction, answer 201 with the id and reference. No middleware, no validation beyond
the schema, no audit row, no search row, no SLA clocks, no analytics, no events."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer

from awn.accounts.models import ApiToken
from awn.crm.models import Contact
from awn.tickets.enums import Channel, Direction, MessageKind
from awn.tickets.models import Message, Ticket


class Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked=False, user__is_active=True)
            .first()
        )
        return row.user if row is not None else None


class TicketIn(Schema):
    subject: str
    body: str
    category: str = "other"
    priority: str = "normal"
    requester_id: int


class TicketOut(Schema):
    id: int
    reference: str


api = NinjaAPI(urls_namespace="bare", auth=Bearer(), docs_url=None, openapi_url=None)


@api.post("/tickets/", response={201: TicketOut})
def create(request: HttpRequest, data: TicketIn) -> tuple[int, dict[str, object]]:
    requester = Contact.objects.only("pk").get(pk=data.requester_id)
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            subject=data.subject,
            body_preview=data.body[:200],
            category=data.category,
            priority=data.priority,
            channel=Channel.API,
            requester=requester,
            last_message_at=now,
        )
        Message.objects.create(
            ticket=ticket,
            kind=MessageKind.REPLY,
            direction=Direction.INBOUND,
            channel=Channel.API,
            author_contact=requester,
            body=data.body,
        )
    return 201, {"id": ticket.pk, "reference": ticket.reference}


urlpatterns = [path("bare/", api.urls)]
