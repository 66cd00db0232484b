"""An empty reaction map: `AWN_EVENT_SUBSCRIPTIONS=bench.no_subscriptions.SUBSCRIPTIONS` measures a write path
with no reaction at all (the baseline of `python -m bench.run --subscribers none`)."""

from awn.core.events import Subscriptions

SUBSCRIPTIONS: Subscriptions = {}
