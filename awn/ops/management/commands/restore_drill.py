"""Rehearse a restore: restore a backup into a fresh database (a new SQLite file, or a new PostgreSQL database on
the same server, dropped afterwards) and a fresh media directory, then compare every table's row count and sampled
rows with the backup's manifest, and the attachment rows with their blobs (no orphans either way).

    manage.py restore_drill [ARCHIVE] [--fresh] [--json]

Without ARCHIVE: the newest backup of AWN_BACKUP_DIR; --fresh makes a new backup first. Exits 1 on a mismatch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.ops.backup import BackupError, backup_create, backup_list
from awn.ops.drill import restore_drill


class Command(BaseCommand):
    help = "Restore a backup into a fresh database and compare it with the backup's manifest (B1, B3)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path, nargs="?")
        parser.add_argument("--fresh", action="store_true", help="make a new backup first and drill it")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive = options["archive"]
            if options["fresh"]:
                archive = backup_create().path
            if archive is None:
                backups = backup_list()
                if not backups:
                    raise CommandError("no backup to drill: run manage.py backup first, or pass --fresh")
                archive = backups[-1]
            report = restore_drill(archive)
        except BackupError as exc:
            raise CommandError(str(exc.message)) from exc
        data = {
            "archive": str(report.archive),
            "ok": report.ok,
            "seconds": round(report.seconds, 2),
            "tables": report.tables,
            "rows": report.rows,
            "mismatched_tables": report.mismatched_tables,
            "attachment_rows": report.attachment_rows,
            "rows_without_blob": report.rows_without_blob,
            "blobs_without_row": report.blobs_without_row,
            "blobs_not_matching_row": report.blobs_not_matching_row,
        }
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write(
                f"restore drill of {report.archive}: {'OK' if report.ok else 'FAILED'} in {report.seconds:.2f} s\n"
                f"  {report.tables} tables, {report.rows} rows; mismatched tables: {report.mismatched_tables or 0}\n"
                f"  {report.attachment_rows} attachment rows; without blob: {len(report.rows_without_blob)}, "
                f"blobs without row: {len(report.blobs_without_row)}, "
                f"blobs not matching their row: {len(report.blobs_not_matching_row)}"
            )
        if not report.ok:
            raise CommandError("restore drill failed: see the report above")
