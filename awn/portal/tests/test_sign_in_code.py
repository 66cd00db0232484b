"""The customer sign-in pages through HTTP, as a browser would: a code by SMS, sign-up, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from awn.connectors.models import ChannelIdentity
from awn.crm.models import Contact
from awn.crm.services import contact_create
from awn.crm.validators import national_id_from_seed
from awn.identity import sms
from awn.identity.models import OneTimeCode, VerifiedAddress

PHONE = "+966501234567"


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: Any) -> None:
    settings.AWN_SMS_BACKEND = "awn.identity.sms.MemorySmsBackend"
    sms.outbox.clear()


def _last_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1]["text"]).group(1)  # type: ignore[union-attr]


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_by_code_lands_in_the_portal_with_the_tickets(world: Any) -> None:
    VerifiedAddress.objects.create(user=world.parent_user, channel="sms", address=PHONE)
    ticket = world.ticket()
    client = Client()
    response = client.post("/portal/account/code/", {"address": "0501234567"})
    assert response.status_code == 302 and response["Location"] == "/portal/account/code/verify/"
    page = client.get("/portal/account/code/verify/")
    assert PHONE in page.content.decode()
    response = client.post("/portal/account/code/verify/", {"code": _last_code()})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert _signed_in(client)
    assert ticket.reference in client.get("/portal/").content.decode()


def test_the_answer_is_the_same_for_an_address_without_account(world: Any) -> None:
    VerifiedAddress.objects.create(user=world.parent_user, channel="sms", address=PHONE)
    pages = []
    for phone in ("0501234567", "0507654321"):
        client = Client()
        response = client.post("/portal/account/code/", {"address": phone})
        assert (response.status_code, response["Location"]) == (302, "/portal/account/code/verify/")
        body = client.get("/portal/account/code/verify/").content.decode()
        pages.append(re.sub(r"\+9665\d{8}|[A-Za-z0-9]{64}", "", body))  # the address, the CSRF tokens
    assert pages[0] == pages[1]
    assert len(sms.outbox) == 2


def test_a_wrong_code_is_refused_with_a_clear_message(world: Any) -> None:
    VerifiedAddress.objects.create(user=world.parent_user, channel="sms", address=PHONE)
    client = Client()
    client.cookies["django_language"] = "en"
    client.post("/portal/account/code/", {"address": "0501234567"})
    wrong = "000000" if _last_code() != "000000" else "111111"
    response = client.post("/portal/account/code/verify/", {"code": wrong})
    assert response.status_code == 400
    assert "This code is wrong or has expired" in response.content.decode()
    assert not _signed_in(client)


def test_a_bad_address_is_refused_in_arabic(db: None) -> None:
    response = Client().post("/portal/account/code/", {"address": "123"})
    assert response.status_code == 400
    assert "أدخل" in response.content.decode()
    assert OneTimeCode.objects.count() == 0 and sms.outbox == []


def test_too_many_codes_for_one_number(settings: Any, db: None) -> None:
    settings.AWN_OTP_PER_ADDRESS_HOUR = 2
    for n in range(2):
        assert (
            Client(REMOTE_ADDR=f"10.0.0.{n}")
            .post("/portal/account/code/", {"address": "0501234567"})
            .status_code
            == 302
        )
    response = Client(REMOTE_ADDR="10.0.0.9").post("/portal/account/code/", {"address": "0501234567"})
    assert response.status_code == 429


def test_the_verify_page_without_a_code_asked_sends_back(db: None) -> None:
    response = Client().post("/portal/account/code/verify/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/portal/account/code/"


def test_sign_up_by_http_finds_the_whatsapp_history(world: Any) -> None:
    earlier = contact_create(name="966552223344", phone="0552223344")
    ChannelIdentity.objects.create(kind="whatsapp", external_id="966552223344", contact=earlier)
    ticket = world.ticket(requester=earlier)
    client = Client()
    response = client.post(
        "/portal/account/sign-up/",
        {"name": "سلمى العمري", "national_id": national_id_from_seed(901), "address": "0552223344"},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/account/sign-up/verify/"
    response = client.post("/portal/account/sign-up/verify/", {"code": _last_code()})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    home = client.get("/portal/").content.decode()
    assert ticket.reference in home
    assert Contact.objects.filter(phone="+966552223344").count() == 1


def test_sign_up_with_a_bad_national_id_shows_the_error_and_sends_nothing(db: None) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(
        "/portal/account/sign-up/", {"name": "x", "national_id": "1234567890", "address": "0552223344"}
    )
    assert response.status_code == 400
    assert "check digit" in response.content.decode()
    assert sms.outbox == [] and OneTimeCode.objects.count() == 0


def test_the_sign_in_page_links_to_the_customer_pages(db: None) -> None:
    body = Client().get("/accounts/login/").content.decode()
    assert "/portal/account/code/" in body and "/portal/account/sign-up/" in body
