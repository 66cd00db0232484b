"""Phone calls from any PBX through a generic signed CTI webhook (Asterisk is providers/asterisk, over AMI).

The PBX POSTs one JSON call event per request, signed `X-Awn-Signature: sha256=<HMAC-SHA256(body, secret)>`:
`{"event_id", "type": ringing|ivr|answered|ended|missed|abandoned, "call_id", "caller": "+9665…", "agent",
"ivr": "<digit>", "at": ISO-8601, "duration": seconds}`. Each call is one ticket on channel "phone" for the
caller's contact (matched by E.164 phone), each event a line on it; the menu digit (on "ivr", or on any event)
sets the category through the inbox's IVR map; a missed or abandoned call becomes a call-back task (tag, open,
high priority); "answered" by a known agent pops the caller's profile on that agent's screen. `agent` is an agent's
username or a phone extension / interface ("1001", "PJSIP/1001", a channel "PJSIP/1001-0000002a") that the
inbox's extension map names.
Calls cannot be answered in writing: send() refuses, and no channel conversation is opened, so agent replies on a
call ticket are never routed here.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from awn.core.channels import INBOUND, LIVE, VOICE, ChannelKind
from awn.core.errors import ValidationError, lazy_format
from awn.core.events import publish
from awn.crm.validators import clean_phone
from awn.tickets.enums import Category, Channel, MessageKind, Priority, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_create, ticket_set_tags, ticket_update
from awn.tickets.transitions import may_move

from ...base import (
    Connector,
    InboundMessage,
    MalformedPayload,
    Outgoing,
    RawItem,
    SecretField,
    SendError,
    SettingField,
    StatusUpdate,
    WebhookRequest,
)
from ...events import CallAnswered
from ...signatures import hmac_sha256_valid

if TYPE_CHECKING:
    from ...models import Inbox

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "x-awn-signature"
EVENT_TYPES = ("ringing", "ivr", "answered", "ended", "missed", "abandoned")
CALLBACK_TYPES = ("missed", "abandoned")
CALLBACK_TAG = "معاودة الاتصال"


def phone_of(raw: str) -> str:
    """The caller's number in E.164, or "" when the PBX sent something else (anonymous, an extension)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return clean_phone(raw if raw.startswith(("+", "0")) else "+" + raw)
    except ValidationError:
        return ""


def ivr_categories(inbox: Inbox) -> dict[str, str]:
    """The inbox's menu digit → ticket category map; unknown categories and a broken map are ignored."""
    data = _json_map(inbox, "ivr_categories")
    return {str(k): str(v) for k, v in data.items() if str(v) in Category.values}


def _json_map(inbox: Inbox, name: str) -> dict[str, Any]:
    raw = inbox.settings.get(name) or ""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw.strip() else raw
    except ValueError:
        logger.warning("inbox %s: %s is not JSON", inbox.pk, name)
        return {}
    return data if isinstance(data, dict) else {}


def extension_keys(value: str) -> list[str]:
    """The names one phone goes by, most precise first (lower-cased): a channel "PJSIP/1001-0000002a" is also
    the interface "pjsip/1001" and the extension "1001"; "Local/1001@agents-00000003;1" is also "1001"."""
    name = value.strip().lower()
    keys = [name]
    name = re.sub(r";\d+$", "", name)  # a Local channel's leg
    name = re.sub(r"/n$", "", name)  # a Local interface's "no optimisation" flag
    name = re.sub(r"-[0-9a-f]{6,8}$", "", name)  # the per-call suffix of a channel name
    keys.append(name)
    resource = name.split("/", 1)[1] if "/" in name else name
    keys += [resource, resource.split("@", 1)[0]]
    return list(dict.fromkeys(k for k in keys if k))


def agent_extensions(inbox: Inbox) -> dict[str, str]:
    """The inbox's extension → agent username map ({"SIP/1001": "hind"} or {"1001": "hind"}), keys lower-cased."""
    return {
        str(k).strip().lower(): str(v).strip()
        for k, v in _json_map(inbox, "agent_extensions").items()
        if str(k).strip() and isinstance(v, str) and v.strip()
    }


def _duration(seconds: Any) -> str:
    try:
        total = max(int(float(seconds)), 0)
    except (TypeError, ValueError):
        return ""
    return f"{total // 60}:{total % 60:02d}"


# Calls, from any PBX connector (CTI webhooks, Asterisk AMI): answered live, by voice.
PHONE_CHANNEL = ChannelKind(
    Channel.PHONE, _("Phone"), "telephone", frozenset({INBOUND, LIVE, VOICE}), order=60
)


class CtiConnector(Connector):
    kind = "phone"
    label = _("Phone (CTI)")
    icon = "telephone"
    channel = Channel.PHONE
    channel_kind = PHONE_CHANNEL
    sends_replies = False
    threads_by_address = False
    applies_events = True
    secret_fields: ClassVar[tuple[SecretField, ...]] = (
        SecretField(
            "signing_secret",
            _("Signing secret"),
            _("The PBX signs every call event: X-Awn-Signature: sha256=<HMAC-SHA256 of the body>."),
        ),
    )
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField(
            "ivr_categories",
            _("IVR menu → category"),
            _('A JSON map of the caller\'s menu digit to a ticket category, e.g. {"1": "account_access"}.'),
            max_length=2000,
        ),
        SettingField(
            "agent_extensions",
            _("Extension → agent"),
            _(
                'A JSON map of a phone extension or interface to the agent\'s username, e.g. {"1001": "hind"} '
                'or {"PJSIP/1001": "hind"}. Call events may name the agent by username or by extension.'
            ),
            max_length=4000,
        ),
    )

    def clean_settings(self, settings: dict[str, str]) -> None:
        for name in ("ivr_categories", "agent_extensions"):
            raw = settings.get(name, "")
            try:
                data = json.loads(raw) if raw else {}
            except ValueError:
                data = None
            if not isinstance(data, dict) or not all(isinstance(v, str) and v.strip() for v in data.values()):
                raise ValidationError(
                    _('Write a JSON object of text values, e.g. {"1": "account_access"}.'), field=name
                )
            if name == "ivr_categories":
                unknown = sorted({v for v in data.values() if v not in Category.values})
                if unknown:
                    raise ValidationError(
                        lazy_format(
                            _("Unknown ticket categories: %(names)s. Known: %(known)s."),
                            names=", ".join(unknown),
                            known=", ".join(Category.values),
                        ),
                        field=name,
                    )

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        header = request.headers.get(SIGNATURE_HEADER, "")
        return hmac_sha256_valid(self.secret(inbox, "signing_secret"), request.body, header, prefix="sha256=")

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise MalformedPayload("not JSON") from exc
        if not isinstance(event, dict):
            raise MalformedPayload("expected one call event object")
        for key in ("event_id", "call_id", "caller"):
            if not isinstance(event.get(key), str | int) or not str(event[key]).strip():
                raise MalformedPayload(f"call event without {key}")
        if event.get("type") not in EVENT_TYPES:
            raise MalformedPayload("unknown call event type")
        if event["type"] == "ivr" and not str(event.get("ivr") or "").strip():
            raise MalformedPayload("ivr event without the menu digit")
        return [RawItem(str(event["event_id"])[:200], event)]

    def parse_inbound(self, inbox: Inbox, payload: dict[str, Any]) -> InboundMessage | StatusUpdate | None:
        return None  # call events are applied by apply_event

    def send(self, inbox: Inbox, outgoing: Outgoing) -> str:
        raise SendError("a phone inbox cannot send written replies", retryable=False)

    def apply_event(self, inbox: Inbox, payload: dict[str, Any]) -> Message | None:
        with translation.override(settings.LANGUAGE_CODE):
            return _apply(inbox, payload)


def _apply(inbox: Inbox, event: dict[str, Any]) -> Message | None:
    from ...inbound import resolve_contact
    from ...selectors import phone_call_ticket
    from ...services import phone_call_open

    kind = str(event["type"])
    call_id = str(event["call_id"])[:100]
    caller = str(event["caller"]).strip()[:40]
    phone = phone_of(caller)
    # The phone identity row is locked here: the events of one caller (so of one call) apply one at a time.
    contact = resolve_contact(
        CtiConnector.kind,
        InboundMessage(
            external_id=str(event["event_id"]), address=call_id, identity=phone or caller, phone=phone
        ),
    )
    digit = str(event.get("ivr") or "").strip()[:8]
    category = ivr_categories(inbox).get(digit, "") if digit else ""
    agent = _agent(inbox, str(event.get("agent") or ""))
    body = _line(kind, event, phone or caller, agent)
    ticket = phone_call_ticket(inbox, call_id)
    if ticket is None:
        ticket = ticket_create(
            requester=contact,
            subject=gettext("Phone call from %(name)s") % {"name": contact.name},
            body=body,
            channel=Channel.PHONE,
            category=category or Category.OTHER,
        )
        phone_call_open(inbox=inbox, call_id=call_id, ticket=ticket, contact=contact, caller=phone or caller)
        message = Message.objects.filter(ticket=ticket).order_by("id").first()
    else:
        if category and ticket.category == Category.OTHER:
            ticket = ticket_update(ticket=ticket, actor=None, changes={"category": category})
        message = (
            ticket_add_message(ticket=ticket, body=body, actor=None, kind=MessageKind.NOTE)
            if ticket.status != Status.CLOSED
            else None
        )
    if kind in CALLBACK_TYPES:
        _call_back_task(ticket)
    if kind == "answered" and isinstance(agent, get_user_model()):
        publish(CallAnswered(ticket_id=ticket.pk, contact_id=contact.pk, agent_id=agent.pk, call_id=call_id))
    return message


def _agent(inbox: Inbox, value: str) -> Any:
    """The answering agent's user (by the inbox's extension map, else by username), else the raw value (an
    unmapped extension) for the log line."""
    value = value.strip()[:150]
    if not value:
        return ""
    mapping = agent_extensions(inbox)
    username = next((mapping[k] for k in extension_keys(value) if k in mapping), value)
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    return user if user is not None and user.is_staff_member else value


def _line(kind: str, event: dict[str, Any], number: str, agent: Any) -> str:
    who = (agent.get_full_name() or agent.username) if not isinstance(agent, str) else agent
    if kind == "ringing":
        line = gettext("Incoming call from %(number)s") % {"number": number}
    elif kind == "answered":
        line = gettext("Answered by %(agent)s") % {"agent": who or gettext("an agent")}
    elif kind == "ivr":
        line = gettext("Menu choice: %(digit)s") % {"digit": str(event.get("ivr") or "").strip()[:8]}
    elif kind == "ended":
        duration = _duration(event.get("duration"))
        line = (
            gettext("Call ended — duration %(duration)s") % {"duration": duration}
            if duration
            else gettext("Call ended")
        )
    elif kind == "missed":
        line = gettext("Missed call — call back %(number)s") % {"number": number}
    else:
        line = gettext("The caller hung up before an answer — call back %(number)s") % {"number": number}
    digit = str(event.get("ivr") or "").strip()[:8]
    if digit and kind == "ringing":
        line += "\n" + gettext("Menu choice: %(digit)s") % {"digit": digit}
    return line


def _call_back_task(ticket: Ticket) -> None:
    """A missed or abandoned call waits in the queue as a call-back: tagged, open, high priority."""
    tags = set(ticket.tags.values_list("name", flat=True)) | {CALLBACK_TAG}
    ticket_set_tags(ticket=ticket, actor=None, tags=tags)
    changes: dict[str, str] = {"priority": Priority.HIGH}
    if ticket.status != Status.OPEN and may_move(ticket.status, Status.OPEN):
        changes["status"] = Status.OPEN
    if ticket.status != Status.CLOSED:
        ticket_update(ticket=ticket, actor=None, changes=changes)
