"""The AI first line through its API, as the portal, the chat widget and integrations call it.

The knowledge base is six real articles of ../shared/eval/kb.jsonl (fixtures/kb_small.jsonl) imported with the
knowledge base's own import service; retrieval runs with the real e5 model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from awn.assistant.answering import reset_index
from awn.knowledge.enums import Visibility
from awn.knowledge.models import Article
from awn.knowledge.services import article_update

FIXTURE = Path(__file__).parent / "fixtures" / "kb_small.jsonl"
ASK = "/api/v1/assistant/ask"


def ask(client: Client, question: str, **extra: Any) -> Any:
    return client.post(ASK, {"question": question, **extra}, content_type="application/json")


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("نسيت كلمة المرور وما اقدر ادخل", "kb-009"),  # Gulf
        ("كيف استرجع كلمه السر؟", "kb-009"),  # missing hamza, ta marbuta as ha
        ("غيرت رقم جوالي والرمز يروح للرقم القديم", "kb-011"),
        ("I forgot my password, how do I reset it?", "kb-009"),  # English
        ("nseet el password w mo 3arf ad5ol", "kb-009"),  # Arabizi
        ("النتيجة ما طلعت عندي ومكتوب محجوبة", "kb-020"),
    ],
)
def test_answers_from_the_matching_article(kb: None, client: Client, question: str, article_id: str) -> None:
    response = ask(client, question, channel="portal")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["article_id"] == article_id
    assert body["handoff"] is False
    assert 0 < body["confidence"] <= 1
    assert body["article_url"] == f"/portal/kb/{article_id}/"
    assert body["suggestions"][0]["article_id"] == article_id


def test_the_answer_is_the_articles_own_steps(kb: None, client: Client) -> None:
    body = ask(client, "نسيت كلمة المرور").json()
    article = Article.objects.get(external_id=body["article_id"])
    lines = [line for line in body["answer"].splitlines() if line.strip()]
    assert len(lines) >= 3
    for line in lines:
        assert line in article.body_ar or line == article.title_ar, line  # never invented text
    assert any(line[0].isdigit() for line in lines)  # the numbered steps are there


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("السلام عليكم", "off_topic"),
        ("وش مواعيد باص المدرسة لحينا؟", "not_covered"),
        ("someone hacked my account and changed my password", "account_compromised"),
        ("ابي اكلم موظف حقيقي مو bot", "asks_for_human"),
        ("عندي حسابين في النظام وابي دمجهم في حساب واحد", "staff_action"),
        ("🙂🙂🙂", "empty_question"),
    ],
)
def test_hands_off_to_a_human(kb: None, client: Client, question: str, reason: str) -> None:
    body = ask(client, question).json()
    assert body["handoff"] is True
    assert body["reason"] == reason
    assert body["answer"]  # the user is always told what happens next


def test_a_compromised_account_still_gets_the_steps_while_a_human_takes_over(
    kb: None, client: Client
) -> None:
    body = ask(client, "احد دخل على حسابي وغير الايميل، ساعدوني").json()
    assert body["handoff"] is True
    assert body["article_id"] == "kb-013"


def test_bad_input_gets_a_clear_error_never_a_500(kb: None, client: Client) -> None:
    for payload in ({"question": ""}, {"question": "x" * 100_001}, {"question": "a\x00b"}, {"nothing": 1}):
        response = client.post(ASK, payload, content_type="application/json")
        assert response.status_code == 422, payload
        error = response.json()["error"]
        assert error["message_ar"] and error["message_en"]
    response = client.post(ASK, b"\xff\xfe\x00binary", content_type="application/json")
    assert response.status_code in (400, 422)


def test_html_is_never_echoed_and_long_text_is_answered(kb: None, client: Client) -> None:
    body = ask(client, "<script>alert(1)</script> نسيت كلمة المرور").json()
    assert "<script" not in body["answer"]
    long = ask(client, "نسيت كلمة المرور " * 1000)  # 17,000 characters: read, not refused
    assert long.status_code == 200


def test_internal_articles_are_for_staff_only(kb: None, client: Client, world: Any) -> None:
    article = Article.objects.get(external_id="kb-009")
    article_update(article, visibility=Visibility.INTERNAL)
    reset_index()
    anonymous = ask(client, "نسيت كلمة المرور").json()
    customer = ask(world.client_for(world.parent_user), "نسيت كلمة المرور").json()
    agent = ask(world.client_for(world.agent), "نسيت كلمة المرور").json()
    assert anonymous["article_id"] != "kb-009"
    assert customer["article_id"] != "kb-009"
    assert "kb-009" not in {s["article_id"] for s in anonymous["suggestions"] + customer["suggestions"]}
    assert agent["article_id"] == "kb-009"


def test_contact_id_must_be_one_the_caller_may_see(kb: None, client: Client, world: Any) -> None:
    parent = world.client_for(world.parent_user)
    own = ask(parent, "نسيت كلمة المرور", contact_id=world.parent.pk)
    child = ask(parent, "نسيت كلمة المرور", contact_id=world.child.pk)
    stranger = ask(parent, "نسيت كلمة المرور", contact_id=world.other_parent.pk)
    anonymous = ask(client, "نسيت كلمة المرور", contact_id=world.parent.pk)
    assert (own.status_code, child.status_code) == (200, 200)
    assert stranger.status_code == 404
    assert anonymous.status_code == 404
    assert world.other_parent.name not in stranger.content.decode()


def test_eval_assistant_reports_one_json_line(tmp_path: Path, capsys: Any, db: None) -> None:
    from django.core.management import call_command

    queries = tmp_path / "q.jsonl"
    rows = [
        {
            "text": "نسيت كلمة المرور",
            "kb_id": "kb-009",
            "category": "account_access",
            "handoff_expected": False,
        },
        {"text": "متى اجازة منتصف الفصل؟", "kb_id": None, "category": "other", "handoff_expected": True},
    ]
    queries.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    call_command("eval_assistant", kb=str(FIXTURE), queries=str(queries), current_database=True)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    assert figures["top1"] == 1.0
    assert figures["handoff_f1"] == 1.0
    assert {"top3", "category_acc", "ticket_category_acc", "p95_ms", "per_dialect"} <= set(figures)


def test_assistant_index_embeds_the_published_articles_ahead(kb: None, capsys: Any) -> None:
    from django.core.management import call_command

    reset_index()
    call_command("assistant_index")
    assert "6 published articles" in capsys.readouterr().out
