from __future__ import annotations

import re

from django.urls import reverse

from awn.accounts.services import user_create
from awn.tickets.enums import Category


def _listed_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-ticket="(\d+)"', response.content.decode())]


def test_list_shows_own_and_childrens_tickets_and_nothing_else(world):
    own = world.ticket(subject="تذكرتي")
    about_child = world.ticket(subject="عن ابنتي", about_contact=world.child)
    by_child = world.ticket(requester=world.child, subject="من الطالبة")
    other_parent = world.ticket(requester=world.other_parent, subject="ولي أمر آخر")
    other_child = world.ticket(requester=world.other_child, subject="طالبة أخرى")
    teacher = world.ticket(requester=world.teacher, subject="معلمة", category=Category.GRADE_ENTRY)

    response = world.client_for(world.parent_user).get(reverse("portal:home"))

    assert response.status_code == 200
    assert _listed_ids(response) == [by_child.pk, about_child.pk, own.pk]  # newest first
    body = response.content.decode()
    assert own.reference in body and "عن ابنتي" in body
    for hidden in (other_parent, other_child, teacher):
        assert hidden.reference not in body
        assert hidden.subject not in body
    assert reverse("portal:ticket_new") in body


def test_list_is_paginated_newest_first(world, settings):
    settings.AWN_PAGE_SIZE = 2
    tickets = [world.ticket(subject=f"تذكرة {n}") for n in range(3)]
    client = world.client_for(world.parent_user)

    first = client.get(reverse("portal:home"))
    second = client.get(reverse("portal:home"), {"page": 2})

    assert _listed_ids(first) == [tickets[2].pk, tickets[1].pk]
    assert _listed_ids(second) == [tickets[0].pk]
    assert 'rel="next"' in first.content.decode()


def test_list_queries_are_bounded(world, django_assert_max_num_queries):
    for n in range(8):
        world.ticket(subject=f"تذكرة {n}", about_contact=world.child if n % 2 else None)
    world.ticket(requester=world.child)
    client = world.client_for(world.parent_user)
    # session, user, contact, children, count, page: no query per ticket
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:home"))
    assert len(_listed_ids(response)) == 9


def test_empty_state(world):
    response = world.client_for(world.parent_user).get(reverse("portal:home"))
    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()
    assert _listed_ids(response) == []


def test_customer_without_profile_sees_no_tickets_and_cannot_open_one(world):
    lonely = user_create(username="lonely", password=None)
    world.ticket()
    client = world.client_for(lonely)

    home = client.get(reverse("portal:home"))
    new = client.get(reverse("portal:ticket_new"))

    assert _listed_ids(home) == []
    assert 'data-testid="no-contact"' in home.content.decode()
    assert new.status_code == 302 and new.url == reverse("portal:home")


def test_staff_are_sent_to_the_workspace(world):
    for user in (world.agent, world.supervisor, world.admin):
        response = world.client_for(user).get(reverse("portal:home"))
        assert response.status_code == 302
        assert response.url == reverse("workspace:queue")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
