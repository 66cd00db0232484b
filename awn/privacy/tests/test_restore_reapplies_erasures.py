"""Erasure re-applied after any restore (issue 15, item 4): `manage.py restore` of a backup made before a person
was erased brings their rows and files back, then replays the erasure ledger (the file outside the database) so
the person is erased again before anyone reads the restored data."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from awn.crm.models import Contact
from awn.ops import backup as bk
from awn.privacy.models import AccessRecord, ErasureRecord
from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_create

from .test_erasure import REASON, dump_hits, identifiers, media_hits


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Path:
    settings.AWN_BACKUP_KEY = Fernet.generate_key().decode()
    settings.AWN_BACKUP_DIR = str(tmp_path / "backups")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AWN_ERASURE_LEDGER = str(tmp_path / "kept-apart" / "ledger.jsonl")
    return tmp_path


def test_restore_of_an_earlier_backup_erases_the_person_again(
    transactional_db: None, world: Any, store: Path
):
    parent = world.parent
    nid, phone, email = parent.national_id, parent.phone, parent.email
    needles = identifiers(parent)
    ticket_create(
        requester=parent,
        about_contact=world.child,
        subject=f"هويتي {nid}",
        body=f"رقمي {phone} وبريدي {email}",
        category=Category.TRANSFER,
        attachments=[IncomingFile("id-card.txt", f"national id {nid}".encode())],
    )
    call_command("backup", stdout=StringIO())
    archive = bk.backup_list()[-1]
    world.ticket(requester=world.other_parent, subject="بعد النسخة الاحتياطية")  # gone after the restore

    response = world.client_for(world.supervisor).post(
        reverse("workspace:contact-erase", args=[parent.pk]), {"reason": REASON, "confirm": "حذف"}
    )
    assert response.status_code == 302
    assert dump_hits(needles) == [] and media_hits(store / "media", needles) == []

    out = StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)
    connection.close()

    assert not Ticket.objects.filter(subject="بعد النسخة الاحتياطية").exists()  # the earlier backup is back
    assert not ErasureRecord.objects.exists()  # ...with a ledger table older than the erasure
    restored = Contact.objects.get(pk=parent.pk)
    assert (restored.name, restored.national_id, restored.phone, restored.email) == ("[محذوف]", "", "", "")
    assert dump_hits(needles) == []
    assert media_hits(store / "media", needles) == []
    assert f"erased again: 1 contact(s): {parent.pk}" in out.getvalue()
    assert (
        AccessRecord.objects.filter(action="erase", subject_id=parent.pk).count() == 1
    )  # the replay, audited
    # Someone else restored with the backup keeps their data.
    assert Contact.objects.get(pk=world.other_parent.pk).national_id == world.other_parent.national_id


def test_restore_with_an_empty_ledger_erases_nobody(transactional_db: None, world: Any, store: Path):
    call_command("backup", stdout=StringIO())
    out = StringIO()
    call_command("restore", str(bk.backup_list()[-1]), "--yes", stdout=out)
    connection.close()
    assert "erased again: 0 contact(s)" in out.getvalue()
    assert Contact.objects.get(pk=world.parent.pk).national_id == world.parent.national_id
