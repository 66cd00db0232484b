"""Users administration in the workspace: admins only, invitations by one-time link, role and team changes,
deactivation that ends sessions and API tokens at once, every change audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from awn.accounts.enums import AdminAction, Role
from awn.accounts.models import AdminAuditEntry, ApiToken, Invitation, SignedInSession, User
from awn.accounts.services import api_token_create, invitation_create, user_create
from conftest import PASSWORD

ADMIN_PAGES = ["/workspace/admin/users/", "/workspace/admin/users/invite/", "/workspace/admin/audit/"]
GOOD_PASSWORD = "Tamr-wa-Qahwa-2026!"


def _invite(
    client: Client, email: str = "new.agent@example.sa", role: str = Role.AGENT, team: int | str = ""
):
    response = client.post("/workspace/admin/users/invite/", {"email": email, "role": role, "team": team})
    return response


def _link_path(response) -> str:
    match = re.search(r"/accounts/invitation/[^<\s\"]+/", response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(0)


@pytest.mark.parametrize("who", ["supervisor", "agent", "vendor_agent", "parent_user"])
def test_only_admins_reach_the_admin_pages(world, who):
    client = world.client_for(getattr(world, who))
    for url in [*ADMIN_PAGES, f"/workspace/admin/users/{world.agent.pk}/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/workspace/admin/users/{world.agent.pk}/deactivate/").status_code == 404
    assert User.objects.get(pk=world.agent.pk).is_active
    anonymous = Client().get("/workspace/admin/users/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_list_is_arabic_rtl_searchable_and_paginated(world, settings):
    settings.AWN_PAGE_SIZE = 3
    for n in range(5):
        user_create(username=f"agent{n}", password=None, role=Role.AGENT, email=f"a{n}@x.sa")
    client = world.client_for(world.admin)
    page = client.get("/workspace/admin/users/")
    html = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in html and "المستخدمون" in html
    assert html.count('data-testid="user-row"') == 3
    second = client.get("/workspace/admin/users/", {"page": 3}).content.decode()
    assert second.count('data-testid="user-row"') >= 1
    found = client.get("/workspace/admin/users/", {"q": "a3@x"}).content.decode()
    assert found.count('data-testid="user-row"') == 1 and "agent3" in found
    # Customers are not listed: the administration is for staff.
    everyone = client.get("/workspace/admin/users/", {"q": "parent"}).content.decode()
    assert everyone.count('data-testid="user-row"') == 0


def test_the_list_costs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for n in range(30):
        user_create(username=f"agent{n}", password=None, role=Role.AGENT, team=world.in_house)
    client = world.client_for(world.admin)
    client.get("/workspace/admin/users/")
    with django_assert_max_num_queries(12):
        assert client.get("/workspace/admin/users/").status_code == 200


def test_an_invitation_works_once_and_the_invitee_signs_in(world, django_capture_on_commit_callbacks):
    admin = world.client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(admin, team=world.in_house.pk)
    assert response.status_code == 200
    path = _link_path(response)
    assert len(mail.outbox) == 1 and path in mail.outbox[0].body
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in path  # only the hash is stored, the link holds the secret

    invitee = Client()
    page = invitee.get(path)
    assert page.status_code == 200 and "new.agent@example.sa" in page.content.decode()
    done = invitee.post(
        path, {"first_name": "منى", "last_name": "", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert done.status_code == 302
    user = User.objects.get(username="new.agent@example.sa")
    assert user.role == Role.AGENT and user.team == world.in_house and user.check_password(GOOD_PASSWORD)
    assert invitee.get("/workspace/").status_code == 200  # signed in
    assert SignedInSession.objects.filter(user=user).count() == 1

    again = Client().get(path)
    assert again.status_code == 410 and "has already been used" in again.content.decode()
    assert Client().post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}).status_code == 410
    assert User.objects.filter(email="new.agent@example.sa").count() == 1
    actions = list(AdminAuditEntry.objects.order_by("pk").values_list("action", "actor_name", "address"))
    assert actions == [
        (AdminAction.USER_INVITED, "admin", "127.0.0.1"),
        (AdminAction.INVITATION_ACCEPTED, "new.agent@example.sa", "127.0.0.1"),
    ]


def test_a_weak_password_is_refused_with_a_clear_message_and_nothing_created(world):
    _inv, token = invitation_create(actor=world.admin, email="x@example.sa", role=Role.AGENT)
    client = Client()
    response = client.post(f"/accounts/invitation/{token}/", {"password1": "12345", "password2": "12345"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "كلمة المرور" in html  # Arabic: the validators' messages
    assert not User.objects.filter(email="x@example.sa").exists()
    mismatch = client.post(
        f"/accounts/invitation/{token}/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"}
    )
    assert mismatch.status_code == 200 and not User.objects.filter(email="x@example.sa").exists()
    assert Invitation.objects.get().used_at is None


def test_forged_expired_and_revoked_links_are_refused(world):
    inv, token = invitation_create(actor=world.admin, email="late@example.sa", role=Role.AGENT)
    raw = token.rsplit(":", 1)[0]
    assert Client().get(f"/accounts/invitation/{raw}:forged/").status_code == 404
    assert Client().get("/accounts/invitation/x/").status_code == 404
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/accounts/invitation/{token}/").status_code == 410
    assert (
        Client()
        .post(f"/accounts/invitation/{token}/", {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
        .status_code
        == 410
    )
    # A second invitation to the same address replaces the first one.
    _first, first = invitation_create(actor=world.admin, email="twice@example.sa", role=Role.AGENT)
    _second, second = invitation_create(actor=world.admin, email="twice@example.sa", role=Role.AGENT)
    assert Client().get(f"/accounts/invitation/{first}/").status_code == 410
    assert Client().get(f"/accounts/invitation/{second}/").status_code == 200
    assert not User.objects.filter(email__in=["late@example.sa", "twice@example.sa"]).exists()


def test_bad_invitations_are_refused_and_nothing_is_saved(world):
    admin = world.client_for(world.admin)
    for email, role in [
        ("not-an-email", Role.AGENT),
        ("parent@example.sa", Role.AGENT),
        ("a@b.sa", "customer"),
    ]:
        response = _invite(admin, email=email, role=role)
        assert response.status_code == 200
        assert (
            'class="invalid-feedback' in response.content.decode()
            or "alert-danger" in response.content.decode()
        )
    assert Invitation.objects.count() == 0 and AdminAuditEntry.objects.count() == 0


def test_role_and_team_change_is_audited_and_a_new_role_ends_the_sessions(world):
    agent_client = Client()
    assert (
        agent_client.post("/accounts/login/", {"username": "agent", "password": PASSWORD}).status_code == 302
    )
    assert agent_client.get("/workspace/").status_code == 200
    admin = world.client_for(world.admin)
    response = admin.post(
        f"/workspace/admin/users/{world.agent.pk}/", {"role": Role.SUPERVISOR, "team": world.vendor.pk}
    )
    assert response.status_code == 302
    agent = User.objects.get(pk=world.agent.pk)
    assert agent.role == Role.SUPERVISOR and agent.team == world.vendor
    entry = AdminAuditEntry.objects.get(action=AdminAction.USER_CHANGED)
    assert entry.actor == world.admin and entry.target_id == agent.pk and entry.address == "127.0.0.1"
    assert entry.details == {"role": ["agent", "supervisor"], "team": ["داخلي", "مشغّل"]}
    # The privilege change: the agent's live session is refused at once; they sign in again.
    assert agent_client.get("/workspace/").status_code == 302
    page = admin.get(f"/workspace/admin/users/{world.agent.pk}/").content.decode()
    assert "مشغّل" in page  # the history shows the change


def test_the_last_admin_cannot_be_demoted_or_deactivated(world):
    admin = world.client_for(world.admin)
    response = admin.post(f"/workspace/admin/users/{world.admin.pk}/", {"role": Role.AGENT, "team": ""})
    assert response.status_code == 200 and "مدير" in response.content.decode()
    assert User.objects.get(pk=world.admin.pk).role == Role.ADMIN
    admin.post(f"/workspace/admin/users/{world.admin.pk}/deactivate/")
    assert User.objects.get(pk=world.admin.pk).is_active


def test_deactivation_ends_live_sessions_and_api_tokens_at_once(world):
    agent_client = Client()
    agent_client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    other_device = world.client_for(world.agent)  # a session the registry never saw
    assert agent_client.get("/workspace/").status_code == 200
    assert other_device.get("/workspace/").status_code == 200
    _token, key = api_token_create(user=world.agent, name="script")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me").status_code == 200

    admin = world.client_for(world.admin)
    assert admin.post(f"/workspace/admin/users/{world.agent.pk}/deactivate/").status_code == 302

    assert agent_client.get("/workspace/").status_code == 302  # to the sign-in page
    assert other_device.get("/workspace/").status_code == 302
    assert api.get("/api/v1/me").status_code == 401
    assert not SignedInSession.objects.filter(user=world.agent).exists()
    assert ApiToken.objects.get().revoked
    entry = AdminAuditEntry.objects.get(action=AdminAction.USER_DEACTIVATED)
    assert entry.details == {"tokens_revoked": 1, "sessions_ended": 1}
    # Signing in again is refused; reactivation is audited too.
    again = Client().post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert again.status_code == 200
    admin.post(f"/workspace/admin/users/{world.agent.pk}/reactivate/")
    assert User.objects.get(pk=world.agent.pk).is_active
    assert AdminAuditEntry.objects.filter(action=AdminAction.USER_REACTIVATED).count() == 1


def test_an_admin_cannot_deactivate_themselves(world):
    admin = world.client_for(world.admin)
    user_create(username="admin2", password=None, role=Role.ADMIN)
    admin.post(f"/workspace/admin/users/{world.admin.pk}/deactivate/")
    assert User.objects.get(pk=world.admin.pk).is_active


def test_revoking_an_invitation(world):
    inv, token = invitation_create(actor=world.admin, email="r@example.sa", role=Role.AGENT)
    admin = world.client_for(world.admin)
    assert admin.post(f"/workspace/admin/invitations/{inv.pk}/revoke/").status_code == 302
    assert Client().get(f"/accounts/invitation/{token}/").status_code == 410
    assert AdminAuditEntry.objects.filter(action=AdminAction.INVITATION_REVOKED).count() == 1
