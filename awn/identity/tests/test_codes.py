"""One-time codes: hashed at rest, 6 digits, 10 minutes, single use, a few tries, rate limits, no enumeration."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from awn.core.errors import ValidationError
from awn.identity import sms
from awn.identity.codes import code_hash
from awn.identity.enums import Purpose
from awn.identity.models import OneTimeCode, VerifiedAddress
from awn.identity.services import (
    CodeRefused,
    Destination,
    TooManyRequests,
    code_request,
    code_sign_in,
    destination_parse,
)

PHONE = "+966501234567"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages matched in English below; the tests that read the Arabic say so."""
    with override("en"):
        yield


def _code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def account(world: Any) -> Any:
    VerifiedAddress.objects.create(user=world.parent_user, channel="sms", address=PHONE)
    return world.parent_user


def test_the_hash_is_hmac_sha256_keyed_by_the_secret_key(settings: Any) -> None:
    settings.SECRET_KEY = "k" * 50
    key = hashlib.sha256(("awn.identity.one-time-code" + "k" * 50).encode()).digest()
    expected = hmac.new(key, f"{PHONE}\x00123456".encode(), hashlib.sha256).hexdigest()
    assert code_hash(PHONE, "123456") == expected


def test_destination_is_a_saudi_mobile_or_an_email() -> None:
    assert destination_parse("٠٥٠١٢٣٤٥٦٧") == Destination("sms", PHONE)
    assert destination_parse(" Parent@Example.SA ") == Destination("email", "parent@example.sa")
    for bad in ("", "12", "not-an-address@", "05012"):
        with pytest.raises(ValidationError) as error:
            destination_parse(bad)
        assert error.value.field == "address"


def test_the_error_reads_in_arabic_and_in_english() -> None:
    with pytest.raises(ValidationError) as error:
        destination_parse("12")
    with override("ar"):
        assert "رقم" in str(error.value.message)
    with override("en"):
        assert "mobile number" in str(error.value.message)


def test_a_code_is_sent_by_sms_and_only_its_hash_is_kept(account: Any) -> None:
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    assert len(sms.outbox) == 1 and sms.outbox[0]["to"] == PHONE
    code = _code_in(sms.outbox[0]["text"])
    row.refresh_from_db()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert code_sign_in(code_id=row.pk, address=PHONE, code=code) == account


def test_a_code_by_email(world: Any) -> None:
    VerifiedAddress.objects.create(user=world.parent_user, channel="email", address="parent@example.sa")
    row = code_request(
        destination=Destination("email", "parent@example.sa"), purpose=Purpose.SIGN_IN, client="10.0.0.1"
    )
    assert mail.outbox[-1].to == ["parent@example.sa"]
    assert code_sign_in(code_id=row.pk, address="parent@example.sa", code=_code_in(str(mail.outbox[-1].body)))


def test_a_code_works_once(account: Any) -> None:
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    code = _code_in(sms.outbox[0]["text"])
    code_sign_in(code_id=row.pk, address=PHONE, code=code)
    with pytest.raises(CodeRefused, match="already used"):
        code_sign_in(code_id=row.pk, address=PHONE, code=code)


def test_a_code_expires_after_ten_minutes(account: Any) -> None:
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    code = _code_in(sms.outbox[0]["text"])
    OneTimeCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CodeRefused, match="expired"):
        code_sign_in(code_id=row.pk, address=PHONE, code=code)


def test_five_wrong_tries_and_the_right_code_is_refused_too(account: Any) -> None:
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    code = _code_in(sms.outbox[0]["text"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(CodeRefused):
            code_sign_in(code_id=row.pk, address=PHONE, code=wrong)
    row.refresh_from_db()
    assert row.attempts == 5  # counted although each try raised
    with pytest.raises(CodeRefused, match="Too many wrong tries"):
        code_sign_in(code_id=row.pk, address=PHONE, code=code)


def test_four_wrong_tries_then_the_right_code_signs_in(account: Any) -> None:
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    code = _code_in(sms.outbox[0]["text"])
    for _ in range(4):
        with pytest.raises(CodeRefused):
            code_sign_in(code_id=row.pk, address=PHONE, code="000000" if code != "000000" else "111111")
    assert code_sign_in(code_id=row.pk, address=PHONE, code=code) == account


def test_a_code_is_bound_to_its_address(account: Any, world: Any) -> None:
    other = "+966509999999"
    VerifiedAddress.objects.create(user=world.other_parent_user, channel="sms", address=other)
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    with pytest.raises(CodeRefused):
        code_sign_in(code_id=row.pk, address=other, code=_code_in(sms.outbox[0]["text"]))


def test_an_address_without_account_gets_a_note_and_no_way_in(db: None) -> None:
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    assert len(sms.outbox) == 1 and not re.search(r"\d{6}", sms.outbox[0]["text"])
    with pytest.raises(CodeRefused):
        code_sign_in(code_id=row.pk, address=PHONE, code="123456")


def test_the_same_work_whether_the_account_exists(world: Any) -> None:
    """No enumeration by timing: one row, one message and the same queries either way."""
    VerifiedAddress.objects.create(user=world.parent_user, channel="sms", address=PHONE)
    counts = []
    for phone in (PHONE, "+966507654321"):
        with CaptureQueriesContext(connection) as queries:
            code_request(destination=Destination("sms", phone), purpose=Purpose.SIGN_IN, client="10.0.0.1")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert OneTimeCode.objects.count() == 2 and len(sms.outbox) == 2


def test_five_codes_an_hour_per_number(settings: Any, db: None) -> None:
    settings.AWN_OTP_PER_ADDRESS_HOUR = 5
    for n in range(5):
        code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client=f"10.0.0.{n}")
    with pytest.raises(TooManyRequests):
        code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.1.1")
    assert OneTimeCode.objects.count() == 5 and len(sms.outbox) == 5
    # another number is not held back
    code_request(destination=Destination("sms", "+966507654321"), purpose=Purpose.SIGN_IN, client="10.0.1.1")


def test_codes_an_hour_per_client_address(settings: Any, db: None) -> None:
    settings.AWN_OTP_PER_CLIENT_HOUR = 3
    for n in range(3):
        code_request(
            destination=Destination("sms", f"+96650765432{n}"), purpose=Purpose.SIGN_IN, client="10.0.0.1"
        )
    with pytest.raises(TooManyRequests):
        code_request(
            destination=Destination("sms", "+966507654329"), purpose=Purpose.SIGN_IN, client="10.0.0.1"
        )
    code_request(destination=Destination("sms", "+966507654329"), purpose=Purpose.SIGN_IN, client="10.0.0.2")


def test_a_deactivated_account_cannot_sign_in(account: Any) -> None:
    account.is_active = False
    account.save()
    row = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    assert not re.search(r"\d{6}", sms.outbox[0]["text"])
    with pytest.raises(CodeRefused):
        code_sign_in(code_id=row.pk, address=PHONE, code="123456")


def test_codes_a_day_past_their_expiry_are_pruned(db: None) -> None:
    from awn.identity.tasks import prune_codes

    old = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    fresh = code_request(destination=Destination("sms", PHONE), purpose=Purpose.SIGN_IN, client="10.0.0.1")
    OneTimeCode.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1, seconds=1))
    assert prune_codes() == 1
    assert list(OneTimeCode.objects.values_list("pk", flat=True)) == [fresh.pk]
