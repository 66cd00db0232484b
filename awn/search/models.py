"""One search row per indexed object: our own normalized, stop-word-free, stemmed terms.

SQLite indexes the rows with an external-content FTS5 table kept in step by triggers; PostgreSQL with a GIN
index over `setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')`.
Both are created in migration 0001 (see `awn.search.selectors` for the queries that use them).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Kind


class SearchEntry(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
