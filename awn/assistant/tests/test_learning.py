"""The knowledge base learns its users' phrasing: «yes, it solved it» teaches the article the question as asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from awn.assistant.answering import assistant_ask, current_index
from awn.knowledge import tasks as knowledge_tasks
from awn.knowledge.models import Article, ArticleQuestion
from awn.knowledge.services import article_learn_question, article_questions_expire
from awn.portal.views import solved_question, solved_token
from awn.tickets.enums import Category

# Forgot the password, but the code goes to an old number: the article that helps is «change the registered
# mobile» (kb-011), while the words say «forgot password» (kb-009).
ASKED = "نسيت كلمة السر والكود يجيني على رقمي القديم اللي ما عاد معي"
ASKED_AGAIN = "ناسي الباسورد والرمز يروح على جوالي القديم"


def _top(question: str) -> str:
    return assistant_ask(question).suggestions[0].article.external_id


def test_a_learned_question_brings_its_article_first_for_the_next_person(kb: None) -> None:
    assert _top(ASKED_AGAIN) == "kb-009"
    article_learn_question(article=Article.objects.get(external_id="kb-011"), question=ASKED)
    assert _top(ASKED_AGAIN) == "kb-011"  # the index was rebuilt: it read the new question


def test_numbers_are_dropped_and_a_question_is_kept_once(kb: None) -> None:
    article = Article.objects.get(external_id="kb-011")
    assert article_learn_question(article=article, question="رقمي القديم 0551234567 وهويتي ١٠٢٣٤٥٦٧٨٩")
    assert ArticleQuestion.objects.get().text == "رقمي القديم وهويتي"
    assert not article_learn_question(article=article, question="رقمي القديم   وهويتي 055")
    assert not article_learn_question(article=article, question=" ٥٥ ")
    assert article_learn_question(article=article, question="x" * 1000)
    assert len(ArticleQuestion.objects.latest("pk").text) == 300


def test_email_addresses_and_links_are_never_kept(kb: None) -> None:
    article = Article.objects.get(external_id="kb-011")
    question = "غيرت رقمي وايميلي Parent.Name@example.com والرابط https://noor.example/x?id=5 ما يفتح"
    assert article_learn_question(article=article, question=question)
    assert ArticleQuestion.objects.get().text == "غيرت رقمي وايميلي والرابط ما يفتح"


def _learn_at(article: Article, question: str, days_ago: int) -> None:
    article_learn_question(article=article, question=question)
    ArticleQuestion.objects.filter(text=question).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_learned_questions_are_deleted_after_their_retention(kb: None, settings: Any) -> None:
    settings.AWN_LEARNED_QUESTIONS_DAYS = 30
    article = Article.objects.get(external_id="kb-011")
    _learn_at(article, ASKED, days_ago=31)
    _learn_at(article, "سؤال جديد عن رقم الجوال", days_ago=29)
    assert current_index().docs[[d.external_id for d in current_index().docs].index("kb-011")].questions
    assert article_questions_expire() == 1
    assert list(ArticleQuestion.objects.values_list("text", flat=True)) == ["سؤال جديد عن رقم الجوال"]
    kept = {d.external_id: d.questions for d in current_index().docs}  # the index no longer reads it
    assert kept["kb-011"] == ("سؤال جديد عن رقم الجوال",)


def test_a_retention_of_zero_keeps_no_question(kb: None, settings: Any) -> None:
    article = Article.objects.get(external_id="kb-011")
    assert article_learn_question(article=article, question=ASKED)
    settings.AWN_LEARNED_QUESTIONS_DAYS = 0
    assert not article_learn_question(article=article, question=ASKED_AGAIN)
    assert article_questions_expire() == 1
    assert not ArticleQuestion.objects.exists()


def test_the_schedule_applies_the_retention_hourly(kb: None, settings: Any) -> None:
    from config.schedule import SCHEDULE

    periods = {entry.task: entry.every for entry in SCHEDULE}
    assert periods["awn.knowledge.tasks.expire_learned_questions"] == 3600
    settings.AWN_LEARNED_QUESTIONS_DAYS = 30
    _learn_at(Article.objects.get(external_id="kb-011"), ASKED, days_ago=40)
    _learn_at(Article.objects.get(external_id="kb-011"), ASKED_AGAIN, days_ago=10)
    call_command("run_worker", once=True, verbosity=0)
    assert list(ArticleQuestion.objects.values_list("text", flat=True)) == [ASKED_AGAIN]
    assert knowledge_tasks.expire_learned_questions() == 0


def test_unpublished_articles_questions_are_not_read(kb: None) -> None:
    article = Article.objects.get(external_id="kb-011")
    article_learn_question(article=article, question=ASKED)
    Article.objects.filter(pk=article.pk).update(status="draft")
    assert all(doc.questions == () for doc in current_index().docs)


def test_yes_it_solved_it_teaches_the_signed_question_only(kb: None, world: Any) -> None:
    client = world.client_for(world.parent_user)
    form = {
        "subject": "نسيت كلمة المرور",
        "body": "ما اقدر ادخل",
        "category": Category.ACCOUNT_ACCESS,
        "about": "self",
    }
    page = client.post(reverse("portal:ticket_new"), form).content.decode()
    assert 'name="token"' in page
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    solved = reverse("portal:assistant_solved")
    client.post(solved, {"article": "kb-009", "token": "forged:" + token})
    client.post(solved, {"article": "kb-011", "token": token})  # signed for another article
    assert not ArticleQuestion.objects.exists()
    client.post(solved, {"article": "kb-009", "token": token})
    assert ArticleQuestion.objects.get().text == "نسيت كلمة المرور ما اقدر ادخل"


def test_the_token_names_the_question_and_its_article() -> None:
    class Attempt:
        article_id = "kb-009"

    token = solved_token("سؤال", Attempt())  # type: ignore[arg-type]
    assert solved_question(token, "kb-009") == "سؤال"
    assert solved_question(token, "kb-011") == ""
    assert solved_question("garbage", "kb-009") == ""
