from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def test_sign_in_lands_staff_in_workspace_and_customers_in_portal(world):
    client = Client()
    response = client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/workspace/"
    customer = Client()
    customer.post("/accounts/login/", {"username": "parent", "password": PASSWORD})
    assert customer.get("/")["Location"] == "/portal/"


def test_login_page_is_arabic_and_rtl_by_default(db):
    html = Client().get("/accounts/login/").content.decode()
    assert 'lang="ar" dir="rtl"' in html
    assert "تسجيل الدخول" in html


def test_language_switch_to_english(db):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en" dir="ltr"' in html


def test_repeated_failures_are_throttled_even_with_the_right_password(world):
    client = Client()
    for _ in range(10):
        client.post("/accounts/login/", {"username": "agent", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_out(world):
    client = Client()
    client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(world):
    client = Client()
    client.post("/accounts/password-reset/", {"email": "parent@example.sa"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-9", "new_password2": "a-new-long-password-9"},
    )
    assert response.status_code == 302
    assert Client().login(username="parent", password="a-new-long-password-9")
