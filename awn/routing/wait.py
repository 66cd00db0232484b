"""Live estimated wait — pure, no Django.

Why not Erlang C's ASA: ASA is the mean wait of a caller who knows nothing about the queue, averaged over every
state the queue could be in given the arrival rate and the staffing — a planning figure (it is on the staffing
page). A person already waiting has a known state: their position k in the line, the agents available N (in
slots: an agent who takes 3 chats at once is 3 slots) and how many slots are free. Under the very assumptions of
Erlang C (exponential handle times), when every slot is busy the slots free up one by one at rate N / AHT, so the
expected wait of the k-th in line is exactly k · AHT / N; with f slots free the first f in line are taken at
once and the rest wait (k − f) · AHT / N. That conditional expectation reacts at once to a surge (the line
grows, the estimate grows) where an hourly ASA would lag, and it needs no arrival-rate estimate.
"""

from __future__ import annotations

import math


def queue_wait_seconds(position: int, slots: int, busy: int, handle_seconds: float) -> int | None:
    """Expected seconds until the contact at `position` (1 = next) is taken; None when no slot exists at all
    (nobody available: no honest estimate)."""
    if slots <= 0 or handle_seconds <= 0:
        return None
    free = max(0, slots - max(0, busy))
    ahead = max(1, position) - free
    if ahead <= 0:
        return 0
    return math.ceil(ahead * handle_seconds / slots)
