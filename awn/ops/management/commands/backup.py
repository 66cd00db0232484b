"""Back up the database and the attachment store into one encrypted archive, verify it, keep the newest N.

    manage.py backup [--dir DIR] [--keep N] [--verify ARCHIVE] [--list]

AWN_BACKUP_KEY (Fernet) encrypts; AWN_BACKUP_DIR (default var/backups) and AWN_BACKUP_KEEP (default 7) say where
and how many. See docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.ops.backup import BackupError, backup_create, backup_list, backup_verify


class Command(BaseCommand):
    help = "Back up the database and attachments into one encrypted, verified archive (with rotation)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", type=Path, help="where to write (default AWN_BACKUP_DIR or var/backups)")
        parser.add_argument(
            "--keep", type=int, help="how many backups to keep (default AWN_BACKUP_KEEP or 7)"
        )
        parser.add_argument("--verify", type=Path, metavar="ARCHIVE", help="only verify this archive")
        parser.add_argument("--list", action="store_true", help="list the backups of the directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["list"]:
                for path in backup_list(options["dir"]):
                    self.stdout.write(f"{path}  {path.stat().st_size} bytes")
                return
            if options["verify"]:
                manifest = backup_verify(options["verify"])
                self.stdout.write(
                    f"verified: {options['verify']} ({manifest['vendor']}, {len(manifest['tables'])} tables, "
                    f"{len(manifest['media'])} files, made {manifest['created_at']})"
                )
                return
            result = backup_create(directory=options["dir"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc.message)) from exc
        manifest = result.manifest
        rows = sum(int(t["rows"]) for t in manifest["tables"].values())
        self.stdout.write(
            f"backup: {result.path}\n"
            f"  {result.size} bytes in {result.seconds:.2f} s, verified; {manifest['vendor']}, "
            f"{len(manifest['tables'])} tables, {rows} rows, {len(manifest['media'])} files "
            f"({manifest['attachments']['rows']} attachment rows)"
        )
        for path in result.removed:
            self.stdout.write(f"  removed (rotation): {path.name}")
