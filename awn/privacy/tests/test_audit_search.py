"""The supervisors' audit search (/workspace/privacy/audit/) and its CSV export, itself audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awn.privacy.enums import AccessAction, ObjectKind
from awn.privacy.models import AccessRecord
from awn.privacy.services import record_access

AUDIT = reverse("privacy:audit")
EXPORT = reverse("privacy:audit-export")


@pytest.fixture
def trail(world):
    record_access(
        actor=world.agent,
        action=AccessAction.VIEW,
        object_kind=ObjectKind.CONTACT,
        object_id=world.child.pk,
        subject_id=world.child.pk,
        address="10.0.0.1",
    )
    record_access(
        actor=world.agent,
        action=AccessAction.UNMASK,
        object_kind=ObjectKind.CONTACT,
        object_id=world.other_child.pk,
        subject_id=world.other_child.pk,
        reason='=HYPERLINK("x")',
    )
    record_access(
        actor=world.supervisor,
        action=AccessAction.DOWNLOAD,
        object_kind=ObjectKind.ATTACHMENT,
        object_id=77,
        subject_id=world.child.pk,
    )
    return world


def shown(response) -> list[tuple[str, int | None]]:
    assert response.status_code == 200, response.content
    return [(r.action, r.subject_id) for r in response.context["page"]]


def test_only_supervisors_and_admins(trail):
    assert Client().get(AUDIT).status_code == 302
    for user in (trail.agent, trail.vendor_agent, trail.parent_user):
        client = trail.client_for(user)
        assert client.get(AUDIT).status_code == 404
        assert client.get(EXPORT).status_code == 404
    assert trail.client_for(trail.admin).get(AUDIT).status_code == 200
    assert AccessRecord.objects.filter(action="export").count() == 0


def test_filters_by_person_user_action_and_date(trail):
    client = trail.client_for(trail.supervisor)
    html = client.get(AUDIT).content.decode()
    assert 'dir="rtl"' in html and "سجل الوصول" in html  # Arabic, right to left
    assert shown(client.get(AUDIT)) == [
        ("download", trail.child.pk),
        ("unmask", trail.other_child.pk),
        ("view", trail.child.pk),
    ]
    assert shown(client.get(AUDIT, {"person": trail.child.pk})) == [
        ("download", trail.child.pk),
        ("view", trail.child.pk),
    ]
    assert shown(client.get(AUDIT, {"user": "agent"})) == [
        ("unmask", trail.other_child.pk),
        ("view", trail.child.pk),
    ]
    assert shown(client.get(AUDIT, {"action": "unmask"})) == [("unmask", trail.other_child.pk)]
    today = timezone.localdate()
    assert len(shown(client.get(AUDIT, {"date_from": today, "date_to": today}))) == 3
    assert shown(client.get(AUDIT, {"date_to": today - dt.timedelta(days=1)})) == []
    assert shown(client.get(AUDIT, {"date_from": today + dt.timedelta(days=1)})) == []


def test_bad_filters_are_explained_and_list_nothing(trail):
    client = trail.client_for(trail.supervisor)
    for params in (
        {"person": "abc"},
        {"action": "steal"},
        {"date_from": "2026-13-40"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"person": str(2**64)},
    ):
        response = client.get(AUDIT, params)
        assert response.status_code == 400, params
        assert response.context["page"] is None and 'role="alert"' in response.content.decode()
        assert client.get(EXPORT, params).status_code == 400
    assert not AccessRecord.objects.filter(action="export").exists()


def test_pagination(trail, settings):
    settings.AWN_PAGE_SIZE = 2
    client = trail.client_for(trail.supervisor)
    first = client.get(AUDIT)
    second = client.get(AUDIT, {"page": 2})
    assert len(shown(first)) == 2 and len(shown(second)) == 1
    assert 'data-testid="next-page"' in first.content.decode()


def test_query_count_does_not_grow_with_rows(trail, django_assert_max_num_queries):
    for i in range(30):
        record_access(
            actor=trail.agent,
            action=AccessAction.VIEW,
            object_kind=ObjectKind.TICKET,
            object_id=i,
            subject_id=trail.child.pk,
        )
    client = trail.client_for(trail.supervisor)
    with django_assert_max_num_queries(8):  # session, user, count, page (actors joined)
        assert client.get(AUDIT).status_code == 200


def test_csv_export_is_filtered_safe_and_audited(trail):
    client = trail.client_for(trail.supervisor)
    response = client.get(EXPORT, {"user": "agent"}, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["id", "at", "user", "role", "action"]
    assert [(r[2], r[4], r[7]) for r in rows[1:]] == [
        ("agent", "unmask", str(trail.other_child.pk)),
        ("agent", "view", str(trail.child.pk)),
    ]
    assert rows[1][10] == '\'=HYPERLINK("x")'  # a formula is never a formula in a spreadsheet
    export = AccessRecord.objects.get(action="export")
    assert (export.actor_id, export.object_kind, export.address) == (trail.supervisor.pk, "audit", "10.2.2.2")
    assert export.reason == "filter: user=agent"
