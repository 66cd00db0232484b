"""Shared fixtures: a small world of schools, families, staff and teams, built through services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from awn.accounts.enums import Role, TeamKind
from awn.accounts.models import Team, User
from awn.accounts.services import team_create, user_create
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Contact, Organization
from awn.crm.services import contact_create, organization_create, relation_add
from awn.crm.validators import national_id_from_seed as national_id
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_create


def pytest_configure(config: pytest.Config) -> None:
    # Tests read the Arabic catalogue: compile it from the committed .po so they never see a stale .mo.
    from awn.core.i18n_compile import compile_all

    if compile_all():
        from django.utils.translation.reloader import translation_file_changed

        translation_file_changed(sender=None, file_path=Path("x.mo"))


PASSWORD = "correct-horse-battery-7"  # noqa: S105 - test fixture


class World:
    school: Organization
    in_house: Team
    vendor: Team
    admin: User
    supervisor: User
    agent: User
    vendor_agent: User
    parent_user: User
    parent: Contact
    child: Contact
    other_child: Contact
    other_parent_user: User
    other_parent: Contact
    teacher_user: User
    teacher: Contact

    def ticket(
        self, requester: Contact | None = None, category: str = Category.ACCOUNT_ACCESS, **kw: object
    ) -> Ticket:
        return ticket_create(
            requester=requester or self.parent,
            subject=kw.pop("subject", "لا أستطيع الدخول"),  # type: ignore[arg-type]
            body=kw.pop("body", "تظهر رسالة خطأ عند الدخول"),  # type: ignore[arg-type]
            category=category,
            **kw,  # type: ignore[arg-type]
        )

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture
def world(db: None) -> World:
    w = World()
    w.school = organization_create(name="ابتدائية الملك عبدالعزيز")
    w.in_house = team_create(name="داخلي", kind=TeamKind.IN_HOUSE)
    w.vendor = team_create(name="مشغّل", kind=TeamKind.OUTSOURCED, categories=[Category.ACCOUNT_ACCESS])
    w.admin = user_create(username="admin", password=PASSWORD, role=Role.ADMIN)
    w.supervisor = user_create(
        username="supervisor", password=PASSWORD, role=Role.SUPERVISOR, team=w.in_house
    )
    w.agent = user_create(
        username="agent", password=PASSWORD, role=Role.AGENT, team=w.in_house, first_name="هند"
    )
    w.vendor_agent = user_create(username="vendor", password=PASSWORD, role=Role.AGENT, team=w.vendor)
    w.parent_user = user_create(username="parent", password=PASSWORD, email="parent@example.sa")
    w.parent = contact_create(
        name="أحمد القحطاني",
        national_id=national_id(1),
        email="parent@example.sa",
        phone="0501234567",
        user=w.parent_user,
    )
    w.child = contact_create(
        name="سارة أحمد القحطاني", contact_type=ContactType.STUDENT, national_id=national_id(2)
    )
    relation_add(kind=RelationKind.PARENT_OF, contact=w.parent, other_contact=w.child)
    relation_add(kind=RelationKind.STUDENT_AT, contact=w.child, organization=w.school)
    w.other_parent_user = user_create(username="other", password=PASSWORD)
    w.other_parent = contact_create(name="خالد العتيبي", national_id=national_id(3), user=w.other_parent_user)
    w.other_child = contact_create(
        name="ريم خالد العتيبي", contact_type=ContactType.STUDENT, national_id=national_id(4)
    )
    relation_add(kind=RelationKind.PARENT_OF, contact=w.other_parent, other_contact=w.other_child)
    w.teacher_user = user_create(username="teacher", password=PASSWORD)
    w.teacher = contact_create(name="ليلى الحربي", contact_type=ContactType.TEACHER, user=w.teacher_user)
    return w


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in the cache; one test's requests must not throttle the next.
    from django.core.cache import cache

    from awn.sla import selectors as sla_selectors

    cache.clear()
    # Built business calendars are kept per process by (id, version, updated_at); a rolled-back test's calendar
    # can come back with the same id, version and (under a frozen clock) time: never reuse it across tests.
    sla_selectors._built.clear()
    from awn.sla import clocks as sla_clocks

    sla_clocks._policies.clear()  # the same for the policies kept per stamp (sla.clocks.active_policies_as_of)
    from awn.accounts.services import forget_api_tokens

    forget_api_tokens()  # tokens kept per process (accounts.services.TOKEN_CACHE_SECONDS)


@pytest.fixture(autouse=True)
def _jobs_inline(settings: Any) -> None:
    # Deterministic: background jobs run inline once the transaction commits. Tests of the thread pool, of
    # Celery and of the "off" mode set their own.
    settings.AWN_TASKS_MODE = "sync"


@pytest.fixture(autouse=True)
def _staff_2fa_off(settings: Any) -> None:
    # Staff sign in with a password alone in tests, as in the demo: awn/accounts/tests/test_two_factor.py and
    # test_session_rules.py turn the second step on.
    settings.AWN_STAFF_2FA = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s a user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SMALL_KB = Path(__file__).parent / "awn" / "assistant" / "tests" / "fixtures" / "kb_small.jsonl"


@pytest.fixture
def kb(db: None) -> Iterator[None]:
    """Six published articles of the eval knowledge base (kb_small.jsonl); the assistant's index is rebuilt
    around the test."""
    from awn.assistant.answering import reset_index
    from awn.knowledge.services import kb_import, parse_kb_lines

    reset_index()
    kb_import(parse_kb_lines(SMALL_KB.read_text(encoding="utf-8").splitlines()))
    yield
    reset_index()
