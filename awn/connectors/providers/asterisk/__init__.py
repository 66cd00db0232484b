"""Phone calls from Asterisk over the Asterisk Manager Interface (AMI), read with panoramisk.

`manage.py run_ami` keeps one AMI connection per active Asterisk inbox (listener.py). Each AMI event of a call is
translated (translate.py) into the same normalized call events the generic CTI webhook accepts, stored as raw
events keyed `ami:<Linkedid>:<kind>` (so a reconnect or a replay of the same events stores nothing twice) and
applied by the worker with the CTI connector's code: one ticket per call on channel "phone", a line per event,
the caller matched by E.164, the IVR digit mapped to a category, a call-back task for a missed or abandoned call,
the screen pop for the answering agent named through the extension → agent map. The connection is plain TCP
(5038) or TLS (5039, manager.conf `tlsenable = yes`) with the PBX's certificate verified against the public CAs
and, for a self-signed PBX, the CA pasted on the inbox.

Event mapping (Asterisk 18+ AMI; manager.conf `read = call,agent,user`, plus `dialplan` for VarSet):

* `Newchannel` of the call's first channel (`Uniqueid == Linkedid`), not a Local channel, in one of the inbox's
  inbound contexts when set, and not dialled from a mapped agent extension → **ringing**; caller = `CallerIDNum`,
  call id = `Linkedid` (shared by every channel of the call, also across queue members and transfers).
* `UserEvent` named `AwnIVR` (dialplan: `UserEvent(AwnIVR,Digit: ${EXTEN})`, class `user`) with `Digit`, or
  `VarSet` of the inbox's IVR variable (default `AWN_IVR`, class `dialplan`) → **ivr** (the first choice of a
  call counts). `DTMFEnd` is not used: digits pressed during a conversation (voicemail, another menu) would be
  taken for the menu choice.
* `AgentConnect` (a queue member answered; agent = `Interface`, else `MemberName`) or `DialEnd` with
  `DialStatus: ANSWER` (a direct dial; agent = `DestChannel`, e.g. `PJSIP/1001-0000002a`) → **answered**. A queued
  call raises both; the first wins (same key). `BridgeEnter` is not used: both legs and every transfer enter
  bridges, and it does not say who answered.
* `QueueCallerAbandon` → **abandoned** (call-back task); the caller's hangup after it adds nothing.
* `Hangup` of the first channel → **ended** with the talk time (answer → hangup, from the events' `Timestamp`
  header when manager.conf has `timestampevents = yes`, else the listener's clock) when answered, else **missed**.
  A hangup of a call whose start the listener did not see (it was restarted mid-call) is ended or missed by
  whether an answer was stored for that call.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from awn.core.errors import ValidationError

from ...base import MalformedPayload, RawItem, SecretField, SettingField, WebhookRequest
from ..cti import CtiConnector

if TYPE_CHECKING:
    from ...models import Inbox

DEFAULT_PORT = 5038
DEFAULT_TLS_PORT = 5039
DEFAULT_IVR_VARIABLE = "AWN_IVR"
IVR_USER_EVENT = "AwnIVR"


class AsteriskConnector(CtiConnector):
    """Call events come from the AMI listener, never from the webhook; they are applied like CTI events."""

    kind = "asterisk"
    label = _("Asterisk (AMI)")
    secret_fields = (
        SecretField("ami_secret", _("AMI secret"), _("The secret of the manager.conf user Awn logs in as.")),
    )
    setting_fields = (
        SettingField("ami_host", _("AMI host"), _("The Asterisk server's address."), required=True),
        SettingField("ami_port", _("AMI port"), _("5038 when empty (5039 is usual for TLS).")),
        SettingField(
            "ami_security",
            _("AMI security"),
            _("tls: encrypt the connection (manager.conf tlsenable = yes) and check the PBX's certificate."),
            choices=["tls", "none"],
        ),
        SettingField(
            "ami_ca",
            _("PBX certificate authority (PEM)"),
            _("Only when the PBX's certificate is not signed by a public authority (a self-signed PBX)."),
            max_length=10000,
        ),
        SettingField(
            "ami_username",
            _("AMI user"),
            _("A manager.conf user with read = call,agent,user."),
            required=True,
        ),
        SettingField(
            "inbound_contexts",
            _("Inbound contexts"),
            _(
                "Comma-separated dialplan contexts of incoming calls (e.g. from-trunk). Empty: every new call "
                "except those dialled from a mapped agent extension."
            ),
        ),
        SettingField(
            "ivr_variable",
            _("IVR variable"),
            _("The channel variable holding the menu choice (VarSet); AWN_IVR when empty."),
        ),
        *CtiConnector.setting_fields,
    )

    def clean_settings(self, settings: dict[str, str]) -> None:
        super().clean_settings(settings)
        port = settings.get("ami_port", "")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ValidationError(_("Write a port number from 1 to 65535."), field="ami_port")
        if settings.get("ami_ca"):
            try:
                ssl.create_default_context(cadata=settings["ami_ca"])
            except (ssl.SSLError, ValueError) as exc:
                raise ValidationError(
                    _("This is not a PEM certificate (-----BEGIN CERTIFICATE----- …)."), field="ami_ca"
                ) from exc

    def verify_request(self, inbox: Inbox, request: WebhookRequest) -> bool:
        return False  # no webhook: `manage.py run_ami` reads the PBX's events

    def split_events(self, inbox: Inbox, body: bytes) -> list[RawItem]:
        raise MalformedPayload("Asterisk inboxes receive call events over AMI, not by webhook")
