"""The full reaction map without analytics' reactions: `AWN_EVENT_SUBSCRIPTIONS=bench.no_analytics.SUBSCRIPTIONS`
measures what writing the facts adds to a write path (issue 17: ≤ 10% on ticket creation), e.g. with
bench/api_create_cpu.py run once with it and once without."""

from awn.core.events import Subscriptions
from config.event_subscriptions import SUBSCRIPTIONS as ALL

SUBSCRIPTIONS: Subscriptions = {
    event: [reaction for reaction in reactions if not reaction.label.startswith("awn.analytics.")]
    for event, reactions in ALL.items()
}
