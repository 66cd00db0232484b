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


def test_a_supervisor_revokes_and_verifies_from_the_contact_page(world):
    ticket = world.ticket(requester=world.child, subject="نتيجة سارة")
    parent = world.client_for(world.parent_user)
    page = reverse("portal:ticket", args=[ticket.pk])
    link = _link(world)
    url = reverse("workspace:guardian-link", args=[world.child.pk, link.pk])
    contact_page = world.client_for(world.supervisor).get(reverse("workspace:contact", args=[world.child.pk]))
    assert (
        url in contact_page.content.decode()
        and 'data-testid="guardian-link-revoke"' in contact_page.content.decode()
    )

    for user in (world.agent, world.parent_user):  # only supervisors and admins
        assert world.client_for(user).post(url, {"action": "revoke"}).status_code == 404
    assert parent.get(page).status_code == 200

    supervisor = world.client_for(world.supervisor)
    assert supervisor.post(url, {"action": "revoke"}).status_code == 302
    assert parent.get(page).status_code == 404  # the parent's very next request
    html = supervisor.get(reverse("workspace:contact", args=[world.child.pk])).content.decode()
    assert 'data-testid="link-inactive"' in html and 'data-testid="guardian-link-verify"' in html
    assert supervisor.post(url, {"action": "verify"}).status_code == 302
    assert parent.get(page).status_code == 200
    # A link of another family through this contact's URL, or a bad action: 404, nothing changes.
    other = Relation.objects.get(other_contact=world.other_child)
    assert (
        supervisor.post(
            reverse("workspace:guardian-link", args=[world.child.pk, other.pk]), {"action": "revoke"}
        ).status_code
        == 404
    )
    assert supervisor.post(url, {"action": "delete"}).status_code == 404
    assert Relation.objects.get(pk=other.pk).revoked_at is None and _link(world).revoked_at is None
