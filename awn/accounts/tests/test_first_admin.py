"""First run without demo data: `create_first_admin_link` prints a link that creates the first administrator,
once (then 410), and only while there is no administrator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from awn.accounts.enums import AdminAction, Role
from awn.accounts.models import AdminAuditEntry, User
from awn.accounts.services import user_create

GOOD_PASSWORD = "Tamr-wa-Qahwa-2026!"


def _link() -> str:
    out, err = StringIO(), StringIO()
    call_command("create_first_admin_link", "--base-url", "http://awn.example:8000/", stdout=out, stderr=err)
    return out.getvalue().strip()


def _path(link: str) -> str:
    return link.removeprefix("http://awn.example:8000")


@pytest.mark.django_db
def test_the_link_creates_the_first_admin_once():
    assert not User.objects.exists()
    link = _link()
    assert link.startswith("http://awn.example:8000/accounts/invitation/")
    client = Client()
    page = client.get(_path(link))
    assert page.status_code == 200 and 'data-testid="first-admin"' in page.content.decode()
    bad = client.post(_path(link), {"email": "nope", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert bad.status_code == 200 and not User.objects.exists()
    done = client.post(
        _path(link), {"email": "Head@School.sa", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert done.status_code == 302
    admin = User.objects.get()
    assert (admin.username, admin.email, admin.role) == ("head@school.sa", "head@school.sa", Role.ADMIN)
    assert client.get("/workspace/admin/users/").status_code == 200
    assert Client().get(_path(link)).status_code == 410
    assert Client().post(_path(link), {"email": "x@y.sa", "password1": GOOD_PASSWORD}).status_code == 410
    assert User.objects.count() == 1
    # An administrator exists: no further link.
    assert _link() == ""
    with pytest.raises(CommandError):
        call_command("create_first_admin_link", "--strict", stdout=StringIO(), stderr=StringIO())
    assert list(AdminAuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        AdminAction.FIRST_ADMIN_LINK,
        AdminAction.INVITATION_ACCEPTED,
    ]


@pytest.mark.django_db
def test_a_new_link_replaces_the_old_and_an_admin_made_otherwise_ends_it():
    first = _link()
    second = _link()
    assert Client().get(_path(first)).status_code == 410
    assert Client().get(_path(second)).status_code == 200
    user_create(username="root", password=None, role=Role.ADMIN)
    response = Client().post(
        _path(second), {"email": "late@school.sa", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="late@school.sa").exists()
