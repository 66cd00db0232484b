"""Sign-up verified by a one-time code: a national id with a valid checksum, the CRM contact found through the
verified address (its WhatsApp or email history comes along), never a duplicate, never a link on a claim."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils.translation import override

from awn.accounts.models import User
from awn.connectors.models import ChannelIdentity
from awn.core.errors import ValidationError
from awn.crm.models import Contact
from awn.crm.services import contact_create
from awn.crm.validators import national_id_from_seed
from awn.identity import sms
from awn.identity.enums import Purpose
from awn.identity.models import VerifiedAddress
from awn.identity.services import (
    CodeRefused,
    SignUpRefused,
    code_request,
    code_sign_up,
    sign_up_claim,
)
from awn.tickets.policies import visible_tickets

NID = national_id_from_seed(777)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages matched in English below; the tests that read the Arabic say so."""
    with override("en"):
        yield


def _sign_up(name: str, national_id: str, address: str, *, code: str | None = None) -> tuple[User, bool]:
    claim = sign_up_claim(name=name, national_id=national_id, address=address)
    row = code_request(destination=claim.destination, purpose=Purpose.SIGN_UP, client="10.0.0.1")
    if code is None:
        from django.core import mail

        text = sms.outbox[-1]["text"] if claim.destination.channel == "sms" else str(mail.outbox[-1].body)
        code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
    return code_sign_up(code_id=row.pk, claim=claim, code=code)


def _counts() -> tuple[int, int, int]:
    return User.objects.count(), Contact.objects.count(), VerifiedAddress.objects.count()


def test_a_new_person_gets_an_account_and_a_contact(db: None) -> None:
    user, created = _sign_up("منى الشهري", NID, "0551112233")
    assert created and user.role == "customer" and not user.has_usable_password()
    contact = user.contact
    assert (contact.name, contact.national_id, contact.phone) == ("منى الشهري", NID, "+966551112233")
    assert VerifiedAddress.objects.get(user=user).address == "+966551112233"


@pytest.mark.parametrize(
    ("national_id", "english", "arabic"),
    [
        ("1234567890", "check digit", "رقم الهوية"),
        ("12345", "exactly 10 digits", "10"),
        ("", "required", "مطلوب"),
    ],
)
def test_a_bad_national_id_is_refused_before_any_code(
    db: None, national_id: str, english: str, arabic: str
) -> None:
    with pytest.raises(ValidationError) as error:
        sign_up_claim(name="منى", national_id=national_id, address="0551112233")
    assert error.value.field == "national_id"
    with override("en"):
        assert english in str(error.value.message)
    with override("ar"):
        assert arabic in str(error.value.message)
    assert sms.outbox == []


def test_a_wrong_code_creates_nothing(db: None) -> None:
    before = _counts()
    with pytest.raises(CodeRefused):
        _sign_up("منى", NID, "0551112233", code="000000")
    assert _counts() == before


def test_whatsapp_history_comes_with_the_verified_number(world: Any) -> None:
    """A WhatsApp contact (identity wa_id 966…, no phone stored) with a ticket finds it once verified."""
    earlier = contact_create(name="966552223344")
    ChannelIdentity.objects.create(kind="whatsapp", external_id="966552223344", contact=earlier)
    ticket = world.ticket(requester=earlier)
    contacts = Contact.objects.count()
    user, created = _sign_up("سلمى", NID, "0552223344")
    assert created and user.contact.pk == earlier.pk
    assert Contact.objects.count() == contacts  # no duplicate
    earlier.refresh_from_db()
    assert (earlier.national_id, earlier.phone) == (NID, "+966552223344")
    assert list(visible_tickets(user)) == [ticket]


def test_email_history_comes_with_the_verified_address(world: Any) -> None:
    earlier = contact_create(name="fatima", email="fatima@example.sa")
    ticket = world.ticket(requester=earlier)
    user, created = _sign_up("فاطمة", NID, "Fatima@Example.sa")
    assert created and user.contact.pk == earlier.pk
    assert list(visible_tickets(user)) == [ticket]


def test_a_national_id_on_file_with_other_details_is_not_linked_on_a_claim(world: Any) -> None:
    """Typing someone's national id does not open their file: the address verified is not theirs."""
    before = _counts()
    with pytest.raises(SignUpRefused) as error:
        _sign_up("متطفل", world.child.national_id, "0553334455")
    with override("ar"):
        assert "الهوية" in str(error.value.message)
    assert _counts() == before
    world.child.refresh_from_db()
    assert world.child.user_id is None


def test_a_national_id_with_an_account_is_refused(world: Any) -> None:
    before = _counts()
    with pytest.raises(SignUpRefused, match="already has an account"):
        _sign_up("أحمد", world.parent.national_id, "0501234567")
    assert _counts() == before


def test_the_national_id_of_a_contact_at_the_verified_address_links(db: None) -> None:
    earlier = contact_create(name="نورة", national_id=NID, phone="0554445566")
    user, created = _sign_up("نورة", NID, "0554445566")
    assert created and user.contact.pk == earlier.pk


def test_signing_up_again_with_the_same_address_signs_in(db: None) -> None:
    first, _ = _sign_up("منى", NID, "0551112233")
    again, created = _sign_up("منى", national_id_from_seed(778), "0551112233")
    assert again == first and not created
    assert User.objects.count() == 1
