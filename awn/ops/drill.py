"""The restore drill (RELIABILITY B1, B3): restore a backup into a fresh database and media directory, then compare
every table's row count and sampled rows with the backup's manifest, and the attachment rows with their blobs."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connections

from .backup import (
    ATTACHMENT_PREFIX,
    RestoreTarget,
    _sha256_file,
    attachment_rows,
    backup_restore,
    backup_verify,
    pg_connect,
    table_stats,
)

logger = logging.getLogger(__name__)


@dataclass
class DrillReport:
    archive: Path
    seconds: float
    tables: int
    rows: int
    mismatched_tables: list[str]
    attachment_rows: int
    rows_without_blob: list[str]
    blobs_without_row: list[str]
    blobs_not_matching_row: list[str]

    @property
    def ok(self) -> bool:
        return not (
            self.mismatched_tables
            or self.rows_without_blob
            or self.blobs_without_row
            or self.blobs_not_matching_row
        )


def compare(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    """Tables whose row count or sampled rows differ (or exist on one side only)."""
    return sorted(t for t in set(expected) | set(actual) if expected.get(t) != actual.get(t))


def media_consistency(rows: list[tuple[str, str]], media: Path) -> tuple[list[str], list[str], list[str]]:
    """Attachment rows without their blob, blobs under attachments/ without a row, blobs whose content is not the
    row's SHA-256."""
    named = {f for f, _sha in rows}
    on_disk = (
        {p.relative_to(media).as_posix() for p in (media / ATTACHMENT_PREFIX).rglob("*") if p.is_file()}
        if (media / ATTACHMENT_PREFIX).exists()
        else set()
    )
    without_blob = sorted(named - on_disk)
    without_row = sorted(on_disk - named)
    wrong = sorted({f for f, sha in rows if f in on_disk and _sha256_file(media / f) != sha})
    return without_blob, without_row, wrong


@contextmanager
def scratch_target(vendor: str) -> Iterator[RestoreTarget]:
    """A fresh, empty database (a new SQLite file, or a new PostgreSQL database on the same server) and media
    directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="awn-drill-") as tmp:
        work = Path(tmp)
        if vendor == "sqlite":
            yield RestoreTarget("sqlite", work / "media", sqlite_path=work / "drill.sqlite3")
            return
        settings_dict = dict(connections["default"].settings_dict)
        name = f"awn_drill_{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}"
        with pg_connect(settings_dict, "postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield RestoreTarget("postgresql", work / "media", pg_settings=settings_dict, pg_database=name)
        finally:
            _drop_scratch_database(settings_dict, name)


def _drop_scratch_database(settings_dict: dict[str, Any], name: str) -> None:
    """Drop the drill's database, waiting at most a minute: PostgreSQL's DROP DATABASE waits for every backend of
    the server to acknowledge it, and a client stalled in the middle of a COPY never does. Left behind, the
    database is named in the log for a later `DROP DATABASE`."""
    try:
        with pg_connect(settings_dict, "postgres", autocommit=True) as admin:
            admin.execute("SET statement_timeout = '60s'")
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:
        logger.warning("restore drill: could not drop its database %s; drop it later", name, exc_info=True)


def restore_drill(archive: Path) -> DrillReport:
    """Restore `archive` into a fresh database and media directory, then compare: every table's row count and
    sampled rows with the manifest (taken from the backed-up snapshot), and attachments with their rows."""
    started = time.monotonic()
    manifest = backup_verify(archive)
    with scratch_target(manifest["vendor"]) as target:
        backup_restore(archive, target)
        dialect, close = target.dialect()
        try:
            actual = table_stats(dialect)
            rows = attachment_rows(dialect)
        finally:
            close()
        without_blob, without_row, wrong = media_consistency(rows, target.media)
    expected = manifest["tables"]
    return DrillReport(
        archive=archive,
        seconds=time.monotonic() - started,
        tables=len(expected),
        rows=sum(int(t["rows"]) for t in expected.values()),
        mismatched_tables=compare(expected, actual),
        attachment_rows=len(rows),
        rows_without_blob=without_blob,
        blobs_without_row=without_row,
        blobs_not_matching_row=wrong,
    )
