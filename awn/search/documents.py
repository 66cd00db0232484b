"""What the index holds for one object, and who supplies it.

Each domain contributes its documents through a source named in `settings.AWN_SEARCH_SOURCES` (kind → dotted path
of a function `(batch_size) -> Iterable[Document]`), so search, below every domain it indexes, imports none of
them. `rebuild_index` reads every source; the domains' services keep their rows current as they write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Document:
    object_id: int
    title: str
    body: str = ""


DocumentSource = Callable[[int], Iterable[Document]]


def document_sources() -> dict[str, DocumentSource]:
    """Kind → the function that yields every document of that kind, in the order settings name them."""
    return {kind: import_string(path) for kind, path in settings.AWN_SEARCH_SOURCES.items()}
