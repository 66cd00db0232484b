"""AMI events → normalized call events (the CTI vocabulary). Pure: no I/O, no database; the mapping is documented
in the package docstring. One translator per AMI connection, kept across reconnects."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..cti import extension_keys
from . import DEFAULT_IVR_VARIABLE, IVR_USER_EVENT

MAX_OPEN_CALLS = 5000  # calls whose hangup never came are forgotten oldest first
ANONYMOUS = "anonymous"


def headers_of(message: Mapping[str, Any]) -> dict[str, str]:
    """An AMI message as lower-cased header → text (a repeated header keeps its first value)."""
    out: dict[str, str] = {}
    for key, value in message.items():
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        out[str(key).lower()] = str(value).strip()
    return out


def interface_of(channel: str) -> str:
    """ "PJSIP/1001-0000002a" → "PJSIP/1001"; "Local/1001@agents-00000003;1" → "Local/1001@agents"."""
    return re.sub(r"-[0-9a-fA-F]{6,8}(;\d+)?$", "", channel.strip())


def _caller(number: str) -> str:
    number = number.strip()[:40]
    return number if number and number.lower() not in ("<unknown>", "unknown", "anonymous") else ANONYMOUS


@dataclass(frozen=True)
class CallEvent:
    """One normalized call event. kind "hangup" (only when tracked is False) is a hangup whose outcome depends on
    what was stored for the call before the listener restarted."""

    kind: str
    call_id: str
    caller: str
    at: float
    agent: str = ""
    ivr: str = ""
    duration: int | None = None
    tracked: bool = True

    @property
    def external_id(self) -> str:
        return f"ami:{self.call_id}:{self.kind}"[:200]

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event_id": self.external_id,
            "type": self.kind,
            "call_id": self.call_id,
            "caller": self.caller,
            "agent": self.agent,
            "ivr": self.ivr,
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(),
            "source": "ami",
        }
        if self.duration is not None:
            data["duration"] = self.duration
        return data


@dataclass
class _Call:
    caller: str
    answered_at: float | None = None
    abandoned: bool = False
    ivr: str = ""


class CallTranslator:
    def __init__(
        self,
        *,
        inbound_contexts: Iterable[str] = (),
        ivr_variable: str = "",
        agent_extensions: Iterable[str] = (),
    ) -> None:
        self.calls: OrderedDict[str, _Call] = OrderedDict()
        self.configure(
            inbound_contexts=inbound_contexts, ivr_variable=ivr_variable, agent_extensions=agent_extensions
        )

    def configure(
        self, *, inbound_contexts: Iterable[str], ivr_variable: str, agent_extensions: Iterable[str]
    ) -> None:
        """The inbox's settings (read again before each connection; the open calls are kept)."""
        self.inbound_contexts = {c.strip().lower() for c in inbound_contexts if c.strip()}
        self.ivr_variable = (ivr_variable.strip() or DEFAULT_IVR_VARIABLE).lstrip("_").upper()
        self.agent_keys = {k.strip().lower() for k in agent_extensions if k.strip()}

    def restore(
        self, call_id: str, caller: str, *, answered_at: float | None, abandoned: bool, ivr: str = ""
    ) -> None:
        """Take back a call from what was stored before a restart (see listener.py)."""
        self._track(call_id, _Call(caller, answered_at, abandoned, ivr))

    def _track(self, call_id: str, call: _Call) -> None:
        self.calls[call_id] = call
        self.calls.move_to_end(call_id)
        while len(self.calls) > MAX_OPEN_CALLS:
            self.calls.popitem(last=False)

    def feed(self, h: Mapping[str, str], now: float) -> list[CallEvent]:
        """The call events one AMI event (lower-cased headers) means; [] for everything else."""
        name = h.get("event", "").lower()
        call_id = h.get("linkedid", "")[:100]
        if not name or not call_id:
            return []
        try:
            at = float(h.get("timestamp", ""))
        except ValueError:
            at = now
        first_channel = h.get("uniqueid", "") == call_id
        call = self.calls.get(call_id)
        if name == "newchannel":
            return self._new_channel(h, call_id, at) if first_channel and call is None else []
        if call is None:
            # A call that began before this listener started: the listener looks up what was stored for it.
            if name == "hangup" and first_channel:
                return [CallEvent("hangup", call_id, _caller(h.get("calleridnum", "")), at, tracked=False)]
            kind = self._kind(name, h)
            return [CallEvent(kind, call_id, "", at, tracked=False)] if kind else []
        kind = self._kind(name, h)
        if kind == "ivr":
            digit = self._digit(name, h)
            if call.ivr:
                return []
            call.ivr = digit
            return [CallEvent("ivr", call_id, call.caller, at, ivr=digit)]
        if kind == "answered":
            if call.answered_at is not None or call.abandoned:
                return []
            call.answered_at = at
            return [CallEvent("answered", call_id, call.caller, at, agent=self._agent(name, h), ivr=call.ivr)]
        if kind == "abandoned":
            if call.answered_at is not None or call.abandoned:
                return []
            call.abandoned = True
            return [CallEvent("abandoned", call_id, call.caller, at, ivr=call.ivr)]
        if name == "hangup" and first_channel:
            del self.calls[call_id]
            if call.abandoned:
                return []
            if call.answered_at is not None:
                duration = max(round(at - call.answered_at), 0)
                return [CallEvent("ended", call_id, call.caller, at, ivr=call.ivr, duration=duration)]
            return [CallEvent("missed", call_id, call.caller, at, ivr=call.ivr)]
        return []

    def _new_channel(self, h: Mapping[str, str], call_id: str, at: float) -> list[CallEvent]:
        channel = h.get("channel", "")
        if channel.lower().startswith("local/"):
            return []
        if self.inbound_contexts and h.get("context", "").lower() not in self.inbound_contexts:
            return []
        caller = _caller(h.get("calleridnum", ""))
        if self.agent_keys and (
            self.agent_keys.intersection(extension_keys(channel))
            or self.agent_keys.intersection(extension_keys(caller))
        ):
            return []  # dialled from an agent's own phone: not an incoming call
        self._track(call_id, _Call(caller))
        return [CallEvent("ringing", call_id, caller, at)]

    def _kind(self, name: str, h: Mapping[str, str]) -> str:
        if name in ("varset", "userevent"):
            return "ivr" if self._digit(name, h) else ""
        if name == "agentconnect" or (name == "dialend" and h.get("dialstatus", "").upper() == "ANSWER"):
            return "answered"
        if name == "queuecallerabandon":
            return "abandoned"
        return ""

    def _digit(self, name: str, h: Mapping[str, str]) -> str:
        if name == "varset" and h.get("variable", "").lstrip("_").upper() == self.ivr_variable:
            return h.get("value", "")[:8]
        if name == "userevent" and h.get("userevent", "").lower() == IVR_USER_EVENT.lower():
            return h.get("digit", "")[:8]
        return ""

    def _agent(self, name: str, h: Mapping[str, str]) -> str:
        if name == "agentconnect":
            found = (
                h.get("interface", "") or h.get("membername", "") or interface_of(h.get("destchannel", ""))
            )
        else:
            found = interface_of(h.get("destchannel", "")) or h.get("destcalleridnum", "")
        return found[:150]
