"""Teams in the administration: in-house, outsourced or hybrid, and the categories an outsourced team covers
(what its agents then see); every change audited; admins only."""

from __future__ import annotations

import pytest

from awn.accounts.enums import AdminAction, TeamKind
from awn.accounts.models import AdminAuditEntry, Team
from awn.tickets.enums import Category


def test_an_admin_creates_and_changes_a_team_and_coverage_follows(world):
    admin = world.client_for(world.admin)
    page = admin.get("/workspace/admin/teams/")
    assert page.status_code == 200 and "مشغّل" in page.content.decode()
    response = admin.post(
        "/workspace/admin/teams/new/",
        {"name": "مورّد النقل", "kind": TeamKind.OUTSOURCED, "categories": [Category.TRANSFER]},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="مورّد النقل")
    assert team.categories == [Category.TRANSFER]
    created = AdminAuditEntry.objects.get(action=AdminAction.TEAM_CREATED)
    assert created.details == {"kind": "outsourced", "categories": ["transfer"]}

    # The vendor's agent sees only what the team covers: account access today, transfer too once added.
    transfer = world.ticket(category=Category.TRANSFER)
    vendor = world.client_for(world.vendor_agent)
    assert vendor.get(f"/workspace/tickets/{transfer.pk}/").status_code == 404
    admin.post(
        f"/workspace/admin/teams/{world.vendor.pk}/",
        {
            "name": "مشغّل",
            "kind": TeamKind.OUTSOURCED,
            "categories": [Category.ACCOUNT_ACCESS, Category.TRANSFER],
        },
    )
    vendor_agent = type(world.vendor_agent).objects.get(pk=world.vendor_agent.pk)
    assert vendor_agent.team.categories == ["account_access", "transfer"]
    assert world.client_for(vendor_agent).get(f"/workspace/tickets/{transfer.pk}/").status_code == 200
    changed = AdminAuditEntry.objects.get(action=AdminAction.TEAM_CHANGED)
    assert changed.details == {"categories": [["account_access"], ["account_access", "transfer"]]}


def test_bad_team_input_is_refused_and_nothing_saved(world):
    admin = world.client_for(world.admin)
    for data in (
        {"name": "", "kind": TeamKind.IN_HOUSE},
        {"name": "داخلي", "kind": TeamKind.IN_HOUSE},  # the name is taken
        {"name": "جديد", "kind": "alien"},
        {"name": "جديد", "kind": TeamKind.OUTSOURCED, "categories": ["no-such-category"]},
    ):
        response = admin.post("/workspace/admin/teams/new/", data)
        assert response.status_code == 200 and "invalid-feedback" in response.content.decode(), data
    assert Team.objects.count() == 2 and AdminAuditEntry.objects.count() == 0


@pytest.mark.parametrize("who", ["supervisor", "agent", "parent_user"])
def test_only_admins_manage_teams(world, who):
    client = world.client_for(getattr(world, who))
    assert client.get("/workspace/admin/teams/").status_code == 404
    response = client.post(
        f"/workspace/admin/teams/{world.vendor.pk}/", {"name": "x", "kind": TeamKind.IN_HOUSE}
    )
    assert response.status_code == 404
    assert Team.objects.get(pk=world.vendor.pk).name == "مشغّل"
