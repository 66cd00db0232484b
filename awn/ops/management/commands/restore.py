"""Restore an encrypted backup (manage.py backup) over this deployment's database and attachment store.

    manage.py restore ARCHIVE --yes [--media-root DIR] [--keep-media]

Destructive: the database's tables are replaced by the backup's. Stop the web and worker processes first; run
`manage.py restore_drill` to rehearse without touching anything.

Then the erasure ledger is replayed (`manage.py reapply_erasures`, issue 15 item 4): a person erased after the
backup was made is erased again before anyone reads the restored data. The ledger file lives outside the backup
(AWN_ERASURE_LEDGER), so the erasures the restored database no longer knows of are still listed there.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from awn.ops.backup import BackupError, backup_restore, live_target


class Command(BaseCommand):
    help = "Restore a backup over this deployment's database and attachments (destructive: needs --yes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="yes, replace the current data")
        parser.add_argument(
            "--media-root", type=Path, help="restore the attachments here (default MEDIA_ROOT)"
        )
        parser.add_argument(
            "--keep-media",
            action="store_true",
            help="add the backup's files to the media directory, delete none",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "restore replaces this deployment's database and attachments: run it again with --yes "
                "(or rehearse with manage.py restore_drill)"
            )
        started = time.monotonic()
        try:
            manifest = backup_restore(
                options["archive"],
                live_target(options["media_root"]),
                replace_media=not options["keep_media"],
            )
        except BackupError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"restored {options['archive']} (made {manifest['created_at']}): {len(manifest['tables'])} tables, "
            f"{len(manifest['media'])} files in {time.monotonic() - started:.2f} s"
        )
        # The restored database may predate erasures: replay the ledger (the file survives the restore).
        call_command("reapply_erasures", stdout=self.stdout, stderr=self.stderr)
