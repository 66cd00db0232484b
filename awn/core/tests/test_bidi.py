"""Bidi overrides in user text cannot reorder what staff read (issue 13, defect 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from awn.core.middleware import RevealBidiControlsMiddleware
from awn.core.text.bidi import BIDI_CONTROLS, reveal_bidi_controls, reveal_bidi_controls_utf8

RLO, PDF_, LRI, PDI, RLM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200f"


def test_each_override_embedding_and_isolate_gets_its_label() -> None:
    assert reveal_bidi_controls(f"فاتورة {RLO}fdp.exe") == "فاتورة [RLO]fdp.exe"
    assert reveal_bidi_controls(f"{LRI}abc{PDI}{PDF_}") == "[LRI]abc[PDI][PDF]"
    # All nine, by code point: U+202A–U+202E and U+2066–U+2069.
    assert sorted(ord(c) for c in BIDI_CONTROLS) == [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def test_marks_and_plain_text_are_left_alone() -> None:
    text = f"رقم الطلب {RLM}123 abc"
    assert reveal_bidi_controls(text) == text
    body = text.encode()
    assert reveal_bidi_controls_utf8(body) is body  # nothing to do: the same object, no copy


def _through(response: Any) -> Any:
    return RevealBidiControlsMiddleware(lambda request: response)(HttpRequest())


def test_html_pages_are_revealed_and_other_answers_pass() -> None:
    page = _through(
        HttpResponse(f"<td title='{RLO}x'>{RLO}abc</td>", content_type="text/html; charset=utf-8")
    )
    assert page.content.decode() == "<td title='[RLO]x'>[RLO]abc</td>"
    data = _through(HttpResponse(f'{{"subject": "{RLO}abc"}}', content_type="application/json"))
    assert RLO in data.content.decode()  # the API returns data as stored
    stream = _through(StreamingHttpResponse(iter([RLO.encode()]), content_type="text/html"))
    assert b"".join(stream.streaming_content) == RLO.encode()


@pytest.mark.django_db
def test_a_spoofed_subject_and_name_show_their_controls_in_the_queue_and_on_the_ticket(world: Any) -> None:
    from awn.crm.services import contact_create

    spoofer = contact_create(name=f"خالد {RLO}يلع")
    ticket = world.ticket(requester=spoofer, subject=f"مشكلة {RLO}لوخد {PDF_}في الحساب")
    client = world.client_for(world.agent)
    for url in ("/workspace/", f"/workspace/tickets/{ticket.pk}/"):
        page = client.get(url).content.decode()
        assert "[RLO]لوخد [PDF]في الحساب" in page, url
        assert RLO not in page and PDF_ not in page, url
    ticket.refresh_from_db()
    assert ticket.subject == f"مشكلة {RLO}لوخد {PDF_}في الحساب"  # stored exactly as typed
