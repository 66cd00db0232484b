"""A guardian sees a child's data only through a verified, active parent_of link; a revocation takes effect on the
next request (issue 15, item 4; RELIABILITY S13)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from awn.accounts.services import api_token_create
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Relation
from awn.crm.services import contact_create, relation_add, relation_revoke, relation_verify
from awn.crm.validators import national_id_from_seed as national_id
from awn.tickets.enums import Category


def _link(world):
    return Relation.objects.get(kind=RelationKind.PARENT_OF, contact=world.parent, other_contact=world.child)


def test_revocation_takes_effect_on_the_next_request(world):
    ticket = world.ticket(requester=world.child, subject="نتيجة سارة", category=Category.RESULTS_CERTIFICATES)
    client = world.client_for(world.parent_user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.parent_user, name='t')[1]}")
    page = reverse("portal:ticket", args=[ticket.pk])
    assert client.get(page).status_code == 200
    assert "نتيجة سارة" in client.get(reverse("portal:home")).content.decode()
    assert api.get(f"/api/v1/tickets/{ticket.pk}").status_code == 200

    relation_revoke(_link(world))  # the same session, no new sign-in

    assert client.get(page).status_code == 404
    assert "نتيجة سارة" not in client.get(reverse("portal:home")).content.decode()
    assert api.get(f"/api/v1/tickets/{ticket.pk}").status_code == 404
    new_form = client.get(reverse("portal:ticket_new")).content.decode()
    assert world.child.name not in new_form  # cannot open a ticket about the child either
    assert _link(world).revoked_at is not None  # kept, for the record

    relation_verify(_link(world))
    assert client.get(page).status_code == 200


def test_an_unverified_link_discloses_nothing(world):
    newcomer = contact_create(name="طالب جديد", contact_type=ContactType.STUDENT, national_id=national_id(40))
    relation_add(kind=RelationKind.PARENT_OF, contact=world.parent, other_contact=newcomer, verified=False)
    ticket = world.ticket(requester=newcomer, subject="طلب غير موثق")
    client = world.client_for(world.parent_user)
    assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 404
    relation_verify(Relation.objects.get(other_contact=newcomer))
    assert client.get(reverse("portal:ticket", args=[ticket.pk])).status_code == 200


def test_a_sibling_link_does_not_open_another_family(world):
    ticket = world.ticket(requester=world.other_child, subject="ريم")
    assert (
        world.client_for(world.parent_user).get(reverse("portal:ticket", args=[ticket.pk])).status_code == 404
    )
