"""Writes to the search index. Ticket and contact services call these inside their own transaction.

Each call is one statement (an INSERT or an UPDATE); on SQLite the FTS5 table follows through triggers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from awn.core.text.arabic import search_terms

from .enums import Kind
from .models import SearchEntry

# Terms kept per object: enough for a long thread; beyond it later replies are not indexed.
BODY_MAX = 32_000


def terms_text(*texts: str) -> str:
    return " ".join(term for text in texts for term in search_terms(text))


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
    """Rebuild every row from the source tables (after an upgrade or a change to the stemmer)."""
    from awn.crm.models import Contact
    from awn.tickets.enums import MessageKind
    from awn.tickets.models import Message, Ticket

    SearchEntry.objects.all().delete()
    counts = {Kind.TICKET.value: 0, Kind.CONTACT.value: 0, Kind.ARTICLE.value: 0}
    rows: list[SearchEntry] = []

    def flush() -> None:
        SearchEntry.objects.bulk_create(rows, batch_size=batch_size)
        rows.clear()

    for contact in Contact.objects.filter(merged_into__isnull=True).only("pk", "name").iterator(batch_size):
        rows.append(SearchEntry(kind=Kind.CONTACT, object_id=contact.pk, title=terms_text(contact.name)))
        counts[Kind.CONTACT] += 1
        if len(rows) >= batch_size:
            flush()
    flush()
    tickets = Ticket.objects.only("pk", "subject").order_by("pk")
    last = 0
    while True:
        chunk = list(tickets.filter(pk__gt=last)[:batch_size])
        if not chunk:
            break
        last = chunk[-1].pk
        bodies: dict[int, list[str]] = {t.pk: [] for t in chunk}
        messages = (
            Message.objects.filter(ticket_id__in=bodies)
            .exclude(kind=MessageKind.NOTE)
            .order_by("created_at", "pk")
            .values_list("ticket_id", "body")
        )
        for ticket_id, body in messages:
            bodies[ticket_id].append(body)
        for ticket in chunk:
            body = " ".join(bodies[ticket.pk])
            rows.append(
                SearchEntry(
                    kind=Kind.TICKET,
                    object_id=ticket.pk,
                    title=terms_text(ticket.subject),
                    body=terms_text(body)[:BODY_MAX],
                )
            )
        counts[Kind.TICKET] += len(chunk)
        flush()
    counts[Kind.ARTICLE] = _rebuild_articles(rows, flush, batch_size)
    return counts


def _rebuild_articles(rows: list[SearchEntry], flush: Callable[[], None], batch_size: int) -> int:
    from awn.knowledge.models import Article
    from awn.knowledge.services import index_fields

    count = 0
    for article in Article.objects.order_by("pk").iterator(batch_size):
        fields = index_fields(article)
        rows.append(
            SearchEntry(
                kind=Kind.ARTICLE,
                object_id=article.pk,
                title=terms_text(fields["title"]),
                body=terms_text(fields["body"])[:BODY_MAX],
            )
        )
        count += 1
        if len(rows) >= batch_size:
            flush()
    flush()
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
