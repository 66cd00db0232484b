"""HTTP journeys: a supervisor builds a scorecard, draws a sample, scores a ticket; the agent reads the note on their
own page and nobody else's; a vendor team's supervisor sees and reviews only their own agents; empty states."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from awn.quality.models import Review, Scorecard
from awn.quality.selectors import weekly_table
from awn.quality.services import review_submit, sample_draw

from .conftest import WEEK, at, resolved


def _scores(review: Review, values: list[int | None]) -> dict[int, int | None]:
    return dict(zip([c.pk for c in review.scorecard.criteria.all()], values, strict=True))


def test_supervisor_journey_from_scorecard_to_the_agents_page(world: Any) -> None:
    for hour in (9, 10, 11):
        resolved(world, world.agent, at(WEEK, hour))
    sup = world.client_for(world.supervisor)

    response = sup.post("/workspace/quality/scorecards/", {"name_ar": "جودة المحادثة", "name_en": "Quality"})
    card = Scorecard.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workspace/quality/scorecards/{card.pk}/"
    for label, weight in (("الترحيب", 1), ("دقة الحل", 3), ("الوضوح", 2)):
        assert sup.post(response["Location"], {"label_ar": label, "weight": weight}).status_code == 302
    assert [c.weight for c in card.criteria.all()] == [1, 3, 2]

    response = sup.post(
        "/workspace/quality/sample/",
        {
            "agent": world.agent.pk,
            "scorecard": card.pk,
            "week": (WEEK + timedelta(days=2)).isoformat(),
            "size": 2,
        },  # a Wednesday
    )
    assert response.status_code == 302
    reviews = list(Review.objects.order_by("pk"))
    assert len(reviews) == 2 and {r.week for r in reviews} == {WEEK}

    page = sup.get(f"/workspace/quality/reviews/{reviews[0].pk}/")
    assert page.status_code == 200 and "الترحيب" in page.content.decode()
    assert "تظهر رسالة خطأ عند الدخول" in page.content.decode()  # the conversation is on the page
    criteria = list(card.criteria.all())
    # 1·4 + 3·5 + 2·3 = 25 of 6·5 = 30 → 83.33
    form = {f"c{criteria[0].pk}": "4", f"c{criteria[1].pk}": "5", f"c{criteria[2].pk}": "3"}
    form["coaching_note"] = "أحسنت في الحل، انتبه إلى وضوح الخطوات"
    assert sup.post(f"/workspace/quality/reviews/{reviews[0].pk}/", form).status_code == 302
    reviews[0].refresh_from_db()
    assert reviews[0].total == Decimal("83.33")

    mine = world.client_for(world.agent).get("/workspace/my-reviews/")
    body = mine.content.decode()
    assert mine.status_code == 200
    assert "83.33%" in body and "انتبه إلى وضوح الخطوات" in body
    assert body.count('data-testid="my-review"') == 1  # the second one is not scored yet: not shown
    [trend] = mine.context["trend"]  # their own weekly figure, and only theirs
    assert trend.overall == Decimal("83.33") and trend.count == 1

    overview = sup.get("/workspace/quality/").content.decode()
    assert 'data-testid="by-agent"' in overview and "83.33" in overview
    assert f"/workspace/quality/reviews/{reviews[1].pk}/" in overview  # still to review


def test_a_bad_score_is_refused_and_nothing_saved(world: Any, card: Any) -> None:
    resolved(world, world.agent, at(WEEK))
    [review] = sample_draw(agent=world.agent, week=WEEK, size=1, scorecard=card, reviewer=world.supervisor)
    criteria = list(card.criteria.all())
    form = {f"c{c.pk}": "5" for c in criteria} | {f"c{criteria[0].pk}": "9"}
    response = world.client_for(world.supervisor).post(f"/workspace/quality/reviews/{review.pk}/", form)
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.reviewed_at is None and review.total is None


def test_agents_see_only_their_own_reviews(world: Any, card: Any) -> None:
    resolved(world, world.agent, at(WEEK))
    resolved(world, world.vendor_agent, at(WEEK))
    [mine] = sample_draw(agent=world.agent, week=WEEK, size=1, scorecard=card, reviewer=world.supervisor)
    [theirs] = sample_draw(
        agent=world.vendor_agent, week=WEEK, size=1, scorecard=card, reviewer=world.supervisor
    )
    review_submit(review=mine, reviewer=world.supervisor, scores=_scores(mine, [5, 5, 5]), note="ملاحظة هند")
    review_submit(
        review=theirs, reviewer=world.supervisor, scores=_scores(theirs, [1, 1, 1]), note="ملاحظة المشغّل"
    )

    agent = world.client_for(world.agent)
    body = agent.get("/workspace/my-reviews/").content.decode()
    assert "ملاحظة هند" in body and "ملاحظة المشغّل" not in body
    # The reviewers' pages are not theirs, whatever review they name.
    assert agent.get(f"/workspace/quality/reviews/{theirs.pk}/").status_code == 404
    assert agent.get(f"/workspace/quality/reviews/{mine.pk}/").status_code == 404
    assert agent.get("/workspace/quality/").status_code == 404
    assert world.client_for(world.parent_user).get("/workspace/my-reviews/").status_code == 404


def test_a_vendor_supervisor_reviews_only_their_team(world: Any, card: Any, vendor_supervisor: Any) -> None:
    resolved(world, world.agent, at(WEEK))
    resolved(world, world.vendor_agent, at(WEEK))
    [in_house] = sample_draw(agent=world.agent, week=WEEK, size=1, scorecard=card, reviewer=world.supervisor)
    [vendor] = sample_draw(
        agent=world.vendor_agent, week=WEEK, size=1, scorecard=card, reviewer=world.supervisor
    )
    review_submit(review=in_house, reviewer=world.supervisor, scores=_scores(in_house, [5, 5, 5]), note="")
    client = world.client_for(vendor_supervisor)

    page = client.get("/workspace/quality/").content.decode()
    assert f'<option value="{world.vendor_agent.pk}"' in page
    assert f'<option value="{world.agent.pk}"' not in page
    assert 'data-testid="restricted-note"' in page
    assert "100.00" not in page  # the in-house agent's weekly figure
    assert client.get(f"/workspace/quality/reviews/{in_house.pk}/").status_code == 404
    assert client.post(f"/workspace/quality/reviews/{in_house.pk}/", {}).status_code == 404
    assert client.get(f"/workspace/quality/reviews/{vendor.pk}/").status_code == 200

    drawn = client.post(
        "/workspace/quality/sample/",
        {"agent": world.agent.pk, "scorecard": card.pk, "week": WEEK.isoformat(), "size": 1},
    )
    assert drawn.status_code == 400  # not one of the agents offered
    # Scorecards are shared: a vendor's supervisor uses them, does not change them.
    assert client.post("/workspace/quality/scorecards/", {"name_ar": "بطاقة"}).status_code == 404
    assert client.get(f"/workspace/quality/scorecards/{card.pk}/").status_code == 404
    assert Scorecard.objects.count() == 1


def test_weekly_tables_average_by_agent_and_by_team(world: Any, card: Any) -> None:
    for hour in (9, 10):
        resolved(world, world.agent, at(WEEK, hour))
    resolved(world, world.vendor_agent, at(WEEK))
    a1, a2 = sample_draw(agent=world.agent, week=WEEK, size=2, scorecard=card, reviewer=world.supervisor)
    [v1] = sample_draw(agent=world.vendor_agent, week=WEEK, size=1, scorecard=card, reviewer=world.supervisor)
    # weights 1, 3, 2 — 1·5 + 3·4 + 2·5 = 27 of 30 → 90; 1·2 + 3·3 + 2·None = 11 of 20 → 55; mean 72.50
    review_submit(review=a1, reviewer=world.supervisor, scores=_scores(a1, [5, 4, 5]), note="")
    review_submit(review=a2, reviewer=world.supervisor, scores=_scores(a2, [2, 3, None]), note="")
    # 1·0 + 3·2 + 2·1 = 8 of 30 → 26.67
    review_submit(review=v1, reviewer=world.supervisor, scores=_scores(v1, [0, 2, 1]), note="")

    weeks = [WEEK]
    by_agent = {row.label: row for row in weekly_table(Review.objects.all(), weeks, by="agent")}
    assert by_agent["هند"].cells == [(Decimal("72.50"), 2)]
    assert by_agent["vendor"].cells == [(Decimal("26.67"), 1)]
    by_team = {row.label: row.overall for row in weekly_table(Review.objects.all(), weeks, by="team")}
    assert by_team == {"داخلي (داخلي)": Decimal("72.50"), "مشغّل (شركة مشغّلة)": Decimal("26.67")}


def test_empty_states(world: Any) -> None:
    sup = world.client_for(world.supervisor)
    page = sup.get("/workspace/quality/").content.decode()
    for testid in ("no-scorecard", "no-pending", "by-agent-empty", "by-team-empty"):
        assert f'data-testid="{testid}"' in page
    assert 'data-testid="no-scorecards"' in sup.get("/workspace/quality/scorecards/").content.decode()
    mine = world.client_for(world.agent).get("/workspace/my-reviews/").content.decode()
    assert 'data-testid="no-reviews"' in mine
    assert 'dir="rtl"' in mine  # Arabic by default, right to left


def test_nav_links_to_quality_for_supervisors(world: Any) -> None:
    page = world.client_for(world.supervisor).get("/workspace/quality/").content.decode()
    assert 'data-testid="nav-quality"' in page


def test_pages_are_in_arabic(world: Any) -> None:
    page = world.client_for(world.supervisor).get("/workspace/quality/").content.decode()
    assert 'dir="rtl"' in page
    assert "مراجعات الجودة" in page and "الجودة الأسبوعية لكل موظف (%)" in page


def test_weeks_shown_can_be_chosen_and_bad_values_fall_back(world: Any) -> None:
    sup = world.client_for(world.supervisor)
    assert sup.get("/workspace/quality/?weeks=13").context["weeks_count"] == 13
    for bad in ("7", "abc", "-4", "99999999999999999999"):
        response = sup.get(f"/workspace/quality/?weeks={bad}")
        assert response.status_code == 200 and response.context["weeks_count"] == 8
    assert len(sup.get("/workspace/quality/?weeks=26").context["weeks"]) == 26


def test_labels_follow_the_language(world: Any, card: Any) -> None:
    first = card.criteria.first()
    with translation.override("ar"):
        assert (card.label, first.label) == ("جودة المحادثة", "الترحيب والتعريف بالنفس")
    with translation.override("en"):
        assert (card.label, first.label) == ("Conversation quality", "Greeting")
    first.label_en = ""
    with translation.override("en"):
        assert first.label == "الترحيب والتعريف بالنفس"  # no English label: the Arabic one


def test_posts_need_the_csrf_token(world: Any, card: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.supervisor)
    assert client.post("/workspace/quality/scorecards/", {"name_ar": "بطاقة"}).status_code == 403
    assert Scorecard.objects.count() == 1


def test_a_vendor_supervisor_loses_an_agent_who_moves_out(
    world: Any, card: Any, vendor_supervisor: Any
) -> None:
    resolved(world, world.vendor_agent, at(WEEK))
    [review] = sample_draw(
        agent=world.vendor_agent, week=WEEK, size=1, scorecard=card, reviewer=vendor_supervisor
    )
    client = world.client_for(vendor_supervisor)
    assert client.get(f"/workspace/quality/reviews/{review.pk}/").status_code == 200
    world.vendor_agent.team = world.in_house
    world.vendor_agent.save(update_fields=["team"])
    assert client.get(f"/workspace/quality/reviews/{review.pk}/").status_code == 404
    assert (
        world.client_for(world.supervisor).get(f"/workspace/quality/reviews/{review.pk}/").status_code == 200
    )


def test_pages_read_a_fixed_number_of_queries(world: Any, card: Any) -> None:
    """No query per review: the overview and My reviews cost the same with one review or six."""
    sup, agent = world.client_for(world.supervisor), world.client_for(world.agent)

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as overview:
            assert sup.get("/workspace/quality/").status_code == 200
        with CaptureQueriesContext(connection) as mine:
            assert agent.get("/workspace/my-reviews/").status_code == 200
        return len(overview), len(mine)

    def add_reviews(count: int, week: Any) -> None:
        for hour in range(count):
            resolved(world, world.agent, at(week, 8 + hour))
        for review in sample_draw(
            agent=world.agent, week=week, size=count, scorecard=card, reviewer=world.supervisor
        ):
            review_submit(
                review=review, reviewer=world.supervisor, scores=_scores(review, [5, 4, 3]), note="ملاحظة"
            )

    add_reviews(1, WEEK)
    sup.get("/workspace/quality/")  # warm the nav cache and the session
    agent.get("/workspace/my-reviews/")
    small = cost()
    add_reviews(5, WEEK - timedelta(weeks=1))
    assert cost() == small
