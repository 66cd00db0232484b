"""Chat keeps what people type (issue 13, defect 5): nothing that looks like HTML is stripped or decoded."""

from __future__ import annotations

from typing import Any

import pytest

from awn.chat.text import clean_text

from .conftest import conversation_of, start_chat


@pytest.mark.parametrize(
    "typed",
    [
        "مرحبا<b>…</b>بكم",
        "a < b and c > d",
        "&lt;script&gt; and &amp;amp;",  # entities stay entities: never decoded after cleaning
        "<script>alert(1)</script>",
        "سطر أول\nسطر ثانٍ\tمع مسافة",
        "😀👍",
    ],
)
def test_text_is_kept_exactly_as_typed(typed: str) -> None:
    assert clean_text(typed) == typed


def test_only_control_characters_and_surrounding_space_go() -> None:
    assert clean_text("  نص\x00 مع\x07 تحكم\x1b\x7f  ") == "نص مع تحكم"
    assert clean_text("a\r\nb\rc") == "a\nb\nc"
    assert clean_text(None) == "" and clean_text(42) == ""


@pytest.mark.django_db
def test_a_chat_line_with_markup_is_shown_escaped_on_the_ticket_page(world: Any) -> None:
    typed = "مرحبا<b>عاجل</b>بكم <img src=x onerror=alert(1)>"
    conversation = conversation_of(start_chat(question=typed)["token"])
    assert [line.body for line in conversation.lines.all()][:1] == [typed]
    page = world.client_for(world.agent).get(f"/workspace/tickets/{conversation.ticket_id}/").content.decode()
    assert "مرحبا&lt;b&gt;عاجل&lt;/b&gt;بكم &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
