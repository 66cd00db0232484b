"""Pagination that stays cheap on big tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

DEFAULT_COUNT_CAP = 2000

# Django's Paginator is generic only in its type stubs.
if TYPE_CHECKING:
    _Paginator = Paginator[Any]
else:
    _Paginator = Paginator


def capped_count(queryset: QuerySet[Any], cap: int) -> int:
    """min(rows, cap) with a LIMITed subquery: an exact COUNT(*) over 100k tickets costs more than the page."""
    return queryset.order_by().values("pk")[:cap].count()


class CappedPaginator(_Paginator):
    """Counts at most `cap` rows; beyond that the last page number is the cap's and lists say "cap+"."""

    def __init__(self, object_list: Any, per_page: int, cap: int = DEFAULT_COUNT_CAP, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _rows_up_to_cap_plus_one(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list, self.cap + 1)
        return min(len(self.object_list), self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._rows_up_to_cap_plus_one, self.cap)

    @property
    def count_is_capped(self) -> bool:
        """True when there are more rows than `count` says."""
        return self._rows_up_to_cap_plus_one > self.cap
