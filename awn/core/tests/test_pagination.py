from __future__ import annotations

from awn.core.pagination import CappedPaginator
from awn.tickets.models import Ticket


def test_capped_paginator_counts_up_to_the_cap_and_says_so(world):
    for n in range(5):
        world.ticket(subject=f"تذكرة {n}")
    exact = CappedPaginator(Ticket.objects.order_by("pk"), per_page=2, cap=10)
    assert (exact.count, exact.count_is_capped, exact.num_pages) == (5, False, 3)
    capped = CappedPaginator(Ticket.objects.order_by("pk"), per_page=2, cap=3)
    assert (capped.count, capped.count_is_capped, capped.num_pages) == (3, True, 2)
    assert [t.subject for t in capped.get_page(2).object_list] == ["تذكرة 2"]


def test_capped_paginator_at_exactly_the_cap_is_not_capped(world):
    for n in range(3):
        world.ticket(subject=f"تذكرة {n}")
    paginator = CappedPaginator(Ticket.objects.order_by("pk"), per_page=2, cap=3)
    assert (paginator.count, paginator.count_is_capped) == (3, False)
