"""awn.core.sessions reads a session exactly as Django's database engine does, in one prepared statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awn.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_project_uses_it_unless_sessions_are_cached() -> None:
    assert settings.SESSION_ENGINE in ("awn.core.sessions", "django.contrib.sessions.backends.cached_db")


def test_reads_what_django_wrote_in_one_query() -> None:
    written = DjangoStore()
    written["greeting"] = "مرحبا"
    written["n"] = 3
    written.save()
    store = SessionStore(written.session_key)
    with CaptureQueriesContext(connection) as queries:
        data = store.load()
    assert len(queries.captured_queries) == 1
    assert data == DjangoStore(written.session_key).load() == {"greeting": "مرحبا", "n": 3}
    assert store.session_key == written.session_key


def test_unknown_and_expired_keys_read_empty_and_are_never_reused() -> None:
    unknown = SessionStore("nosuchsessionkey0123456789abcdef")
    assert unknown.load() == {} and unknown.session_key is None

    written = SessionStore()
    written["a"] = 1
    written.save()
    Session.objects.filter(session_key=written.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(written.session_key)
    assert expired.load() == {} and expired.session_key is None
    expired["b"] = 2
    expired.save()  # a new key: the expired one is not brought back
    assert expired.session_key != written.session_key


def test_tampered_data_reads_empty() -> None:
    written = SessionStore()
    written["a"] = 1
    written.save()
    Session.objects.filter(session_key=written.session_key).update(session_data="not-signed")
    assert SessionStore(written.session_key).load() == {}


def test_sign_in_and_sign_out_through_the_pages(world) -> None:
    client = world.client_for(world.agent)
    assert client.get(reverse("workspace:queue")).status_code == 200
    client.post(reverse("logout"))
    response = client.get(reverse("workspace:queue"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
