"""Backups, verification, rotation, restore and the restore drill, on the database the suite runs on (SQLite or
PostgreSQL with the real pg_dump/pg_restore against 127.0.0.1)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from awn.ops import backup as bk
from awn.ops import drill
from awn.ops.backup import BackupError
from awn.tickets.attachments import IncomingFile
from awn.tickets.models import Attachment, Ticket


def says(exc: pytest.ExceptionInfo[BackupError], english: str, arabic: str) -> None:
    """The refusal reads right in both languages."""
    with translation.override("en"):
        assert english in str(exc.value.message)
    with translation.override("ar"):
        assert arabic in str(exc.value.message)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SUBJECT = "شهادة الصف السادس لا تظهر"


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Path:
    settings.AWN_BACKUP_KEY = Fernet.generate_key().decode()
    settings.AWN_BACKUP_DIR = str(tmp_path / "backups")
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def data(transactional_db: None, world: Any, store: Path) -> Any:
    """Committed rows (pg_dump reads them from its own connection) with three attachments, two of one content."""
    world.ticket(
        subject=SUBJECT, attachments=[IncomingFile("شهادة.png", PNG), IncomingFile("b.txt", b"hello")]
    )
    world.ticket(attachments=[IncomingFile("again.png", PNG)])
    world.ticket()
    return world


def test_backup_is_encrypted_verified_and_restores_identically(data: Any, store: Path) -> None:
    result = bk.backup_create()
    assert result.path.parent == store / "backups"
    assert result.path.name.startswith("awn-") and result.path.suffix == ".awnbak"
    content = result.path.read_bytes()
    assert content.startswith(bk.MAGIC)
    # Nothing readable: no SQLite header, no subject, no attachment content.
    for plain in (b"SQLite format", SUBJECT.encode(), b"hello", b"PGDMP"):
        assert plain not in content
    manifest = result.manifest
    assert manifest["vendor"] == connection.vendor
    # Reference values from the ORM, not from the code under test.
    assert manifest["tables"]["tickets_ticket"]["rows"] == Ticket.objects.count() == 3
    assert manifest["tables"]["tickets_attachment"]["rows"] == Attachment.objects.count() == 3
    assert manifest["attachments"] == {"rows": 3, "missing_blobs": 0, "left_out": 0}
    assert set(manifest["media"]) == set(Attachment.objects.values_list("file", flat=True))
    assert len(manifest["media"]) == 3  # the second PNG got its own name from the storage

    report = drill.restore_drill(result.path)
    assert report.ok, report
    assert report.mismatched_tables == []
    assert report.tables == len(manifest["tables"]) > 20
    assert report.attachment_rows == 3
    assert report.rows == sum(t["rows"] for t in manifest["tables"].values())


def test_drill_finds_a_difference_and_orphans_either_way(tmp_path: Path) -> None:
    expected: dict[str, dict[str, Any]] = {"a": {"rows": 2, "sample": "x"}, "b": {"rows": 1}}
    assert drill.compare(expected, {"a": {"rows": 2, "sample": "x"}, "b": {"rows": 1}}) == []
    assert drill.compare(expected, {"a": {"rows": 2, "sample": "y"}, "b": {"rows": 1}}) == ["a"]
    assert drill.compare(expected, {"a": {"rows": 2, "sample": "x"}}) == ["b"]

    media = tmp_path / "media"
    (media / "attachments" / "ab").mkdir(parents=True)
    (media / "attachments" / "ab" / "kept").write_bytes(b"kept")
    (media / "attachments" / "ab" / "stray").write_bytes(b"stray")
    (media / "attachments" / "ab" / "changed").write_bytes(b"changed")
    import hashlib

    rows = [
        ("attachments/ab/kept", hashlib.sha256(b"kept").hexdigest()),
        ("attachments/ab/gone", "0" * 64),
        ("attachments/ab/changed", hashlib.sha256(b"original").hexdigest()),
    ]
    without_blob, without_row, wrong = drill.media_consistency(rows, media)
    assert without_blob == ["attachments/ab/gone"]
    assert without_row == ["attachments/ab/stray"]
    assert wrong == ["attachments/ab/changed"]


def test_a_blob_with_no_row_in_the_snapshot_is_left_out(data: Any, store: Path) -> None:
    stray = store / "media" / "attachments" / "zz" / "written-after-the-snapshot"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    result = bk.backup_create()
    assert result.manifest["attachments"]["left_out"] == 1
    assert "attachments/zz/written-after-the-snapshot" not in result.manifest["media"]
    assert drill.restore_drill(result.path).ok


def test_altered_truncated_or_foreign_archives_are_refused(data: Any, store: Path, settings: Any) -> None:
    path = bk.backup_create().path
    original = path.read_bytes()

    altered = bytearray(original)
    altered[len(bk.MAGIC) + 40] ^= 0xFF
    path.write_bytes(bytes(altered))
    with pytest.raises(BackupError) as exc:
        bk.backup_verify(path)
    says(exc, "decrypted", "فك تشفير")

    path.write_bytes(original[:-10])
    with pytest.raises(BackupError) as exc:
        bk.backup_verify(path)
    says(exc, "truncated", "مبتورة")

    path.write_bytes(b"not a backup")
    with pytest.raises(BackupError) as exc:
        bk.backup_verify(path)
    says(exc, "not an Awn backup", "ليس نسخة احتياطية")

    path.write_bytes(original)
    old_key = settings.AWN_BACKUP_KEY
    settings.AWN_BACKUP_KEY = Fernet.generate_key().decode()
    with pytest.raises(BackupError) as exc:
        bk.backup_verify(path)
    says(exc, "wrong AWN_BACKUP_KEY", "غير صحيح")
    # Rotating the key: the new one first (it encrypts), the old one after it (still decrypts old archives).
    settings.AWN_BACKUP_KEY = f"{settings.AWN_BACKUP_KEY},{old_key}"
    assert bk.backup_verify(path)["tables"]


def test_chunks_out_of_order_are_refused(settings: Any, store: Path) -> None:
    crypto = bk.fernet()
    from io import BytesIO

    source = BytesIO(b"a" * (bk.CHUNK + 10))
    out = BytesIO()
    bk.encrypt_stream(source, out, crypto)
    data = out.getvalue()[len(bk.MAGIC) :]
    import struct

    (first_len,) = struct.unpack(">I", data[:4])
    first, second = data[: 4 + first_len], data[4 + first_len :]
    with pytest.raises(BackupError) as exc:
        bk.decrypt_stream(BytesIO(bk.MAGIC + second + first), BytesIO(), crypto)
    says(exc, "out of order", "في غير ترتيبها")
    restored = BytesIO()
    bk.decrypt_stream(BytesIO(out.getvalue()), restored, crypto)
    assert restored.getvalue() == b"a" * (bk.CHUNK + 10)


def test_rotation_keeps_the_newest(data: Any, store: Path) -> None:
    paths = [bk.backup_create(keep=2).path for _ in range(3)]
    assert bk.backup_list() == paths[1:]
    assert not paths[0].exists()


def test_no_key_means_no_backup_and_a_clear_error(data: Any, store: Path, settings: Any) -> None:
    settings.AWN_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="AWN_BACKUP_KEY"):
        call_command("backup")
    settings.AWN_BACKUP_KEY = "not-a-key"
    with pytest.raises(CommandError, match="AWN_BACKUP_KEY"):
        call_command("backup")
    assert not (store / "backups").exists() or bk.backup_list() == []


def test_restore_brings_back_the_data_and_the_blobs(data: Any, store: Path) -> None:
    out = StringIO()
    call_command("backup", stdout=out)
    assert "verified" in out.getvalue()
    archive = bk.backup_list()[-1]
    kept = Ticket.objects.count()
    blob = store / "media" / str(Attachment.objects.order_by("id").values_list("file", flat=True).first())

    data.ticket(subject="written after the backup")
    blob.unlink()
    (store / "media" / "attachments" / "stray").write_bytes(b"x")

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    assert Ticket.objects.count() == kept + 1  # refused: nothing changed

    call_command("restore", str(archive), "--yes", stdout=StringIO())
    connection.close()
    assert Ticket.objects.count() == kept
    assert not Ticket.objects.filter(subject="written after the backup").exists()
    assert blob.read_bytes() == PNG
    assert not (store / "media" / "attachments" / "stray").exists()


def test_restore_drill_command_reports_json(data: Any, store: Path) -> None:
    with pytest.raises(CommandError, match="no backup"):
        call_command("restore_drill")
    out = StringIO()
    call_command("restore_drill", "--fresh", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is True
    assert report["attachment_rows"] == 3
    assert report["mismatched_tables"] == []
    assert report["rows_without_blob"] == report["blobs_without_row"] == []


def test_a_backup_of_one_kind_is_not_restored_into_the_other(data: Any, store: Path) -> None:
    archive = bk.backup_create().path
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    target = bk.RestoreTarget(other, store / "m", sqlite_path=store / "x.sqlite3")
    with pytest.raises(BackupError) as exc:
        bk.backup_restore(archive, target)
    says(exc, "this deployment uses", "وهذا النشر يستخدم")
