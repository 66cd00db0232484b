"""Writes to the search index. Ticket and contact services call these inside their own transaction.

Each call is one statement (an INSERT or an UPDATE); on SQLite the FTS5 table follows through triggers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from awn.core.text.arabizi import index_terms

from .documents import Document, document_sources
from .models import SearchEntry

# Terms kept per object: enough for a long thread; beyond it later replies are not indexed.
BODY_MAX = 32_000


def terms_text(*texts: str) -> str:
    return " ".join(term for text in texts for term in index_terms(text))


def index_add(*, kind: str, object_id: int, title: str, body: str = "") -> None:
    """Index a new object (one INSERT)."""
    SearchEntry.objects.create(
        kind=kind, object_id=object_id, title=terms_text(title), body=terms_text(body)[:BODY_MAX]
    )


def index_set(*, kind: str, object_id: int, title: str | None = None, body: str | None = None) -> None:
    """Replace the title and/or body terms of an object, creating its row if missing."""
    fields: dict[str, str] = {}
    if title is not None:
        fields["title"] = terms_text(title)
    if body is not None:
        fields["body"] = terms_text(body)[:BODY_MAX]
    if fields and not SearchEntry.objects.filter(kind=kind, object_id=object_id).update(**fields):
        SearchEntry.objects.create(kind=kind, object_id=object_id, **fields)


def index_append(*, kind: str, object_id: int, text: str) -> None:
    """Add the terms of one more message to an object's body (one UPDATE)."""
    terms = terms_text(text)
    if terms:
        SearchEntry.objects.filter(kind=kind, object_id=object_id).update(
            body=Substr(Concat(F("body"), Value(" " + terms)), 1, BODY_MAX)
        )


def index_remove(*, kind: str, object_ids: Iterable[int]) -> None:
    SearchEntry.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()


def rebuild_index(batch_size: int = 1000) -> dict[str, int]:
    """Rebuild every row from the documents the domains supply (after an upgrade or a change to the stemmer).
    Returns how many objects of each kind were indexed."""
    SearchEntry.objects.all().delete()
    return {
        kind: _index_documents(kind, documents(batch_size), batch_size)
        for kind, documents in document_sources().items()
    }


def _index_documents(kind: str, documents: Iterable[Document], batch_size: int) -> int:
    count = 0
    rows: list[SearchEntry] = []
    for document in documents:
        rows.append(
            SearchEntry(
                kind=kind,
                object_id=document.object_id,
                title=terms_text(document.title),
                body=terms_text(document.body)[:BODY_MAX],
            )
        )
        count += 1
        if len(rows) >= batch_size:
            SearchEntry.objects.bulk_create(rows, batch_size=batch_size)
            rows.clear()
    SearchEntry.objects.bulk_create(rows, batch_size=batch_size)
    return count


def index_merge(*, kind: str, source_id: int, target_id: int) -> None:
    """Fold the source's indexed terms into the target's body (a merged ticket's messages moved there)."""
    source = SearchEntry.objects.filter(kind=kind, object_id=source_id).values_list("title", "body").first()
    if source is None:
        return
    terms = " ".join(part for part in source if part)
    if terms:
        SearchEntry.objects.filter(kind=kind, object_id=target_id).update(
            body=Substr(Concat(F("body"), Value(" " + terms)), 1, BODY_MAX)
        )
