"""The rule pages through HTTP: supervisors and admins only, Arabic RTL, CSRF, a dry run that saves nothing, an
invalid rule that says why and saves nothing, ordering, enabling, export and import."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from awn.automation import services
from awn.automation.enums import Trigger
from awn.automation.models import Rule

pytestmark = pytest.mark.django_db
INDEX = "/workspace/automation/"


def rule_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "أولوية الدخول",
        "trigger": "ticket_created",
        "match": "all",
        "enabled": "on",
        "c0_field": "category",
        "c0_op": "is",
        "c0_value": "account_access",
        "c1_field": "subject",
        "c1_op": "contains",
        "c1_value": "الدخول",
        "a0_type": "set_priority",
        "a0_value": "high",
        "a1_type": "add_tag",
        "a1_value": "دخول",
    }
    form.update(overrides)
    return form


def make(world: Any, name: str = "A", trigger: str = Trigger.TICKET_CREATED) -> Rule:
    return services.rule_create(
        name=name, trigger=trigger, spec={"actions": [{"type": "add_tag", "value": name}]}, actor=world.admin
    )


def test_only_supervisors_and_admins_see_and_change_rules(world: Any) -> None:
    rule = make(world)
    assert Client().get(INDEX).status_code == 302
    for user in (world.agent, world.vendor_agent, world.parent_user):
        client = world.client_for(user)
        for url in (INDEX, f"{INDEX}new/", f"{INDEX}{rule.pk}/", f"{INDEX}export/"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"{INDEX}new/", rule_form()).status_code == 404
        assert client.post(f"{INDEX}{rule.pk}/delete/").status_code == 404
        assert client.post(f"{INDEX}{rule.pk}/toggle/").status_code == 404
    assert list(Rule.objects.values_list("name", "enabled")) == [("A", True)]
    for user in (world.supervisor, world.admin):
        assert world.client_for(user).get(INDEX).status_code == 200
    assert world.client_for(world.admin).get(f"{INDEX}999999/").status_code == 404


def test_the_list_is_arabic_rtl_and_linked_from_the_navigation(world: Any) -> None:
    make(world, "قاعدة الترحيب")
    page = world.client_for(world.supervisor).get(INDEX).content.decode()
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "قواعد الأتمتة" in page and "قاعدة الترحيب" in page and "إنشاء تذكرة" in page
    assert 'data-testid="nav-automation"' in page


def test_creating_a_rule_through_the_form(world: Any) -> None:
    response = world.client_for(world.supervisor).post(f"{INDEX}new/", rule_form())
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.conditions == [
        {"field": "category", "op": "is", "value": "account_access"},
        {"field": "subject", "op": "contains", "value": "الدخول"},
    ]
    assert rule.actions == [{"type": "set_priority", "value": "high"}, {"type": "add_tag", "value": "دخول"}]
    assert rule.created_by == world.supervisor
    edit = world.client_for(world.supervisor).get(f"{INDEX}{rule.pk}/").content.decode()
    assert 'value="أولوية الدخول"' in edit


@pytest.mark.parametrize(
    ("overrides", "arabic"),
    [
        ({"c0_field": "", "c0_op": "is", "c0_value": "x"}, "حقل غير معروف"),
        ({"c0_op": "gte"}, "لا يمكن استخدام"),
        ({"a0_value": "very"}, "ليست من القيم المسموح"),
        ({"c2_field": "hours_since_created", "c2_op": "gte", "c2_value": "ثلاثة"}, "عدد ساعات"),
    ],
)
def test_an_invalid_rule_says_why_in_arabic_and_saves_nothing(
    world: Any, overrides: dict[str, str], arabic: str
) -> None:
    response = world.client_for(world.supervisor).post(f"{INDEX}new/", rule_form(**overrides))
    assert response.status_code == 400
    assert arabic in response.content.decode()
    assert not Rule.objects.exists()


def test_a_rule_that_would_loop_is_refused_on_the_page(world: Any) -> None:
    client = world.client_for(world.admin)
    assert (
        client.post(
            f"{INDEX}new/",
            rule_form(
                name="A",
                trigger="ticket_updated",
                c0_field="",
                c0_op="",
                c0_value="",
                c1_field="",
                c1_op="",
                c1_value="",
            ),
        ).status_code
        == 302
    )
    response = client.post(
        f"{INDEX}new/",
        rule_form(
            name="B",
            trigger="ticket_updated",
            a0_value="low",
            c0_field="",
            c0_op="",
            c0_value="",
            c1_field="",
            c1_op="",
            c1_value="",
        ),
    )
    assert response.status_code == 400
    assert "حلقة" in response.content.decode()
    assert list(Rule.objects.values_list("name", flat=True)) == ["A"]


def test_the_dry_run_shows_the_changes_against_a_ticket_and_saves_nothing(world: Any) -> None:
    ticket = world.ticket(subject="لا أستطيع الدخول إلى نور")
    response = world.client_for(world.supervisor).post(
        f"{INDEX}new/", {**rule_form(), "ticket_number": str(ticket.pk), "dry_run": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="dry-run-result"' in page and "تتحقق الشروط" in page
    assert "عالية" in page  # priority → high, in Arabic
    assert not Rule.objects.exists()
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    missing = world.client_for(world.supervisor).post(
        f"{INDEX}new/", {**rule_form(), "ticket_number": "999999", "dry_run": "1"}
    )
    assert missing.status_code == 400 and "لا توجد تذكرة" in missing.content.decode()


def test_order_enable_and_delete(world: Any) -> None:
    a, b = make(world, "A"), make(world, "B")
    client = world.client_for(world.admin)
    client.post(f"{INDEX}{b.pk}/move/", {"direction": "up"})
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["B", "A"]
    client.post(f"{INDEX}{a.pk}/toggle/")
    assert not Rule.objects.get(pk=a.pk).enabled
    assert client.get(f"{INDEX}{a.pk}/toggle/").status_code == 405
    client.post(f"{INDEX}{a.pk}/delete/")
    assert list(Rule.objects.values_list("name", flat=True)) == ["B"]


def test_export_then_import_and_a_bad_file_saves_nothing(world: Any) -> None:
    make(world, "A")
    client = world.client_for(world.admin)
    exported = client.get(f"{INDEX}export/")
    assert exported["Content-Disposition"].startswith("attachment")
    data = json.loads(exported.content)
    Rule.objects.all().delete()
    upload = SimpleUploadedFile("rules.json", json.dumps(data).encode(), "application/json")
    page = client.post(f"{INDEX}import/", {"file": upload}, follow=True).content.decode()
    assert list(Rule.objects.values_list("name", flat=True)) == ["A"]
    assert "استُورد" in page
    data["rules"].append(
        {"name": "B", "trigger": "ticket_created", "actions": [{"type": "shell", "value": "rm"}]}
    )
    upload = SimpleUploadedFile("rules.json", json.dumps(data).encode(), "application/json")
    page = client.post(f"{INDEX}import/", {"file": upload}, follow=True).content.decode()
    assert "إجراء غير معروف" in page
    assert list(Rule.objects.values_list("name", flat=True)) == ["A"]
    junk = SimpleUploadedFile("rules.json", b"{not json", "application/json")
    page = client.post(f"{INDEX}import/", {"file": junk}, follow=True).content.decode()
    assert "JSON" in page and Rule.objects.count() == 1


def test_csrf_is_required(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    assert client.post(f"{INDEX}new/", rule_form()).status_code == 403
    assert not Rule.objects.exists()
