from __future__ import annotations

from awn.tickets.models import Ticket


def test_a_customer_submitting_tickets_in_a_flood_is_stopped_with_429(world):
    client = world.client_for(world.parent_user)
    form = {
        "subject": "لا أستطيع الدخول",
        "category": "account_access",
        "about": "self",
        "body": "تفاصيل المشكلة",
    }
    statuses = [client.post("/portal/tickets/new/", form).status_code for _ in range(21)]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
    assert Ticket.objects.filter(requester=world.parent).count() == 20
    # Another customer is not affected.
    other = world.client_for(world.other_parent_user)
    assert other.post("/portal/tickets/new/", form).status_code == 302
