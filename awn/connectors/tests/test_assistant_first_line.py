"""The assistant answers first on WhatsApp (and Telegram, email): through the real webhook, the real outbox and a
fake WhatsApp API on 127.0.0.1. "1" resolves, "2" or a longer message hands off with a note, an agent's reply or a
handoff silences it, an internal article is never sent."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from awn.assistant.first_line_channels import customer_word
from awn.assistant.models import FirstLineConversation, FirstLineState
from awn.connectors.models import Inbox, OutboundMessage
from awn.knowledge.models import Article, ArticleQuestion
from awn.tickets.enums import MessageKind, Status
from awn.tickets.models import Message, Ticket

from .conftest import load

_ids = itertools.count(1)
PASSWORD_QUESTION = "نسيت كلمة المرور حقتي ولا اقدر ادخل حساب ولدي وش اسوي"


@pytest.fixture(autouse=True)
def _first_line_on_whatsapp(settings: Any) -> None:
    settings.AWN_TASKS_MODE = "sync"
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ("whatsapp",)


def _text(body: str, sender: str = "966501234567") -> dict[str, Any]:
    payload = copy.deepcopy(load("whatsapp/text.json"))
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.first-line-{next(_ids)}"
    message["from"] = sender
    message["text"]["body"] = body
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = sender
    return payload


def _sent_texts(provider: Any) -> list[str]:
    return [r.json()["text"]["body"] for r in provider.state.sends() if r.json().get("type") == "text"]


Deliver = Callable[..., Any]


def test_a_question_an_article_answers_gets_its_steps_and_the_question_back(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
) -> None:
    assert deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION)).status_code == 200
    ticket = Ticket.objects.get(channel="whatsapp")
    sent = _sent_texts(provider)
    assert len(sent) == 1
    assert "افتح صفحة تسجيل الدخول واضغط «نسيت كلمة المرور»" in sent[0]  # the article's own first step
    assert sent[0].rstrip().endswith("أرسل 1 إن حلّتها، أو 2 للتحدث مع موظف.")  # did this solve it? 1 / 2
    state = FirstLineConversation.objects.get(ticket=ticket)
    assert state.state == FirstLineState.ANSWERED and state.article_external_id == "kb-009"
    bot = Message.objects.get(ticket=ticket, direction="outbound")
    assert bot.author_user is None and bot.kind == MessageKind.REPLY
    assert OutboundMessage.objects.get(message=bot).status == "sent"
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a bot answer is no agent's first response


def test_one_resolves_the_ticket_and_teaches_the_article(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
) -> None:
    deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION))
    deliver(inboxes["whatsapp"], _text("١"))  # Arabic-Indic one
    ticket = Ticket.objects.get(channel="whatsapp")
    assert ticket.status == Status.RESOLVED
    assert FirstLineConversation.objects.get(ticket=ticket).state == FirstLineState.SOLVED
    assert ArticleQuestion.objects.filter(article__external_id="kb-009").exists()
    assert len(_sent_texts(provider)) == 1  # nothing more said


@pytest.mark.parametrize("word", ["2", "موظف", "agent please"])
def test_two_hands_off_with_a_note_and_the_assistant_falls_silent(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
    word: str,
) -> None:
    deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION))
    deliver(inboxes["whatsapp"], _text(word))
    ticket = Ticket.objects.get(channel="whatsapp")
    assert ticket.status != Status.RESOLVED
    assert FirstLineConversation.objects.get(ticket=ticket).state == FirstLineState.HANDED_OFF
    notes = list(Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).values_list("body", flat=True))
    assert any("kb-009" in n for n in notes)
    assert len(_sent_texts(provider)) == 2  # the answer, then "a member of our team will answer you"
    deliver(inboxes["whatsapp"], _text("متى بيردون علي؟"))
    assert len(_sent_texts(provider)) == 2  # silent once people have it


def test_a_longer_message_after_the_answer_goes_to_people(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
) -> None:
    deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION))
    deliver(inboxes["whatsapp"], _text("سويت كل الخطوات والرمز ما يوصلني على الجوال الجديد"))
    state = FirstLineConversation.objects.get()
    assert state.state == FirstLineState.HANDED_OFF and state.reason == "wrote_again"


def test_a_question_it_cannot_answer_is_handed_off_at_once(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
) -> None:
    deliver(inboxes["whatsapp"], _text("ابي اكلم موظف الحين لو سمحت"))
    ticket = Ticket.objects.get(channel="whatsapp")
    assert FirstLineConversation.objects.get(ticket=ticket).state == FirstLineState.HANDED_OFF
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).exists()
    sent = _sent_texts(provider)
    assert len(sent) == 1 and "كلمة المرور" not in sent[0]  # an acknowledgement, no article


def test_after_an_agent_wrote_the_assistant_stays_silent(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
    reply: Any,
) -> None:
    FirstLineConversation.objects.all().delete()
    deliver(inboxes["whatsapp"], _text("ابي اكلم موظف"))
    ticket = Ticket.objects.get(channel="whatsapp")
    FirstLineConversation.objects.filter(ticket=ticket).delete()  # as if the assistant had never looked at it
    reply(world.client_for(world.agent), ticket.pk, "أهلاً، كيف أخدمك؟")
    before = len(_sent_texts(provider))
    deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION))
    assert len(_sent_texts(provider)) == before
    assert not FirstLineConversation.objects.filter(ticket=ticket).exists()


def test_an_internal_article_is_never_sent(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
) -> None:
    from awn.assistant.answering import reset_index

    Article.objects.filter(external_id="kb-009").update(visibility="internal")
    reset_index()
    deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION))
    state = FirstLineConversation.objects.get()
    assert state.article_external_id != "kb-009"
    assert all("kb-009" not in text for text in _sent_texts(provider))


def test_off_channels_get_no_assistant(
    kb: None,
    world: Any,
    inboxes: dict[str, Inbox],
    deliver: Deliver,
    provider: Any,
    settings: Any,
) -> None:
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()
    deliver(inboxes["whatsapp"], _text(PASSWORD_QUESTION))
    assert _sent_texts(provider) == [] and not FirstLineConversation.objects.exists()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("1", "solved"),
        ("١", "solved"),
        ("نعم", "solved"),
        ("نعم شكرا", None),
        ("Yes", "solved"),
        ("2", "person"),
        ("٢", "person"),
        ("موظف", "person"),
        ("لا", "person"),
        ("1 ولكن عندي سؤال ثاني عن النقل", None),
        ("", None),
        ("كيف اغير رقم الجوال", None),
    ],
)
def test_the_customer_word(text: str, word: str | None) -> None:
    assert customer_word(text) == word
