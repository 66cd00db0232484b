"""Saved views of the queue, through the services and as an agent's browser would use them (HTTP): saving the
current filters, opening, counting (bounded and cached), sharing with a team, and nobody else's view reachable."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.core.errors import NotFound, ValidationError
from awn.queueviews import selectors, services
from awn.queueviews.models import SavedView
from awn.tickets.enums import Category, Priority
from awn.tickets.models import Ticket
from conftest import PASSWORD

pytestmark = pytest.mark.django_db
QUEUE = "/workspace/"


@pytest.fixture
def colleague(world: Any) -> Any:
    return user_create(username="agent2", password=PASSWORD, role=Role.AGENT, team=world.in_house)


@pytest.fixture
def tickets(world: Any) -> list[Ticket]:
    made = [
        world.ticket(category=Category.REGISTRATION, priority=Priority.URGENT),
        world.ticket(category=Category.REGISTRATION, priority=Priority.URGENT),
        world.ticket(category=Category.REGISTRATION, priority=Priority.LOW),
        world.ticket(category=Category.ACCOUNT_ACCESS, priority=Priority.URGENT),
    ]
    return made


def _view(actor: Any, name: str = "عاجل التسجيل", **kw: Any) -> SavedView:
    filters = kw.pop("filters", {"category": Category.REGISTRATION, "priority": Priority.URGENT})
    return services.saved_view_create(
        actor=actor, name=name, queue=kw.pop("queue", "all"), sort="newest", filters=filters, **kw
    )


def test_saving_the_current_filters_and_opening_the_view_shows_its_count(
    world: Any, tickets: list[Ticket]
) -> None:
    client = world.client_for(world.agent)
    query = "queue=all&category=registration&priority=urgent&sort=oldest&page=3"
    response = client.post(f"{QUEUE}views/save/", {"name": "  عاجل التسجيل ", "query": query})
    view = SavedView.objects.get()
    assert (view.owner_id, view.name, view.team_id) == (world.agent.pk, "عاجل التسجيل", None)
    assert (view.queue, view.sort) == ("all", "oldest")
    assert view.filters == {"category": "registration", "priority": "urgent"}  # no page: it is not a filter
    assert response.status_code == 302
    path, _, location_query = response["Location"].partition("?")
    assert path == QUEUE
    assert parse_qs(location_query) == {
        "queue": ["all"],
        "sort": ["oldest"],
        "category": ["registration"],
        "priority": ["urgent"],
        "view": [str(view.pk)],
    }

    queue_page = client.get(response["Location"]).content.decode()
    assert f'hx-get="{QUEUE}views/?{location_query.replace("&", "&amp;")}"' in queue_page  # the bar, after
    page = client.get(f"{QUEUE}views/?{location_query}").content.decode()
    # Two urgent registration tickets, counted here without the code under test.
    assert [t.pk for t in tickets if t.category == "registration" and t.priority == "urgent"] == [
        tickets[0].pk,
        tickets[1].pk,
    ]
    assert 'data-testid="saved-view"' in page and "عاجل التسجيل" in page
    assert 'data-testid="saved-view-count"><bdi dir="ltr">2</bdi>' in page
    assert f'data-view-id="{view.pk}" aria-current="page"' in page
    # Saving again from here saves this query, without the view's own id.
    saved_query = re.search(r'name="query" value="([^"]*)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert parse_qs(saved_query) == {
        "queue": ["all"],
        "sort": ["oldest"],
        "category": ["registration"],
        "priority": ["urgent"],
    }

    opened = client.get(f"{QUEUE}views/{view.pk}/")
    assert opened.status_code == 302 and opened["Location"] == response["Location"]


def test_another_agent_cannot_open_or_delete_my_view(world: Any, colleague: Any) -> None:
    mine = _view(world.agent)
    other = world.client_for(colleague)
    assert other.get(f"{QUEUE}views/{mine.pk}/").status_code == 404
    assert other.post(f"{QUEUE}views/{mine.pk}/delete/").status_code == 404
    assert world.client_for(world.supervisor).get(f"{QUEUE}views/{mine.pk}/").status_code == 404
    assert "عاجل التسجيل" not in other.get(f"{QUEUE}views/").content.decode()
    assert SavedView.objects.filter(pk=mine.pk).exists()
    with pytest.raises(NotFound):
        services.saved_view_delete(actor=colleague, view=mine)
    # Its owner deletes it.
    assert world.client_for(world.agent).post(f"{QUEUE}views/{mine.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_a_supervisor_shares_a_view_with_a_team_read_only_and_an_agent_cannot_share(
    world: Any, colleague: Any
) -> None:
    shared = _view(world.supervisor, "للفريق", team_id=world.in_house.pk)
    assert [v.pk for v in selectors.views_for(world.agent)] == [shared.pk]
    assert [v.pk for v in selectors.views_for(colleague)] == [shared.pk]
    assert selectors.views_for(world.vendor_agent) == []  # another team
    member = world.client_for(world.agent)
    assert member.get(f"{QUEUE}views/{shared.pk}/").status_code == 302
    assert member.post(f"{QUEUE}views/{shared.pk}/delete/").status_code == 404  # read only
    page = member.get(f"{QUEUE}views/").content.decode()
    assert "للفريق" in page and 'data-testid="saved-view-shared"' in page
    assert 'data-testid="saved-view-delete"' not in page
    assert world.client_for(world.vendor_agent).get(f"{QUEUE}views/{shared.pk}/").status_code == 404

    with pytest.raises(ValidationError) as refused:
        _view(world.agent, "مشترك", team_id=world.in_house.pk)
    assert refused.value.field == "team"
    response = member.post(
        f"{QUEUE}views/save/", {"name": "مشترك", "query": "queue=all", "team": world.in_house.pk}, follow=True
    )
    assert "لا يشارك العرض مع فريق إلا المشرف." in response.content.decode()
    assert not SavedView.objects.filter(name="مشترك").exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "ا" * 61}, "name"),
        ({"filters": {"status": "bogus"}}, "filters"),
        ({"filters": {"team": "9223372036854775808"}}, "filters"),
        ({"filters": {"owner": "1"}}, "filters"),
        ({"queue": "everything"}, "filters"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(world: Any, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _view(world.agent, **kw)
    assert refused.value.field == field
    assert not SavedView.objects.exists()


def test_a_name_is_unique_per_owner_and_the_number_of_views_is_bounded(world: Any, colleague: Any) -> None:
    _view(world.agent, "أ")
    _view(colleague, "أ")  # another owner may use the same name
    with pytest.raises(ValidationError, match=r"لديك عرض بهذا الاسم|already have"):
        _view(world.agent, "أ")
    for n in range(services.MAX_VIEWS_PER_OWNER - 1):
        _view(world.agent, f"عرض {n}")
    assert SavedView.objects.filter(owner=world.agent).count() == 30
    with pytest.raises(ValidationError):
        _view(world.agent, "واحد أكثر")


def _queries(client: Any, path: str = QUEUE) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_queue_page_costs_the_same_and_the_bar_one_count_per_view_none_once_cached(
    world: Any, tickets: list[Ticket], settings: Any
) -> None:
    client = world.client_for(world.agent)
    bar = f"{QUEUE}views/"
    settings.AWN_QUEUE_COUNTS_SECONDS = 0
    client.get(QUEUE)  # the session, the chrome fragments
    page_without, bar_without = _queries(client), _queries(client, bar)
    settings.AWN_QUEUE_COUNTS_SECONDS = 5
    client.get(bar)
    cached_bar_without = _queries(client, bar)
    for n in range(3):  # saving starts the agent's counts afresh (their session's generation)
        client.post(f"{QUEUE}views/save/", {"name": f"عرض {n}", "query": "queue=all&priority=urgent"})

    settings.AWN_QUEUE_COUNTS_SECONDS = 0
    assert _queries(client) == page_without  # the queue page itself does not read the views
    # The list of views is one query with or without views; then one LIMITed count per view.
    assert _queries(client, bar) - bar_without == 3
    settings.AWN_QUEUE_COUNTS_SECONDS = 5
    client.get(bar)  # builds and caches the badges
    assert _queries(client, bar) == cached_bar_without
    html = client.get(bar).content.decode()
    assert html.count('data-testid="saved-view-count"><bdi dir="ltr">3</bdi>') == 3  # tickets 1, 2 and 4
