"""The index is rebuilt from the documents each domain supplies through settings.AWN_SEARCH_SOURCES."""

from __future__ import annotations

from collections.abc import Iterator

from django.test import override_settings

from awn.search.documents import Document, document_sources
from awn.search.enums import Kind
from awn.search.models import SearchEntry
from awn.search.selectors import search_ids
from awn.search.services import rebuild_index

SEEN_BATCH_SIZES: list[int] = []


def three_notices(batch_size: int) -> Iterator[Document]:
    SEEN_BATCH_SIZES.append(batch_size)
    yield Document(7, "إعادة تعيين كلمة المرور", "الرابط يصل إلى البريد")
    yield Document(8, "نقل الطالب")
    yield Document(9, "الشهادة", "نتائج الفصل الثاني")


def test_every_kind_the_index_holds_has_a_source_and_every_source_loads():
    sources = document_sources()
    assert set(sources) == set(Kind.values)
    assert all(callable(source) for source in sources.values())


@override_settings(AWN_SEARCH_SOURCES={"article": f"{__name__}.three_notices"})
def test_rebuild_indexes_what_the_configured_sources_yield_and_nothing_else(db):
    SearchEntry.objects.create(kind=Kind.TICKET, object_id=1, title="قديم")
    SEEN_BATCH_SIZES.clear()
    assert rebuild_index(batch_size=2) == {"article": 3}
    assert SEEN_BATCH_SIZES == [2]
    assert sorted(SearchEntry.objects.values_list("kind", "object_id")) == [
        ("article", 7),
        ("article", 8),
        ("article", 9),
    ]
    # Stored as normalized terms: another spelling of a word in a body finds it.
    assert set(search_ids(Kind.ARTICLE, "اعاده")) == {7}
    assert set(search_ids(Kind.ARTICLE, "الرابط")) == {7}
