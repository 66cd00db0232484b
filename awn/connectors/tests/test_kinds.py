"""Channel kinds are registered, not enumerated: a kind registered at runtime is valid, labelled and filterable,
and makes no migration (issue 11, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django import forms
from django.core.management import call_command
from django.utils import translation

from awn.analytics.templatetags.analytics_tags import choice_label
from awn.connectors.kinds import InboxKind
from awn.core.channels import INBOUND, LIVE, Channel, ChannelKind, KindRegistry
from awn.core.errors import ValidationError
from awn.routing.selectors import GROUP_CHANNELS, load_channel
from awn.sla.forms import PolicyForm
from awn.tickets.models import Ticket
from awn.tickets.selectors import _apply_filters

SMS = ChannelKind("sms", "رسائل نصية SMS", icon="phone", capabilities=frozenset({INBOUND}), order=55)
VIDEO = ChannelKind("video", "مكالمة فيديو", capabilities=frozenset({INBOUND, LIVE}), order=65)


@pytest.fixture
def sms() -> Iterator[ChannelKind]:
    Channel.register(SMS)
    InboxKind.register(SMS)
    yield SMS
    Channel.unregister(SMS.code)
    InboxKind.unregister(SMS.code)


def test_the_channels_of_main_are_registered_in_their_old_order() -> None:
    # The order and the Arabic labels of the enum this registry replaced (tickets/enums.Channel on main).
    assert Channel.values[:8] == ["portal", "email", "chat", "whatsapp", "telegram", "phone", "api", "agent"]
    with translation.override("ar"):
        assert Channel.label("chat") == "المحادثة المباشرة"
        assert Channel.label("whatsapp") == "واتساب"
        assert Channel.label("phone") == "الهاتف"
    with translation.override("en"):
        assert Channel.label("agent") == "Agent workspace"
    assert InboxKind.values == ["whatsapp", "telegram", "email", "phone", "asterisk", "fake", "web_chat"]
    with translation.override("ar"):
        assert InboxKind.label("phone") == "الهاتف (CTI)"


@pytest.mark.django_db
def test_a_kind_registered_at_runtime_needs_no_migration(sms: ChannelKind) -> None:
    out = StringIO()
    # --check exits with status 1 when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
    assert "sms" in Channel.values and "sms" in InboxKind.values


@pytest.mark.django_db
def test_a_kind_registered_at_runtime_is_valid_labelled_and_filterable(world, sms: ChannelKind) -> None:
    ticket = world.ticket(channel="sms")
    ticket.refresh_from_db()
    assert ticket.channel == "sms"
    assert ticket.get_channel_display() == "رسائل نصية SMS"
    assert choice_label("sms") == "رسائل نصية SMS"
    channels = PolicyForm().fields["channels"]
    assert isinstance(channels, forms.ChoiceField)
    assert ("sms", "رسائل نصية SMS") in list(channels.choices)  # type: ignore[arg-type]
    world.ticket(channel="portal")
    assert list(_apply_filters(Ticket.objects.all(), {"channel": "sms"})) == [ticket]


@pytest.mark.django_db
def test_an_unregistered_kind_is_refused_and_a_removed_one_shows_its_code(world, sms: ChannelKind) -> None:
    with pytest.raises(ValidationError) as refused:
        world.ticket(channel="pigeon")
    assert refused.value.field == "channel"
    ticket = world.ticket(channel="sms")
    Channel.unregister("sms")
    assert ticket.get_channel_display() == "sms"


def test_routing_reads_capabilities_not_codes() -> None:
    assert load_channel("phone") == "calls"
    assert load_channel("chat") == "chats"
    assert load_channel("email") == "tickets"
    Channel.register(VIDEO)
    try:
        assert load_channel("video") == "chats"
        assert "video" in GROUP_CHANNELS["chats"] and "video" not in GROUP_CHANNELS["tickets"]
    finally:
        Channel.unregister("video")
    assert "video" not in GROUP_CHANNELS["chats"]


def test_a_code_is_never_registered_twice_differently() -> None:
    registry = KindRegistry("test kind")
    registry.register(SMS)
    registry.register(SMS)  # the same kind again: a no-op
    with pytest.raises(ValueError, match="already registered"):
        registry.register(ChannelKind("sms", "other"))
    for bad in ("", "SMS", "x" * 17):
        with pytest.raises(ValueError):
            registry.register(ChannelKind(bad, "bad"))
    assert registry.values == ["sms"]
    with pytest.raises(ValueError):
        registry("pigeon")
