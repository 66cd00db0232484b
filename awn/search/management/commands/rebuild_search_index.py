from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from awn.search.services import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the search index of tickets, contacts and knowledge articles from their current text."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            counts = rebuild_index()
        self.stdout.write(
            _("Indexed %(tickets)d tickets and %(contacts)d contacts.")
            % {"tickets": counts["ticket"], "contacts": counts["contact"]}
        )
        self.stdout.write(_("Indexed %(articles)d articles.") % {"articles": counts["article"]})
