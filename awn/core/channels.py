"""Channel kinds, registered rather than enumerated.

Two registries of the same shape:
- `Channel`: where a ticket or message came from (portal, email, WhatsApp, phone…), stored in `Ticket.channel`;
- `InboxKind`: which kinds of channel account (inbox) exist, one per connector (filled by awn/connectors/kinds.py).

A kind is registered by the code that brings it (a connector class, the chat app, or below for the origins that
are no connector), when Django starts. Model fields store the code only, without `choices=`, so adding a kind
edits neither `tickets/` nor a model and makes no migration; validation, forms, filters and labels read the
registry. A registry answers like a Django `TextChoices` (`.values`, `.choices`, `Channel(code).label`), so the
code that took the old enums keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from threading import Lock
from typing import Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Capabilities a kind may declare; readers ask for a capability, never for a list of codes.
LIVE = "live"  # answered while the customer waits (chat, phone): counted as live load by routing
VOICE = "voice"  # a call, not text
REPLIES = "replies"  # an agent's public reply goes back through this channel
INBOUND = "inbound"  # customers write through it (as opposed to the agent workspace)


@dataclass(frozen=True)
class ChannelKind:
    """One kind: its stored code, its label (a lazy translation: Arabic first, English), an icon, capabilities."""

    code: str
    label: str | Promise
    icon: str = "chat-dots"
    capabilities: frozenset[str] = field(default_factory=frozenset)
    order: int = 100  # place in lists and filters

    @property
    def value(self) -> str:
        """The stored code, under the name a `TextChoices` member gives it."""
        return self.code

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


class ChoiceSet(Protocol):
    """What forms, filters and validators read: a `TextChoices` class or a registry."""

    @property
    def values(self) -> list[str]: ...

    @property
    def choices(self) -> list[tuple[str, Any]]: ...


class KindRegistry:
    """Kinds by code, in display order. Registering the same kind twice is a no-op; a different kind under a code
    already taken is refused (two providers would otherwise silently fight over one stored value)."""

    max_length = 16  # the width of the columns that store a code

    def __init__(self, name: str) -> None:
        self.name = name
        self._kinds: dict[str, ChannelKind] = {}
        self._sorted: tuple[ChannelKind, ...] = ()
        self._lock = Lock()

    def __deepcopy__(self, memo: dict[int, object]) -> KindRegistry:
        return self  # one registry per process: a form that copies its fields shares it

    def __copy__(self) -> KindRegistry:
        return self

    def register(self, kind: ChannelKind) -> ChannelKind:
        if not kind.code or len(kind.code) > self.max_length or kind.code != kind.code.strip().lower():
            raise ValueError(f"{self.name} code {kind.code!r}: 1 to {self.max_length} lower-case characters")
        with self._lock:
            known = self._kinds.get(kind.code)
            if known is not None and known != kind:
                raise ValueError(f"{self.name} {kind.code!r} is already registered differently")
            self._kinds[kind.code] = kind
            self._sorted = tuple(sorted(self._kinds.values(), key=lambda k: (k.order, k.code)))
        return kind

    def unregister(self, code: str) -> None:
        """Remove a kind (tests that register one at runtime)."""
        with self._lock:
            self._kinds.pop(code, None)
            self._sorted = tuple(sorted(self._kinds.values(), key=lambda k: (k.order, k.code)))

    def get(self, code: str) -> ChannelKind | None:
        return self._kinds.get(code)

    def __call__(self, code: str) -> ChannelKind:
        """The kind of a code; ValueError when none is registered (as `TextChoices(value)` does)."""
        kind = self._kinds.get(code)
        if kind is None:
            raise ValueError(f"{code!r} is not a registered {self.name}")
        return kind

    def __contains__(self, code: object) -> bool:
        return code in self._kinds

    def __iter__(self) -> Iterator[ChannelKind]:
        return iter(self._sorted)

    def __len__(self) -> int:
        return len(self._sorted)

    @property
    def values(self) -> list[str]:
        return [k.code for k in self._sorted]

    @property
    def choices(self) -> list[tuple[str, Any]]:
        """(code, lazy label) pairs in display order."""
        return [(k.code, k.label) for k in self._sorted]

    def choices_callable(self) -> list[tuple[str, Any]]:
        """For a form field's `choices=`: read when the form is built, so a kind registered later shows."""
        return self.choices

    def label(self, code: str) -> str:
        """The label in the active language; an unknown code (a kind since removed) shows as stored."""
        kind = self._kinds.get(code)
        return str(kind.label) if kind is not None else code

    def with_capability(self, capability: str) -> list[str]:
        return [k.code for k in self._sorted if capability in k.capabilities]


class TicketChannels(KindRegistry):
    """Where tickets and messages come from. The names below are the codes other apps refer to by name; any
    other registered code is as valid."""

    PORTAL = "portal"
    EMAIL = "email"
    CHAT = "chat"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    PHONE = "phone"
    API = "api"
    AGENT = "agent"


Channel = TicketChannels("channel")
# Filled by the connectors app from settings.AWN_CONNECTORS (awn/connectors/kinds.py); kept here so the domain
# apps below the connectors can ask about an inbox kind (does a reply go back through it?) without importing them.
InboxKind = KindRegistry("inbox kind")

# The origins that are no connector. Connectors register theirs (email, WhatsApp, Telegram, phone) and the chat
# app its web chat, when Django starts.
Channel.register(
    ChannelKind(Channel.PORTAL, _("Portal"), icon="globe", capabilities=frozenset({INBOUND}), order=10)
)
Channel.register(
    ChannelKind(Channel.API, _("API"), icon="code-slash", capabilities=frozenset({INBOUND}), order=70)
)
Channel.register(ChannelKind(Channel.AGENT, _("Agent workspace"), icon="person-badge", order=80))
