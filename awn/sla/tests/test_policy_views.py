"""SLA policy pages: supervisors and admins only, Arabic, per-priority targets in hours, bad input refused with a
clear error and nothing saved, the recomputation's progress bar."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awn.sla.enums import RecomputeState
from awn.sla.models import SlaPolicy, SlaRecompute
from awn.sla.recompute import recompute_start
from awn.tickets.enums import Category

pytestmark = pytest.mark.django_db
LIST = reverse("sla_policies:policies")
NEW = reverse("sla_policies:policy-new")


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "نقل الطلاب",
        "position": "5",
        "is_active": "on",
        "categories": [Category.TRANSFER],
        "pause_statuses": ["pending", "on_hold"],
        "warning_percent": "80",
        "target_urgent_first_reply": "0.5",
        "business_urgent_first_reply": "on",
        "target_urgent_resolution": "4",
        "target_normal_first_reply": "8",
        "business_normal_first_reply": "on",
    }
    data.update(changes)
    return data


def test_only_supervisors_and_admins_see_the_policy_pages(world) -> None:
    assert world.client_for(world.agent).get(LIST).status_code == 404
    assert world.client_for(world.parent_user).get(NEW).status_code == 404
    from django.test import Client

    assert Client().get(LIST).status_code == 302
    page = world.client_for(world.supervisor).get(LIST)
    assert page.status_code == 200 and "سياسات مستوى الخدمة" in page.content.decode()
    assert "السياسة الافتراضية" in page.content.decode()
    assert world.client_for(world.admin).get(NEW).status_code == 200


def test_a_supervisor_creates_a_policy_with_targets_in_hours(
    world, django_capture_on_commit_callbacks
) -> None:
    client = world.client_for(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            NEW, form_data(**{"teams": [world.in_house.pk], "schools": f"{world.school.pk}"})
        )
    assert response.status_code == 302 and response["Location"] == LIST
    policy = SlaPolicy.objects.get(name="نقل الطلاب")
    assert policy.targets == {
        "urgent": {
            "first_reply": {"minutes": 30, "business": True},
            "resolution": {"minutes": 240, "business": False},  # the box was left unticked: calendar hours
        },
        "normal": {"first_reply": {"minutes": 480, "business": True}},
    }
    assert (policy.position, policy.categories, policy.team_ids) == (
        5,
        [Category.TRANSFER],
        [world.in_house.pk],
    )
    assert policy.organization_ids == [world.school.pk] and policy.pause_statuses == ["on_hold", "pending"]
    assert SlaRecompute.objects.get().state == RecomputeState.DONE
    page = client.get(LIST).content.decode()
    assert "نقل الطلاب" in page and 'data-testid="recompute-bar"' in page and "100%" in page
    edit = client.get(reverse("sla_policies:policy-edit", args=[policy.pk])).content.decode()

    assert 'value="0.5"' in edit and 'value="4"' in edit and f'value="{world.school.pk}"' in edit


@pytest.mark.parametrize(
    ("changes", "error_field"),
    [
        ({"target_normal_first_reply": "99999"}, "target_normal_first_reply"),
        ({"target_normal_first_reply": "-1"}, "target_normal_first_reply"),
        ({"name": "السياسة الافتراضية"}, "name"),
        ({"schools": "12, abc"}, "schools"),
        ({"schools": "999999"}, None),
        ({"warning_percent": "0"}, "warning_percent"),
        (
            {
                "target_urgent_first_reply": "",
                "target_urgent_resolution": "",
                "target_normal_first_reply": "",
            },
            None,
        ),
    ],
)
def test_bad_input_gets_a_clear_arabic_error_and_saves_nothing(world, changes, error_field) -> None:
    before = list(SlaPolicy.objects.values_list("pk", "version"))
    response = world.client_for(world.supervisor).post(NEW, form_data(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-error"' in html
    if error_field:
        assert f'data-testid="error-{error_field}"' in html
    assert list(SlaPolicy.objects.values_list("pk", "version")) == before
    assert not SlaRecompute.objects.exists()


def test_the_progress_bar_polls_while_a_recomputation_runs(world) -> None:
    run = recompute_start("calendar")
    SlaRecompute.objects.filter(pk=run.pk).update(total=200, done=50)
    client = world.client_for(world.supervisor)
    fragment = client.get(reverse("sla_policies:recompute-progress")).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "25%" in fragment and "50 / 200" in fragment
    assert world.client_for(world.agent).get(reverse("sla_policies:recompute-progress")).status_code == 404


def test_a_policy_is_deleted_but_never_the_default(world) -> None:
    client = world.client_for(world.admin)
    policy = SlaPolicy.objects.create(name="مؤقتة", targets={"normal": {"first_reply": {"minutes": 60}}})
    assert client.post(reverse("sla_policies:policy-delete", args=[policy.pk])).status_code == 302
    assert not SlaPolicy.objects.filter(pk=policy.pk).exists()
    default = SlaPolicy.objects.get(is_default=True)
    client.post(reverse("sla_policies:policy-delete", args=[default.pk]))
    assert SlaPolicy.objects.filter(pk=default.pk).exists()
    assert client.get(reverse("sla_policies:policy-delete", args=[default.pk])).status_code == 405
