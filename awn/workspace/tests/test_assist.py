"""Agent assist on the ticket page, "turn this answer into an article", and the knowledge-base editor."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.tickets.enums import Category, MessageKind, Status
from awn.tickets.services import ticket_add_message, ticket_update

FORGOT = {"subject": "نسيت كلمة المرور", "body": "نسيت كلمة المرور ولا أستطيع الدخول إلى حساب ولي الأمر"}


def _assist(world: Any, user: Any, ticket: Any) -> Any:
    return world.client_for(user).get(reverse("workspace:ticket-assist", args=[ticket.pk]))


def test_suggests_the_article_and_a_draft_reply_from_its_steps(kb: None, world: Any) -> None:
    ticket = world.ticket(**FORGOT)
    response = _assist(world, world.agent, ticket)
    assert response.status_code == 200
    page = response.content.decode()
    assert "استعادة كلمة المرور المنسية" in page
    draft = response.context["assist"].draft
    article = Article.objects.get(external_id="kb-009")
    assert world.parent.name.split()[0] in draft
    steps = [line for line in draft.splitlines() if line[:1].isdigit()]
    assert steps and all(step in article.body_ar for step in steps)
    assert response.context["assist"].confident


def test_the_draft_is_in_english_for_an_english_speaker(kb: None, world: Any) -> None:
    ticket = world.ticket(subject="Forgot my password", body="I forgot my password and cannot log in")
    draft = _assist(world, world.agent, ticket).context["assist"].draft
    assert draft.startswith("Hello")
    assert "Recovering a forgotten password" in draft


def test_similar_tickets_are_only_those_the_agent_may_see(kb: None, world: Any) -> None:
    ticket = world.ticket(**FORGOT)
    solved = world.ticket(subject="نسيت كلمة المرور مرة أخرى", body="نسيت كلمة المرور")
    ticket_update(ticket=solved, actor=world.agent, changes={"status": Status.RESOLVED})
    hidden = world.ticket(
        subject="نسيت كلمة المرور للنتائج", body="نسيت كلمة المرور", category=Category.RESULTS_CERTIFICATES
    )
    in_house = _assist(world, world.agent, ticket).context["assist"].similar
    vendor = _assist(world, world.vendor_agent, ticket).context["assist"].similar
    assert solved in in_house and hidden in in_house and ticket not in in_house
    assert in_house[0] == solved  # resolved ones first: their answer is known
    assert hidden not in vendor and solved in vendor


def test_assist_obeys_the_ticket_policy(kb: None, world: Any) -> None:
    outside = world.ticket(**FORGOT, category=Category.TRANSFER)
    assert _assist(world, world.vendor_agent, outside).status_code == 404
    customer = world.client_for(world.parent_user).get(reverse("workspace:ticket-assist", args=[outside.pk]))
    assert customer.status_code == 404  # staff pages are not found for customers


def test_the_ticket_page_loads_the_card_after_the_page(kb: None, world: Any) -> None:
    ticket = world.ticket(**FORGOT)
    page = world.client_for(world.agent).get(reverse("workspace:ticket", args=[ticket.pk])).content.decode()
    assert reverse("workspace:ticket-assist", args=[ticket.pk]) in page


def test_turn_an_answer_into_a_draft_article_once(kb: None, world: Any) -> None:
    ticket = world.ticket(**FORGOT)
    reply = ticket_add_message(
        ticket=ticket, body="اضغط «نسيت كلمة المرور» ثم أدخل رمز التحقق.", actor=world.agent
    )
    client = world.client_for(world.agent)
    url = reverse("workspace:ticket-to-article", args=[ticket.pk, reply.pk])
    first = client.post(url)
    again = client.post(url)
    article = Article.objects.get(body_ar=reply.body)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == reverse("workspace:kb-edit", args=[article.pk])
    assert (article.status, article.visibility) == (ArticleStatus.DRAFT, Visibility.INTERNAL)
    assert article.title_ar == ticket.subject and article.category == ticket.category
    assert Article.objects.filter(body_ar=reply.body).count() == 1
    note = ticket_add_message(ticket=ticket, body="ملاحظة", actor=world.agent, kind=MessageKind.NOTE)
    assert client.post(reverse("workspace:ticket-to-article", args=[ticket.pk, note.pk])).status_code == 404


def _article_form(**overrides: str) -> dict[str, str]:
    data = {
        "external_id": "kb-900",
        "category": Category.ATTENDANCE,
        "visibility": Visibility.PUBLIC,
        "status": ArticleStatus.REVIEW,
        "title_ar": "تقديم عذر غياب",
        "body_ar": "1. افتح صفحة الغياب.\n2. اختر اليوم ثم أرفق العذر.",
        "title_en": "",
        "body_en": "",
        "tags": "غياب، عذر",
    }
    data.update(overrides)
    return data


def test_an_agent_writes_a_draft_but_cannot_publish(db: None, world: Any) -> None:
    client = world.client_for(world.agent)
    refused = client.post(reverse("workspace:kb-new"), _article_form(status=ArticleStatus.PUBLISHED))
    assert refused.status_code == 400
    assert not Article.objects.exists()
    saved = client.post(reverse("workspace:kb-new"), _article_form())
    assert saved.status_code == 302
    article = Article.objects.get(external_id="kb-900")
    assert article.status == ArticleStatus.REVIEW
    assert article.visibility == Visibility.INTERNAL  # visibility is a supervisor's call
    assert article.tags == ["غياب", "عذر"]


def test_a_supervisor_publishes_and_customers_then_see_it(db: None, world: Any) -> None:
    agent = world.client_for(world.agent)
    agent.post(reverse("workspace:kb-new"), _article_form())
    article = Article.objects.get(external_id="kb-900")
    supervisor = world.client_for(world.supervisor)
    response = supervisor.post(
        reverse("workspace:kb-edit", args=[article.pk]), _article_form(status=ArticleStatus.PUBLISHED)
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.visibility) == (ArticleStatus.PUBLISHED, Visibility.PUBLIC)
    assert world.client_for(world.parent_user).get(reverse("kb:article", args=["kb-900"])).status_code == 200
    edit = agent.post(reverse("workspace:kb-edit", args=[article.pk]), _article_form(body_ar="نص آخر تمامًا"))
    assert edit.status_code == 400  # a published article is changed by a supervisor
    article.refresh_from_db()
    assert article.body_ar.startswith("1. افتح")


def test_the_editor_is_for_staff_only(db: None, world: Any) -> None:
    response = world.client_for(world.parent_user).get(reverse("workspace:kb"))
    assert response.status_code == 404
    assert world.client_for(world.agent).get(reverse("workspace:kb")).status_code == 200


def test_the_card_is_kept_per_ticket_version(kb: None, world: Any, monkeypatch: Any) -> None:
    from awn.workspace.views import assist

    calls: list[int] = []
    real = assist.ticket_assist

    def counted(user: Any, ticket: Any) -> Any:
        calls.append(ticket.pk)
        return real(user, ticket)

    monkeypatch.setattr(assist, "ticket_assist", counted)
    ticket = world.ticket(**FORGOT)
    first = _assist(world, world.agent, ticket).content
    assert _assist(world, world.agent, ticket).content == first and len(calls) == 1  # a reload: no retrieval
    _assist(world, world.supervisor, ticket)  # another agent may see other similar tickets: their own card
    assert len(calls) == 2
    ticket_add_message(ticket=ticket, actor=world.agent, body="هل جربت رابط الاستعادة؟")  # a new version
    _assist(world, world.agent, ticket)
    assert len(calls) == 3
