"""Proactive outreach: segments from CRM data and external events, a guide sent once to each person on their
preferred channel, opt-outs respected and recorded, quiet hours (Asia/Riyadh), provider rates and daily caps,
refusals before anything is sent, exactly-once sending across a crash, delivery statistics, supervisors only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation

from awn.connectors.events import DeliveryStatusChanged
from awn.connectors.models import Conversation, OutboundMessage
from awn.connectors.outbound import window_open
from awn.connectors.services import inbox_save
from awn.core.errors import PermissionDenied, ValidationError
from awn.core.events import publish
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Contact, ExternalEvent
from awn.crm.services import contact_create, relation_add
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article
from awn.notifications.models import Notification
from awn.outreach import selectors, services
from awn.outreach.enums import Audience, RecipientState
from awn.outreach.models import Campaign, OptOut, Recipient, Segment
from awn.tickets.enums import Direction, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message

pytestmark = pytest.mark.django_db
# 10:00 and 23:00 in Riyadh (UTC+3), a Sunday.
DAY = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
NIGHT = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
GUIDE_TITLE = "استعادة كلمة المرور في نور"


class Crash(BaseException):
    """A sender process dying (not an Exception: nothing under test may swallow it)."""


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> Any:
    settings.AWN_TASKS_MODE = "off"  # the sending rounds are driven by the tests
    settings.AWN_OUTREACH_QUIET_HOURS = (21, 8)
    services.after_send_hook = None
    yield
    services.after_send_hook = None


@pytest.fixture
def guide(db: None) -> Article:
    return Article.objects.create(
        external_id="kb-900",
        title_ar=GUIDE_TITLE,
        body_ar="افتح صفحة الدخول واضغط «نسيت كلمة المرور» ثم اتبع الخطوات.",
        title_en="Resetting your Noor password",
        body_en="Open the sign-in page and press “Forgot password”.",
        status=ArticleStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )


@pytest.fixture
def grades(world: Any) -> dict[str, Contact]:
    """At world.school: world.child in grade 1 (parent: world.parent, with an email), another grade 1 child whose
    parent has no email, a grade 2 child (parent with an email); a grade 1 child at another school."""
    relation_add(kind=RelationKind.STUDENT_AT, contact=world.child, organization=world.school, grade=1)
    made: dict[str, Contact] = {}
    for key, grade, email in (("g1_no_email", 1, ""), ("g2", 2, "g2parent@example.sa")):
        child = contact_create(name=f"طالب {key}", contact_type=ContactType.STUDENT)
        relation_add(kind=RelationKind.STUDENT_AT, contact=child, organization=world.school, grade=grade)
        parent = contact_create(name=f"ولي {key}", email=email)
        relation_add(kind=RelationKind.PARENT_OF, contact=parent, other_contact=child)
        made[key] = parent
    from awn.crm.services import organization_create

    elsewhere = organization_create(name="مدرسة أخرى")
    child = contact_create(name="طالب مدرسة أخرى", contact_type=ContactType.STUDENT)
    relation_add(kind=RelationKind.STUDENT_AT, contact=child, organization=elsewhere, grade=1)
    parent = contact_create(name="ولي مدرسة أخرى", email="elsewhere@example.sa")
    relation_add(kind=RelationKind.PARENT_OF, contact=parent, other_contact=child)
    made["elsewhere"] = parent
    return made


def grade1_parents(world: Any) -> Segment:
    return services.segment_create(
        actor=world.supervisor,
        name="أولياء أمور الصف الأول",
        audience=Audience.PARENTS,
        school=world.school,
        grade=1,
    )


def failed_login(contact: Contact, hours_ago: float, n: int) -> None:
    ExternalEvent.objects.create(
        event_id=f"e{n}",
        event_type="login_failed",
        contact=contact,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
    )


def send_all(campaign: Campaign, now: datetime = DAY) -> None:
    while services.campaign_send_batch(campaign.pk, now=now):
        pass


def guide_messages(contact: Contact) -> list[str]:
    return list(
        Message.objects.filter(
            ticket__requester=contact, direction=Direction.OUTBOUND, body__contains=GUIDE_TITLE
        ).values_list("body", flat=True)
    )


# ---- segments --------------------------------------------------------------------------------------------


def test_parents_of_grade_1_students_at_a_school(world: Any, grades: dict[str, Contact]) -> None:
    matched = set(selectors.segment_contacts(grade1_parents(world)).values_list("pk", flat=True))
    assert matched == {world.parent.pk, grades["g1_no_email"].pk}


def test_everyone_whose_login_failed_today(world: Any) -> None:
    failed_login(world.parent, 2, 1)
    failed_login(world.teacher, 30, 2)  # yesterday: outside the last 24 hours
    failed_login(world.parent, 1, 3)  # twice: one person
    segment = services.segment_create(
        actor=world.supervisor, name="فشل الدخول اليوم", event_type="login_failed", event_hours=24
    )
    assert list(selectors.segment_contacts(segment).values_list("pk", flat=True)) == [world.parent.pk]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, "name"),
        ({"grade": 13}, "grade"),
        ({"audience": "all"}, "audience"),
        ({"event_hours": 0}, "event_hours"),
    ],
)
def test_bad_segments_are_refused(world: Any, extra: dict[str, Any], field: str) -> None:
    criteria = {"event_type": "login_failed"} if field != "name" else {}
    with pytest.raises(ValidationError) as caught:
        services.segment_create(actor=world.supervisor, name="س", **{**criteria, **extra})
    assert caught.value.field == field
    assert not Segment.objects.exists()


def test_only_supervisors_make_segments_and_campaigns(world: Any, guide: Article) -> None:
    for who in (world.agent, world.vendor_agent, world.parent_user):
        with pytest.raises(PermissionDenied):
            services.segment_create(actor=who, name="س", event_type="login_failed")
    segment = services.segment_create(actor=world.admin, name="س", event_type="login_failed")
    with pytest.raises(PermissionDenied):
        services.campaign_create(actor=world.agent, segment=segment, article=guide)


# ---- refused before anything is sent ---------------------------------------------------------------------


def test_a_segment_that_matches_nobody_is_refused_with_a_clear_message(world: Any, guide: Article) -> None:
    segment = services.segment_create(actor=world.supervisor, name="لا أحد", event_type="login_failed")
    with pytest.raises(ValidationError) as caught:
        services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    assert "لا تطابق هذه الشريحة أحدًا" in str(caught.value.message)  # Arabic first, English second
    with translation.override("en"):
        assert "matches nobody" in str(caught.value.message)
    assert not Campaign.objects.exists() and not Recipient.objects.exists()


def test_more_than_a_providers_daily_cap_is_refused_before_anything(
    world: Any, guide: Article, settings: Any
) -> None:
    settings.AWN_BROADCAST_DAILY_LIMITS = {"email": 2}
    for n in range(3):
        failed_login(contact_create(name=f"شخص {n}", email=f"p{n}@example.sa"), 1, n)
    segment = services.segment_create(actor=world.supervisor, name="ثلاثة", event_type="login_failed")
    with pytest.raises(ValidationError) as caught:
        services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    message = str(caught.value.message)
    assert "3 رسالة" in message and "بـ 2 في اليوم" in message and "لم يُرسل شيء" in message
    with translation.override("en"):
        assert "send 3 messages" in str(caught.value.message)
        assert "allows 2 a day" in str(caught.value.message)
    assert not Campaign.objects.exists() and not Recipient.objects.exists()
    settings.AWN_BROADCAST_DAILY_LIMITS = {"email": 3}
    assert services.campaign_create(actor=world.supervisor, segment=segment, article=guide).total == 3


def test_a_draft_or_internal_article_is_not_a_guide(world: Any, guide: Article) -> None:
    failed_login(world.parent, 1, 1)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    Article.objects.filter(pk=guide.pk).update(visibility=Visibility.INTERNAL)
    guide.refresh_from_db()
    with pytest.raises(ValidationError):
        services.campaign_create(actor=world.supervisor, segment=segment, article=guide)


# ---- sending ---------------------------------------------------------------------------------------------


def test_each_reachable_person_gets_the_guide_once_by_email(
    world: Any, grades: dict[str, Contact], guide: Article
) -> None:
    campaign = services.campaign_create(actor=world.supervisor, segment=grade1_parents(world), article=guide)
    assert (campaign.matched, campaign.opted_out, campaign.unreachable, campaign.total) == (2, 0, 1, 1)
    send_all(campaign)
    [body] = guide_messages(world.parent)
    assert "/portal/kb/kb-900/" in body and "إيقاف" in body
    assert guide_messages(grades["g1_no_email"]) == []
    ticket = Ticket.objects.get(requester=world.parent, subject=GUIDE_TITLE)
    assert ticket.status == Status.RESOLVED  # in nobody's queue
    # The notifications' email carries it (an outbox row; its job sends it).
    emails = Notification.objects.filter(body__contains=GUIDE_TITLE).values_list("to_email", flat=True)
    assert list(emails) == ["parent@example.sa"]
    assert services.campaign_send_batch(campaign.pk, now=DAY) == 0  # again: nothing more
    assert len(guide_messages(world.parent)) == 1
    campaign.refresh_from_db()
    assert campaign.finished_at is not None


def test_the_guide_is_in_the_persons_language(world: Any, guide: Article) -> None:
    english = contact_create(name="Sam", email="sam@example.com", language="en")
    failed_login(english, 1, 1)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    send_all(services.campaign_create(actor=world.supervisor, segment=segment, article=guide))
    [body] = Message.objects.filter(ticket__requester=english, direction=Direction.OUTBOUND).values_list(
        "body", flat=True
    )
    assert "Resetting your Noor password" in body and "reply STOP" in body


def test_whatsapp_goes_to_the_address_they_used_with_an_honest_window(world: Any, guide: Article) -> None:
    inbox = inbox_save(
        inbox=None,
        name="واتساب",
        kind="whatsapp",
        api_base_url="http://127.0.0.1:9/wa/v21.0",
        settings={"phone_number_id": "1", "template_name": "guide_ar"},
        secrets={"access_token": "t", "app_secret": "s", "verify_token": "v"},
    )
    old_ticket = world.ticket()
    three_days_ago = timezone.now() - timedelta(days=3)
    Conversation.objects.create(
        ticket=old_ticket,
        inbox=inbox,
        address="966501234567",
        contact=world.parent,
        last_inbound_at=three_days_ago,
    )
    failed_login(world.parent, 1, 1)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    recipient = Recipient.objects.get(campaign=campaign)
    assert (recipient.channel, recipient.inbox_id, recipient.address) == (
        "whatsapp",
        inbox.pk,
        "966501234567",
    )
    send_all(campaign)
    recipient.refresh_from_db()
    assert recipient.ticket_id is not None and recipient.message_id is not None
    thread = Conversation.objects.get(ticket_id=recipient.ticket_id)
    assert thread.last_inbound_at == three_days_ago  # never "now": outside 24 h the inbox's template goes
    assert not window_open(inbox, "966501234567")
    outbound = OutboundMessage.objects.get(message_id=recipient.message_id)
    assert outbound.address == "966501234567" and outbound.inbox_id == inbox.pk


def test_opted_out_people_are_left_out_and_counted(
    world: Any, grades: dict[str, Contact], guide: Article
) -> None:
    services.opt_out(contact=world.parent, source="staff")
    with pytest.raises(ValidationError) as caught:  # the only reachable one opted out
        services.campaign_create(actor=world.supervisor, segment=grade1_parents(world), article=guide)
    assert "لا يمكن الوصول إلى أيٍّ منهم" in str(caught.value.message)
    with translation.override("en"):
        assert "none of them can be reached" in str(caught.value.message)
    assert OptOut.objects.get().source == "staff"


def test_an_opt_out_after_queueing_is_respected_at_sending(world: Any, guide: Article) -> None:
    people = [contact_create(name=f"شخص {n}", email=f"p{n}@example.sa") for n in range(3)]
    for n, person in enumerate(people):
        failed_login(person, 1, n)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    services.opt_out(contact=people[1], source="staff")
    send_all(campaign)
    states = dict(Recipient.objects.filter(campaign=campaign).values_list("contact_id", "state"))
    assert states == {
        people[0].pk: RecipientState.SENT,
        people[1].pk: RecipientState.SKIPPED,
        people[2].pk: RecipientState.SENT,
    }
    assert guide_messages(people[1]) == []


def test_stop_on_their_channel_opts_out_and_is_recorded(
    world: Any, guide: Article, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    failed_login(world.parent, 1, 1)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    send_all(services.campaign_create(actor=world.supervisor, segment=segment, article=guide))
    settings.AWN_TASKS_MODE = "sync"
    ticket = world.ticket()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_message(ticket=ticket, body="إيقاف", actor=None, author_contact=world.parent)
    opt = OptOut.objects.get(contact=world.parent)
    assert opt.source == "keyword"
    assert Message.objects.filter(
        ticket=ticket, direction=Direction.OUTBOUND, body__contains="لن تصلك"
    ).exists()
    # "إيقاف" from someone never written to is no opt-out.
    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_message(
            ticket=world.ticket(requester=world.teacher),
            body="إيقاف",
            actor=None,
            author_contact=world.teacher,
        )
    assert not OptOut.objects.filter(contact=world.teacher).exists()


def test_quiet_hours_in_riyadh_send_nothing(world: Any, guide: Article) -> None:
    failed_login(world.parent, 1, 1)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    assert services.campaign_send_batch(campaign.pk, now=NIGHT) == 1  # 23:00 in Riyadh: nothing sent
    assert guide_messages(world.parent) == []
    assert selectors.quiet_seconds_left(NIGHT) == 9 * 3600  # until 08:00
    assert selectors.quiet_seconds_left(DAY) == 0
    assert services.campaign_send_batch(campaign.pk, now=DAY) == 0
    assert len(guide_messages(world.parent)) == 1


def test_rounds_follow_the_provider_rate(world: Any, guide: Article, settings: Any) -> None:
    settings.AWN_BROADCAST_RATES = {"email": 2}
    for n in range(5):
        failed_login(contact_create(name=f"شخص {n}", email=f"p{n}@example.sa"), 1, n)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    assert services.campaign_send_batch(campaign.pk, now=DAY) == 3
    assert services.campaign_send_batch(campaign.pk, now=DAY) == 1
    assert services.campaign_send_batch(campaign.pk, now=DAY) == 0


def test_a_crash_mid_campaign_then_the_sweep_sends_each_person_exactly_once(
    world: Any, guide: Article, settings: Any
) -> None:
    settings.AWN_BROADCAST_LEASE_SECONDS = 0  # a dead sender's rows are free at once
    people = [contact_create(name=f"شخص {n}", email=f"p{n}@example.sa") for n in range(6)]
    for n, person in enumerate(people):
        failed_login(person, 1, n)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    sent: list[int] = []

    def crash_on_the_third(recipient: Recipient) -> None:
        sent.append(recipient.pk)
        if len(sent) == 3:
            raise Crash()

    services.after_send_hook = crash_on_the_third
    with pytest.raises(Crash), transaction.atomic():
        services.campaign_send_batch(campaign.pk, now=DAY)
    services.after_send_hook = None
    # The crashed round's transaction is gone; rows are pending or sending (lease over): the sweep finds them.
    dispatched: list[int] = []
    import awn.outreach.services as module

    original = module.dispatch
    module.dispatch = lambda name, *args: dispatched.append(args[0])
    try:
        assert services.campaigns_resume(now=DAY) == 1  # at 10:00 in Riyadh, whenever the suite runs
    finally:
        module.dispatch = original
    assert dispatched == [campaign.pk]
    send_all(campaign)
    for person in people:
        assert len(guide_messages(person)) == 1
    assert set(Recipient.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        RecipientState.SENT
    }


def test_delivery_and_read_statistics(world: Any, guide: Article) -> None:
    people = [contact_create(name=f"شخص {n}", email=f"p{n}@example.sa") for n in range(3)]
    for n, person in enumerate(people):
        failed_login(person, 1, n)
    segment = services.segment_create(actor=world.supervisor, name="س", event_type="login_failed")
    campaign = services.campaign_create(actor=world.supervisor, segment=segment, article=guide)
    send_all(campaign)
    rows = list(Recipient.objects.filter(campaign=campaign).order_by("pk"))
    for row, status in zip(rows, ("delivered", "read", "failed"), strict=True):
        assert row.ticket_id is not None and row.message_id is not None
        with transaction.atomic():
            publish(DeliveryStatusChanged(ticket_id=row.ticket_id, message_id=row.message_id, status=status))
    stats = selectors.campaign_stats(campaign)
    assert stats["states"]["sent"] == 3
    assert (stats["delivery"]["delivered"], stats["delivery"]["read"], stats["delivery"]["failed"]) == (
        1,
        1,
        1,
    )
    assert stats["channels"] == {"email": 3}


# ---- pages -----------------------------------------------------------------------------------------------


def test_pages_are_for_supervisors_only_and_rtl(
    world: Any, grades: dict[str, Contact], guide: Article
) -> None:
    for who in (world.agent, world.vendor_agent, world.parent_user):
        assert world.client_for(who).get("/workspace/outreach/").status_code in (302, 404)
    client = world.client_for(world.supervisor)
    page = client.get("/workspace/outreach/").content.decode()
    assert 'dir="rtl"' in page and "التواصل الاستباقي" in page
    assert 'data-testid="nav-outreach"' in page  # one entry in the supervisors' service menu
    agent_page = world.client_for(world.agent).get("/workspace/").content.decode()
    assert 'data-testid="nav-outreach"' not in agent_page
    response = client.post(
        "/workspace/outreach/segments/",
        {
            "name": "أولياء الصف الأول",
            "audience": "parents",
            "school": world.school.pk,
            "grade": 1,
            "event_hours": 24,
        },
    )
    assert response.status_code == 302
    segment = Segment.objects.get()
    preview = client.post(
        "/workspace/outreach/campaigns/", {"segment": segment.pk, "article": guide.pk, "preview": "1"}
    )
    assert preview.status_code == 200 and 'data-testid="preview"' in preview.content.decode()
    assert not Campaign.objects.exists()  # a preview writes nothing
    response = client.post("/workspace/outreach/campaigns/", {"segment": segment.pk, "article": guide.pk})
    campaign = Campaign.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/workspace/outreach/campaigns/{campaign.pk}/"
    )
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="stat-total">1<' in detail
    assert world.client_for(world.agent).get(response["Location"]).status_code == 404


def test_the_page_says_so_when_a_segment_matches_nobody(world: Any, guide: Article) -> None:
    segment = services.segment_create(actor=world.supervisor, name="لا أحد", event_type="login_failed")
    response = world.client_for(world.supervisor).post(
        "/workspace/outreach/campaigns/", {"segment": segment.pk, "article": guide.pk}
    )
    assert response.status_code == 400
    assert 'data-testid="error"' in response.content.decode()
    assert not Campaign.objects.exists()
