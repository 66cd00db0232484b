"""Arabic demo data: schools, families, teachers, agents in an in-house and an outsourced team, 300 tickets.

Deterministic (seeded random) so screenshots and tests see the same world. Everything goes through services.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from awn.accounts.enums import Role, TeamKind
from awn.accounts.models import Team, User
from awn.accounts.services import team_create, user_create
from awn.crm.enums import ContactType, OrganizationKind, RelationKind
from awn.crm.models import Contact, Organization
from awn.crm.services import contact_create, external_event_record, organization_create, relation_add
from awn.crm.validators import national_id_from_seed
from awn.tickets.enums import Category, Channel, Direction, MessageKind, Priority, Status
from awn.tickets.models import AuditEntry, CannedResponse, Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_create, ticket_update

DEMO_PASSWORD = "awn-demo-2026"  # noqa: S105 - demo only, printed by `bin/awn up`

FIRST_NAMES_M = [
    "محمد",
    "عبدالله",
    "فهد",
    "خالد",
    "سعود",
    "فيصل",
    "تركي",
    "ناصر",
    "سلطان",
    "عبدالرحمن",
    "يوسف",
    "إبراهيم",
]
FIRST_NAMES_F = ["نورة", "سارة", "ريم", "هيفاء", "مها", "أمل", "لمى", "جود", "رغد", "شهد", "العنود", "فاطمة"]
FAMILY_NAMES = [
    "القحطاني",
    "العتيبي",
    "الشهري",
    "الغامدي",
    "الزهراني",
    "الدوسري",
    "الحربي",
    "المطيري",
    "السبيعي",
    "العمري",
]
SCHOOLS = [
    ("ابتدائية الملك عبدالعزيز", "الرياض", "1001"),
    ("متوسطة الإمام الشافعي", "جدة", "2002"),
    ("ثانوية الأمير سلطان", "الدمام", "3003"),
    ("ابتدائية الفيصلية للبنات", "الرياض", "1004"),
]

SUBJECTS: dict[str, list[tuple[str, str]]] = {
    Category.REGISTRATION: [
        (
            "تسجيل طالب مستجد في الصف الأول",
            "أرغب في تسجيل ابني في الصف الأول الابتدائي ولا تظهر لي المدارس القريبة من الحي.",
        ),
        ("طلب التسجيل مرفوض", "تم رفض طلب تسجيل ابنتي بدون ذكر السبب، أرجو التوضيح."),
    ],
    Category.TRANSFER: [
        (
            "طلب نقل إلى مدرسة أخرى",
            "انتقلنا إلى حي جديد وأريد نقل ابني إلى مدرسة قريبة، ولا يظهر لي خيار النقل.",
        ),
        ("النقل معلق منذ أسبوعين", "قدمت طلب نقل منذ أسبوعين وما زال تحت الإجراء."),
    ],
    Category.ACCOUNT_ACCESS: [
        (
            "لا أستطيع الدخول إلى حسابي",
            "كل ما أدخل كلمة المرور تظهر رسالة أن البيانات غير صحيحة، مع أني متأكد منها.",
        ),
        ("رمز التحقق لا يصل", "لا يصلني رمز التحقق على الجوال عند تسجيل الدخول."),
        ("الحساب مقفل", "تم قفل الحساب بعد محاولات دخول خاطئة، كيف أفتحه؟"),
    ],
    Category.PARENT_LINK: [
        ("ربط الأبناء بحساب ولي الأمر", "كيف أضيف أبنائي إلى حسابي؟ ابني الثاني لا يظهر."),
    ],
    Category.RESULTS_CERTIFICATES: [
        ("النتيجة لا تظهر", "نتيجة ابنتي للفصل الأول لا تظهر في النظام بينما زميلاتها ظهرت نتائجهن."),
        ("طباعة الشهادة", "أحتاج طباعة شهادة الصف الثالث المتوسط للتقديم على منحة."),
    ],
    Category.ACADEMIC_RECORD: [("السجل الأكاديمي ناقص", "السجل الأكاديمي لا يظهر فيه العام الماضي.")],
    Category.ATTENDANCE: [
        ("غياب مسجل بالخطأ", "تم تسجيل ابني غائبًا يوم الأحد وهو حضر إلى المدرسة."),
        ("تقديم عذر غياب", "كيف أرفع عذرًا طبيًا لغياب ابنتي؟"),
    ],
    Category.GRADE_ENTRY: [
        ("لا أستطيع رصد الدرجات", "عند رصد درجات الفترة الأولى تظهر رسالة خطأ ولا تُحفظ الدرجات."),
        ("تعديل درجة بعد الاعتماد", "رصدت درجة خاطئة لطالب واعتمدتها، كيف أعدلها؟"),
    ],
    Category.TIMETABLE_ASSIGNMENT: [
        ("المادة لا تظهر في جدولي", "مادة العلوم غير مسندة لي في الجدول مع أني أدرّسها.")
    ],
    Category.SCHOOL_TECHNICAL: [
        ("النظام لا يفتح في المدرسة", "جميع أجهزة المدرسة لا تستطيع فتح النظام منذ الصباح.")
    ],
    Category.COMPLAINTS_SUGGESTIONS: [
        ("اقتراح لتحسين الخدمة", "أقترح إضافة إشعار عند ظهور النتائج."),
        ("شكوى من تأخر الرد", "تواصلت أكثر من مرة ولم يرد أحد على طلبي."),
    ],
    Category.OTHER: [("استفسار عام", "متى تبدأ الإجازة الرسمية؟")],
}
AGENT_REPLIES = [
    "مرحبًا {name}، شكرًا لتواصلك معنا. نعمل على طلبك وسنوافيك بالتحديث قريبًا.",
    "أهلًا {name}، تم حل المشكلة، نرجو المحاولة مرة أخرى وإبلاغنا بالنتيجة.",
    "عزيزي {name}، نحتاج رقم هوية الطالب لإكمال الطلب.",
]
CANNED = [
    ("ترحيب", "مرحبًا {{contact.name}}، شكرًا لتواصلك مع الدعم الفني. رقم تذكرتك {{ticket.reference}}."),
    ("طلب رقم الهوية", "عزيزي {{contact.name}}، نرجو تزويدنا برقم هوية الطالب لنتمكن من المتابعة."),
    ("إغلاق", "يسعدنا أننا استطعنا مساعدتك يا {{contact.name}}. مع تحيات {{agent.name}}."),
]


def _person_name(rng: random.Random, female: bool, family: str) -> str:
    return f"{rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)} {rng.choice(FIRST_NAMES_M)} {family}"


@transaction.atomic
def seed_demo(tickets: int = 300, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    in_house = team_create(name="فريق الدعم الداخلي", kind=TeamKind.IN_HOUSE)
    vendor = team_create(
        name="الشركة المشغّلة — الحسابات",
        kind=TeamKind.OUTSOURCED,
        categories=[Category.ACCOUNT_ACCESS, Category.PARENT_LINK, Category.OTHER],
    )
    staff = _seed_staff(in_house, vendor)
    schools = _seed_schools()
    contacts = _seed_contacts(rng, schools)
    _seed_canned()
    made = _seed_tickets(rng, tickets, contacts, schools, staff, in_house, vendor)
    _seed_events(rng, contacts)
    articles = _seed_knowledge_base()
    return {"schools": len(schools), "contacts": len(contacts), "tickets": made, "articles": articles}


def _seed_knowledge_base() -> int:
    """Eight short Arabic articles on the most common problems, so the portal and the assistant have answers."""
    from awn.knowledge.services import kb_import, parse_kb_lines

    path = Path(__file__).parent / "fixtures" / "demo_kb.jsonl"
    result = kb_import(parse_kb_lines(path.read_text(encoding="utf-8").splitlines()))
    return result.created + result.updated + result.unchanged


def _seed_staff(in_house: Team, vendor: Team) -> dict[str, User]:
    people = [
        ("admin", Role.ADMIN, "سلمان", "المالكي", None),
        ("supervisor", Role.SUPERVISOR, "منيرة", "الشمري", in_house),
        ("agent1", Role.AGENT, "عبدالعزيز", "الفهد", in_house),
        ("agent2", Role.AGENT, "هند", "السالم", in_house),
        ("vendor1", Role.AGENT, "ماجد", "اليامي", vendor),
        ("vendor2", Role.AGENT, "أسماء", "البقمي", vendor),
    ]
    return {
        username: user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            team=team,
            email=f"{username}@awn.localhost",
        )
        for username, role, first, last, team in people
    }


def _seed_schools() -> list[Organization]:
    office = organization_create(
        name="إدارة تعليم الرياض", kind=OrganizationKind.EDUCATION_OFFICE, city="الرياض"
    )
    return [
        organization_create(name=name, code=code, city=city, parent=office if city == "الرياض" else None)
        for name, city, code in SCHOOLS
    ]


def _seed_contacts(rng: random.Random, schools: list[Organization]) -> list[Contact]:
    contacts: list[Contact] = []
    seq = 1000
    for family_index in range(20):
        family = FAMILY_NAMES[family_index % len(FAMILY_NAMES)]
        seq += 1
        parent_user = None
        if family_index == 0:
            parent_user = user_create(
                username="parent1",
                password=DEMO_PASSWORD,
                first_name="أحمد",
                last_name=family,
                email="parent1@awn.localhost",
            )
        parent = contact_create(
            name="أحمد محمد " + family
            if family_index == 0
            else _person_name(rng, family_index % 3 == 0, family),
            contact_type=ContactType.PARENT,
            national_id=national_id_from_seed(seq),
            phone=f"+9665{seq:08d}",
            email=f"parent{family_index + 1}@example.sa",
            user=parent_user,
        )
        contacts.append(parent)
        for _child in range(2):
            seq += 1
            child = contact_create(
                name=_person_name(rng, rng.random() < 0.5, family),
                contact_type=ContactType.STUDENT,
                national_id=national_id_from_seed(seq),
            )
            relation_add(kind=RelationKind.PARENT_OF, contact=parent, other_contact=child)
            relation_add(kind=RelationKind.STUDENT_AT, contact=child, organization=rng.choice(schools))
            contacts.append(child)
    for teacher_index in range(12):
        seq += 1
        user = None
        if teacher_index == 0:
            user = user_create(
                username="teacher1",
                password=DEMO_PASSWORD,
                first_name="ليلى",
                last_name="الحربي",
                email="teacher1@awn.localhost",
            )
        teacher = contact_create(
            name="ليلى سعد الحربي"
            if teacher_index == 0
            else _person_name(rng, teacher_index % 2 == 0, rng.choice(FAMILY_NAMES)),
            contact_type=ContactType.TEACHER if teacher_index < 9 else ContactType.SCHOOL_STAFF,
            national_id=national_id_from_seed(seq),
            phone=f"+9665{seq:08d}",
            email=f"teacher{teacher_index + 1}@example.sa",
            user=user,
        )
        kind = RelationKind.TEACHER_AT if teacher_index < 9 else RelationKind.STAFF_AT
        relation_add(kind=kind, contact=teacher, organization=schools[teacher_index % len(schools)])
        contacts.append(teacher)
    return contacts


def _seed_canned() -> None:
    for title, body in CANNED:
        CannedResponse.objects.create(title=title, body=body)


def _seed_tickets(
    rng: random.Random,
    count: int,
    contacts: list[Contact],
    schools: list[Organization],
    staff: dict[str, User],
    in_house: Team,
    vendor: Team,
) -> int:
    requesters = [c for c in contacts if c.contact_type != ContactType.STUDENT]
    categories = list(Category.values)
    statuses = list(Status.values)
    agents_by_team = {
        in_house.pk: [staff["agent1"], staff["agent2"]],
        vendor.pk: [staff["vendor1"], staff["vendor2"]],
    }
    now = timezone.now()
    for index in range(count):
        category = categories[index % len(categories)]
        subject, body = rng.choice(SUBJECTS[category])
        requester = requesters[0] if index % 15 == 0 else rng.choice(requesters)
        ticket = ticket_create(
            requester=requester,
            subject=subject,
            body=body,
            category=category,
            priority=rng.choices(list(Priority.values), weights=[2, 6, 2, 1])[0],
            channel=list(Channel.values)[index % 7],
            organization=rng.choice(schools),
        )
        target_status = statuses[index % len(statuses)]
        team = vendor if category in vendor.categories else in_house
        if target_status != Status.NEW:
            agent = rng.choice(agents_by_team[team.pk])
            ticket_update(
                ticket=ticket, actor=staff["supervisor"], changes={"team": team.pk, "assignee": agent.pk}
            )
            ticket_add_message(
                ticket=ticket,
                actor=agent,
                body=rng.choice(AGENT_REPLIES).format(name=requester.name.split()[0]),
            )
            if index % 4 == 0:
                ticket_add_message(
                    ticket=ticket,
                    actor=agent,
                    kind=MessageKind.NOTE,
                    body="ملاحظة داخلية: تم التواصل مع المدرسة.",
                )
            if target_status != Status.OPEN:
                _move_to(ticket, target_status, agent)
        elif index % 2 == 0:
            ticket_update(ticket=ticket, actor=staff["supervisor"], changes={"team": team.pk})
        created = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(30, 1440))
        _spread_in_time(rng, ticket, created, now)
    return count


def _spread_in_time(rng: random.Random, ticket: Ticket, created: datetime, now: datetime) -> None:
    """Date the ticket's life like a real one: opened at `created`, then each message and change minutes to hours
    after the one before, in the order they happened, all before `now`; "last updated" is its last event, so no
    message predates its ticket and the rows of the queue do not all share one time (issue 13, defect 8)."""
    messages = list(Message.objects.filter(ticket_id=ticket.pk).order_by("created_at", "id"))
    entries = list(AuditEntry.objects.filter(ticket_id=ticket.pk).order_by("created_at", "id"))
    timeline: list[Message | AuditEntry] = sorted([*messages, *entries], key=lambda row: row.created_at)
    gaps = [timedelta(0)] + [timedelta(minutes=rng.randint(3, 360)) for _row in timeline[1:]]
    room = (now - timedelta(minutes=5)) - created
    total = sum(gaps, timedelta(0))
    scale = min(1.0, room / total) if total else 1.0
    at = created
    stamps: dict[tuple[str, int], datetime] = {}
    for row, gap in zip(timeline, gaps, strict=True):
        at += gap * scale
        stamps[(type(row).__name__, row.pk)] = at
    for message in messages:
        Message.objects.filter(pk=message.pk).update(created_at=stamps[("Message", message.pk)])
    for entry in entries:
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=stamps[("AuditEntry", entry.pk)])
    message_times = [stamps[("Message", m.pk)] for m in messages]
    replies = [
        stamps[("Message", m.pk)]
        for m in messages
        if m.direction == Direction.OUTBOUND and m.kind == MessageKind.REPLY
    ]
    ticket.refresh_from_db(fields=["first_response_at", "resolved_at", "closed_at"])
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created,
        updated_at=at,
        last_message_at=max(message_times, default=created),
        first_response_at=min(replies) if replies and ticket.first_response_at else ticket.first_response_at,
        resolved_at=at if ticket.resolved_at else None,
        closed_at=at if ticket.closed_at else None,
    )


def _move_to(ticket: Ticket, status: str, agent: User) -> None:
    if status == Status.CLOSED:
        ticket_update(ticket=ticket, actor=agent, changes={"status": Status.RESOLVED})
    ticket_update(ticket=ticket, actor=agent, changes={"status": status})


def _seed_events(rng: random.Random, contacts: list[Contact]) -> None:
    reasons = ["كلمة مرور غير صحيحة", "الحساب مقفل بعد 5 محاولات", "رمز التحقق منتهي الصلاحية"]
    now = timezone.now()
    for index, contact in enumerate(c for c in contacts if c.contact_type == ContactType.PARENT):
        for attempt in range(3 if index == 0 else rng.randint(0, 2)):
            external_event_record(
                event_id=f"demo-{contact.pk}-{attempt}",
                event_type="login_failed",
                contact=contact,
                occurred_at=now - timedelta(hours=attempt * 3 + index),
                reason=reasons[attempt % len(reasons)],
            )


def demo_is_loaded() -> bool:
    return User.objects.filter(username="agent1").exists()
