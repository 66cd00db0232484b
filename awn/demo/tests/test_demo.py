from __future__ import annotations

from django.db.models import Count

from awn.accounts.enums import TeamKind
from awn.accounts.models import Team
from awn.crm.enums import RelationKind
from awn.crm.models import Contact, ExternalEvent, Organization, Relation
from awn.demo.services import seed_demo
from awn.tickets.enums import Category, Status
from awn.tickets.models import Ticket


def test_demo_data_covers_every_category_status_and_both_team_kinds(db):
    counts = seed_demo(tickets=72)
    assert counts["contacts"] >= 60
    assert Organization.objects.filter(kind="school").count() >= 3
    assert Contact.objects.count() >= 60
    assert Relation.objects.filter(kind=RelationKind.PARENT_OF).count() >= 20
    assert Relation.objects.filter(kind=RelationKind.STUDENT_AT).count() >= 20
    assert set(Ticket.objects.values_list("category", flat=True)) == set(Category.values)
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert {t.kind for t in Team.objects.all()} >= {TeamKind.IN_HOUSE, TeamKind.OUTSOURCED}
    assert ExternalEvent.objects.filter(event_type="login_failed").exists()
    busiest = Ticket.objects.values("requester").annotate(n=Count("id")).order_by("-n").first()
    assert busiest is not None and busiest["n"] >= 2


def test_demo_knowledge_base_answers_a_parent(db):
    from awn.assistant.answering import assistant_ask, reset_index
    from awn.knowledge.models import Article

    reset_index()
    counts = seed_demo(tickets=24)
    assert counts["articles"] == Article.objects.count() == 8
    answer = assistant_ask("نسيت كلمة السر ومو قادر ادخل")
    assert answer.article_id == "demo-001" and not answer.handoff
    reset_index()


def test_demo_tickets_have_spread_times_and_their_messages_follow_in_order(db):
    """Issue 13, defect 8: no message dated before its ticket, messages in the order they were written, and "last
    updated" spread over the tickets' lives instead of one shared time."""
    from django.utils import timezone

    from awn.tickets.models import AuditEntry, Message

    seed_demo(tickets=36)
    now = timezone.now()
    tickets = list(Ticket.objects.all())
    assert len({t.updated_at for t in tickets}) == len(tickets)
    assert len({t.created_at.date() for t in tickets}) >= 10  # spread over weeks, not one day
    for ticket in tickets:
        times = list(
            Message.objects.filter(ticket=ticket).order_by("id").values_list("created_at", flat=True)
        )
        assert times and times[0] >= ticket.created_at, ticket.pk
        assert times == sorted(times), ticket.pk
        audit = AuditEntry.objects.filter(ticket=ticket).values_list("created_at", flat=True)
        assert all(ticket.created_at <= at <= ticket.updated_at for at in audit), ticket.pk
        assert ticket.created_at < ticket.updated_at <= now and times[-1] <= ticket.updated_at
        assert ticket.last_message_at == times[-1]
        if ticket.resolved_at:
            assert ticket.created_at < ticket.resolved_at <= now
