"""Before a ticket is sent, the portal shows the assistant's answer: "did this solve it?".

Yes → no ticket, the article gets a helpful vote. No, or a question the assistant hands off → the ticket is
created with the question as written and the assistant's attempt as an internal note, so nobody asks twice.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awn.knowledge.models import Article
from awn.tickets.enums import Category, Direction, MessageKind
from awn.tickets.models import Message, Ticket

from .files import png_bytes

URL = reverse("portal:ticket_new")


def _form(subject: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"subject": subject, "body": body, "category": Category.ACCOUNT_ACCESS, "about": "self", **extra}


FORGOT = _form("نسيت كلمة المرور", "نسيت كلمة المرور وما اقدر ادخل على حساب ولي الأمر")


def test_the_answer_comes_first_and_no_ticket_is_sent(kb: None, world: Any) -> None:
    response = world.client_for(world.parent_user).post(URL, FORGOT)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="assistant-answer"' in page
    assert "استعادة كلمة المرور المنسية" in page
    assert 'name="assistant_declined" value="kb-009"' in page
    assert Ticket.objects.count() == 0


def test_yes_it_solved_it_sends_nothing_and_counts_a_helpful_vote(kb: None, world: Any) -> None:
    client = world.client_for(world.parent_user)
    response = client.post(reverse("portal:assistant_solved"), {"article": "kb-009"})
    assert response.status_code == 302
    assert Ticket.objects.count() == 0
    assert Article.objects.get(external_id="kb-009").helpful_count == 1


def test_no_sends_the_ticket_with_the_assistants_attempt_for_the_agent(kb: None, world: Any) -> None:
    client = world.client_for(world.parent_user)
    response = client.post(URL, {**FORGOT, "assistant_declined": "kb-009"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert note.direction == Direction.INTERNAL
    assert "kb-009" in note.body and note.author_user_id is None and note.author_contact_id is None
    customer_page = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
    assert "kb-009" not in customer_page  # the note is internal
    assert FORGOT["body"] in customer_page  # the question as the customer wrote it


def test_a_question_for_a_human_goes_straight_to_a_ticket(kb: None, world: Any) -> None:
    client = world.client_for(world.parent_user)
    form = _form("حسابي مخترق", "احد دخل على حسابي وغير الايميل والرقم، ساعدوني بسرعة")
    response = client.post(URL, form)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).count() == 1


def test_a_ticket_with_files_is_not_held_back(kb: None, world: Any) -> None:
    upload = SimpleUploadedFile("screen.png", png_bytes(4, 4), content_type="image/png")
    response = world.client_for(world.parent_user).post(URL, {**FORGOT, "attachments": upload})
    assert response.status_code == 302
    assert Ticket.objects.count() == 1
