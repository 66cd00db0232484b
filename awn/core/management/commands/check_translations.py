"""Fail when a user-facing string has no Arabic translation.

Extracts every translatable string from the code and templates (makemessages, which needs GNU gettext), reports
entries that are untranslated or fuzzy, and leaves the catalogue as it was unless --update is given.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check that the Arabic catalogue translates every string in the code and templates."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--update", action="store_true", help="update locale/ar in place (for translators)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        if shutil.which("xgettext") is None:
            raise CommandError("GNU gettext (xgettext) is needed: apt-get install gettext")
        po_path = root / "locale/ar/LC_MESSAGES/django.po"
        original = po_path.read_bytes()
        try:
            self._makemessages(root)
            po = polib.pofile(str(po_path))
        finally:
            if not options["update"]:
                # makemessages writes in place (it picks the locale dir beside the sources); put it back.
                po_path.write_bytes(original)
        missing = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        if missing:
            for entry in missing[:50]:
                self.stderr.write(
                    f"untranslated: {entry.msgid!r} ({', '.join(f for f, _ in entry.occurrences[:2])})"
                )
            raise CommandError(
                f"{len(missing)} string(s) have no Arabic translation in locale/ar/LC_MESSAGES/django.po"
            )
        self.stdout.write(f"Arabic catalogue complete: {len(po.translated_entries())} strings.")

    def _makemessages(self, root: Path) -> None:
        cmd = [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ar",
            "--no-location",
            "--no-obsolete",
            "-i",
            ".venv",
            "-i",
            "node_modules",
            "-i",
            "var",
            "-i",
            "bench",
            "-i",
            "*/tests/*",
            "-i",
            "tests",
        ]
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)  # noqa: S603
