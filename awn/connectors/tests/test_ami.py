"""Asterisk over AMI: the listener (panoramisk) against a protocol-level AMI server on 127.0.0.1, then the worker.

Nothing of panoramisk is mocked: the listener connects over TCP, logs in, reads the events the server writes and
stores them; `sweep` (what run_worker loops over) applies them with the CTI code.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from awn.connectors.enums import EventStatus, ListenerError
from awn.connectors.models import Conversation, InboundEvent, Inbox
from awn.connectors.providers.asterisk.listener import WANTED_EVENTS, AmiListener
from awn.connectors.registry import connector_for
from awn.connectors.services import inbox_save
from awn.connectors.tasks import sweep
from awn.crm.models import Contact
from awn.realtime.groups import user_group
from awn.tickets.enums import Channel, MessageKind, Priority, Status
from awn.tickets.models import Ticket

from .ami_server import AmiServer, tls_material
from .mailservers import free_port

AMI_USER = "awn"
AMI_SECRET = "ami-secret-8c2d"
CALL = "1732291200.101"
PARENT = "+966501234567"  # world.parent's phone
UNKNOWN = "+966555000111"
T0 = 1732291200.0


def _snapshot(channel: str, uniqueid: str, linkedid: str, caller: str, context: str = "from-trunk") -> dict:
    """The channel fields Asterisk 18 puts on every channel event."""
    return {
        "Channel": channel,
        "ChannelState": "6",
        "ChannelStateDesc": "Up",
        "CallerIDNum": caller,
        "CallerIDName": "<unknown>",
        "ConnectedLineNum": "<unknown>",
        "ConnectedLineName": "<unknown>",
        "Language": "ar",
        "AccountCode": "",
        "Context": context,
        "Exten": "920000000",
        "Priority": "1",
        "Uniqueid": uniqueid,
        "Linkedid": linkedid,
    }


def _caller_leg(call: str, caller: str) -> dict:
    return _snapshot("PJSIP/trunk-0000000a", call, call, caller)


def _event(name: str, at: float, **headers: Any) -> dict:
    return {"Event": name, "Privilege": "call,all", "Timestamp": f"{at:.6f}", **headers}


def ringing(call: str = CALL, caller: str = PARENT) -> dict:
    return _event("Newchannel", T0, **{**_caller_leg(call, caller), "ChannelState": "0"})


def menu_user_event(digit: str, call: str = CALL, caller: str = PARENT) -> dict:
    return _event("UserEvent", T0 + 6, **_caller_leg(call, caller), UserEvent="AwnIVR", Digit=digit)


def agent_leg(call: str = CALL, ext: str = "1001") -> list[dict]:
    agent = _snapshot(f"PJSIP/{ext}-0000000b", f"{call}7", call, ext, "from-internal")
    return [
        _event("Newchannel", T0 + 10, **agent),  # the agent's leg: same Linkedid, not a new call
        _event("DialBegin", T0 + 10, **_caller_leg(call, PARENT), DestChannel=agent["Channel"]),
    ]


def answered_by_queue(call: str = CALL, caller: str = PARENT, ext: str = "1001") -> list[dict]:
    dest = f"PJSIP/{ext}-0000000b"
    return [
        _event(
            "AgentConnect",
            T0 + 15,
            **_caller_leg(call, caller),
            DestChannel=dest,
            DestCallerIDNum=ext,
            DestUniqueid=f"{call}7",
            DestLinkedid=call,
            Queue="support",
            Interface=f"PJSIP/{ext}",
            MemberName=f"PJSIP/{ext}",
            HoldTime="9",
            RingTime="3",
        ),
        _event(
            "DialEnd",
            T0 + 15,
            **_caller_leg(call, caller),
            DestChannel=dest,
            DestCallerIDNum=ext,
            DialStatus="ANSWER",
        ),
        _event("BridgeEnter", T0 + 15, **_caller_leg(call, caller), BridgeUniqueid="b-1"),
    ]


def hangup(call: str = CALL, caller: str = PARENT, at: float = T0 + 220) -> list[dict]:
    return [
        _event(
            "Hangup", at - 1, **_snapshot("PJSIP/1001-0000000b", f"{call}7", call, "1001", "from-internal")
        ),
        _event("Hangup", at, **_caller_leg(call, caller), Cause="16", **{"Cause-txt": "Normal Clearing"}),
    ]


def answered_call() -> list[dict[str, Any] | bytes]:
    """Ringing → IVR digit 2 → queue → answered by extension 1001 → hangup 205 s after the answer."""
    return [ringing(), menu_user_event("2"), *agent_leg(), *answered_by_queue(), *hangup()]


def _wanted(script: list[dict[str, Any] | bytes]) -> int:
    return sum(1 for item in script if isinstance(item, dict) and item["Event"].lower() in WANTED_EVENTS)


@pytest.fixture
def ami_inbox(db: None) -> Inbox:
    return inbox_save(
        inbox=None,
        name="مقسم أستريسك",
        kind="asterisk",
        settings={
            "ami_host": "127.0.0.1",
            "ami_port": str(free_port()),
            "ami_username": AMI_USER,
            "inbound_contexts": "from-trunk",
            "ivr_categories": '{"1": "account_access", "2": "results_certificates"}',
            "agent_extensions": '{"PJSIP/1001": "agent", "1002": "supervisor"}',
        },
        secrets={"ami_secret": AMI_SECRET},
    )


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # up to 30 s on a loaded machine; a passing run leaves at once
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the listener never got to: {what}")


Step = Callable[[AmiServer, AmiListener], Any]


def listen(
    inbox: Inbox,
    script: list[dict[str, Any] | bytes],
    *,
    secret: str = AMI_SECRET,
    tls: Any = None,
    steps: list[tuple[str, Callable[[AmiServer, AmiListener], bool], Step | None]] | None = None,
) -> tuple[AmiServer, AmiListener]:
    """Run the AMI server and the listener until every scripted event was handled (or the given steps passed)."""
    port = int(inbox.settings["ami_port"])
    server = AmiServer(username=AMI_USER, secret=secret, script=script, port=port, tls=tls)
    listener = AmiListener(inbox.pk, backoff_start=0.02, backoff_max=0.1, timeout=5)
    wanted = _wanted(script)
    plan = steps or [("every event handled", lambda s, li: li.handled >= wanted and s.logins_ok >= 1, None)]

    async def scenario() -> None:
        await server.start()
        task = asyncio.create_task(listener.run())
        try:
            for what, check, then in plan:
                await _until(lambda check=check: check(server, listener), what)  # type: ignore[misc]
                if then is not None:
                    result = then(server, listener)
                    if asyncio.iscoroutine(result):
                        await result
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await server.stop()

    async_to_sync(scenario)()
    return server, listener


@pytest.fixture
def apply_stored(django_capture_on_commit_callbacks: Any) -> Callable[[], None]:
    """What run_worker does: apply every pending raw event (with what it does after each commit: the pop)."""

    def _apply() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            sweep(stale_seconds=0)

    return _apply


def _ticket() -> Ticket:
    return Ticket.objects.get(channel=Channel.PHONE)


async def _receive(layer: Any, channel: str) -> dict[str, Any]:
    return await asyncio.wait_for(layer.receive(channel), timeout=2)


def test_an_answered_call_is_one_ticket_with_its_lines_category_and_screen_pop(
    world, ami_inbox, apply_stored
) -> None:
    layer = get_channel_layer()
    mine = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(world.agent.pk), mine)
    try:
        server, listener = listen(ami_inbox, answered_call())
        assert server.logins_ok == 1
        assert listener.stored == 4  # ringing, ivr, answered (AgentConnect; its DialEnd is the same), ended
        assert set(InboundEvent.objects.values_list("external_id", flat=True)) == {
            f"ami:{CALL}:ringing",
            f"ami:{CALL}:ivr",
            f"ami:{CALL}:answered",
            f"ami:{CALL}:ended",
        }
        assert not Ticket.objects.exists()  # the listener only stores; the worker applies
        apply_stored()
        assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == 4
        ticket = _ticket()
        assert Conversation.objects.get(inbox=ami_inbox, external_id=CALL).ticket_id == ticket.pk
        assert ticket.requester_id == world.parent.pk  # the caller matched by E.164
        assert ticket.category == "results_certificates"  # menu digit 2 through the inbox's IVR map
        lines = list(ticket.messages.order_by("id").values_list("kind", "body"))
        assert lines == [
            (MessageKind.REPLY, f"مكالمة واردة من {PARENT}"),
            (MessageKind.NOTE, "خيار القائمة: 2"),
            (MessageKind.NOTE, "تم الرد من هند"),  # extension PJSIP/1001 → the agent hind
            (MessageKind.NOTE, "انتهت المكالمة — المدة 3:25"),
        ]
        received = async_to_sync(_receive)(layer, mine)
        assert received["data"] == {"type": "notification", "kind": "call", "ticket": ticket.pk}
    finally:
        async_to_sync(layer.group_discard)(user_group(world.agent.pk), mine)


def test_a_queue_abandon_becomes_a_call_back_task(world, ami_inbox, apply_stored) -> None:
    call = "1732291300.201"
    script: list[dict[str, Any] | bytes] = [
        ringing(call, UNKNOWN),
        # The menu choice set as a channel variable (VarSet) rather than a UserEvent.
        _event("VarSet", T0 + 5, **_caller_leg(call, UNKNOWN), Variable="AWN_IVR", Value="1"),
        _event("QueueCallerJoin", T0 + 6, **_caller_leg(call, UNKNOWN), Queue="support", Position="1"),
        _event(
            "QueueCallerAbandon",
            T0 + 40,
            **_caller_leg(call, UNKNOWN),
            Queue="support",
            Position="1",
            OriginalPosition="1",
            HoldTime="34",
        ),
        *hangup(call, UNKNOWN, T0 + 41)[1:],
    ]
    listen(ami_inbox, script)
    apply_stored()
    ticket = _ticket()
    assert (ticket.status, ticket.priority) == (Status.OPEN, Priority.HIGH)
    assert list(ticket.tags.values_list("name", flat=True)) == ["معاودة الاتصال"]
    assert ticket.category == "account_access"
    bodies = list(ticket.messages.order_by("id").values_list("body", flat=True))
    assert bodies == [
        f"مكالمة واردة من {UNKNOWN}",
        "خيار القائمة: 1",
        f"أنهى المتصل المكالمة قبل الرد — عاود الاتصال بالرقم {UNKNOWN}",
    ]  # the caller's hangup after the abandon adds nothing
    assert Contact.objects.get(phone=UNKNOWN).name == UNKNOWN  # a new caller gets a profile


def test_an_unanswered_hangup_is_a_missed_call(world, ami_inbox, apply_stored) -> None:
    call = "1732291400.301"
    listen(ami_inbox, [ringing(call, "966501234567"), *hangup(call, "966501234567", T0 + 30)[1:]])
    apply_stored()
    ticket = _ticket()
    assert ticket.requester_id == world.parent.pk  # "966501234567" without the plus is the same E.164 number
    assert ticket.priority == Priority.HIGH
    assert ticket.tags.filter(name="معاودة الاتصال").exists()
    assert list(ticket.messages.order_by("id").values_list("body", flat=True))[-1] == (
        f"مكالمة فائتة — عاود الاتصال بالرقم {PARENT}"
    )
    assert InboundEvent.objects.filter(external_id=f"ami:{call}:missed").exists()


def test_events_replayed_after_a_reconnect_are_not_doubled(world, ami_inbox, apply_stored) -> None:
    script = answered_call()
    wanted = _wanted(script)
    server, listener = listen(
        ami_inbox,
        script,
        steps=[
            ("the first pass handled", lambda s, li: li.handled >= wanted, lambda s, li: s.drop_clients()),
            # The server plays the whole script again on the new login, as a replaying PBX would.
            ("a second login and pass", lambda s, li: s.logins_ok >= 2 and li.handled >= 2 * wanted, None),
        ],
    )
    assert server.logins_ok == 2
    assert listener.stored == 4
    assert InboundEvent.objects.count() == 4
    apply_stored()
    ticket = _ticket()
    assert ticket.messages.count() == 4
    assert Ticket.objects.count() == 1


def test_a_listener_restarted_mid_call_finishes_the_call_from_what_was_stored(
    world, ami_inbox, apply_stored
) -> None:
    call = "1732291500.401"
    listen(ami_inbox, [ringing(call, UNKNOWN), *answered_by_queue(call, UNKNOWN)])
    # A new process (nothing in memory) sees only the end of the call.
    listen(ami_inbox, [*hangup(call, UNKNOWN, T0 + 75)])
    # And a hangup of a call never logged (it began before any listener ran) is not invented into one.
    listen(ami_inbox, [*hangup("1732291000.9", UNKNOWN)])
    apply_stored()
    ticket = _ticket()
    assert list(ticket.messages.order_by("id").values_list("body", flat=True))[-1] == (
        "انتهت المكالمة — المدة 1:00"
    )
    assert InboundEvent.objects.count() == 3


def test_a_wrong_secret_stores_nothing_and_shows_a_clear_error(world, ami_inbox, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    settings = ami_inbox.settings
    inbox_save(
        inbox=ami_inbox,
        name=ami_inbox.name,
        kind="asterisk",
        settings=settings,
        secrets={"ami_secret": "typo"},
    )
    listen(
        ami_inbox, answered_call(), steps=[("two refused logins", lambda s, li: s.logins_failed >= 2, None)]
    )
    assert InboundEvent.objects.count() == 0
    assert (
        f"inbox {ami_inbox.pk}: Asterisk AMI at 127.0.0.1:{ami_inbox.settings['ami_port']} refused the login "
        "of user 'awn': Authentication failed" in caplog.text
    )
    ami_inbox.refresh_from_db()
    assert ami_inbox.connection_error == ListenerError.LOGIN_FAILED
    assert ami_inbox.connection_error_at is not None
    page = world.client_for(world.admin).get("/workspace/inboxes/")
    assert "رفض المقسم تسجيل الدخول" in page.content.decode()
    edit = world.client_for(world.admin).get(f"/workspace/inboxes/{ami_inbox.pk}/")
    assert 'data-testid="connection-error">رفض المقسم تسجيل الدخول' in edit.content.decode()
    # The admin fixes the secret: the next attempt reads it again, logs in and clears the error.
    inbox_save(
        inbox=ami_inbox,
        name=ami_inbox.name,
        kind="asterisk",
        settings=settings,
        secrets={"ami_secret": AMI_SECRET},
    )
    listen(ami_inbox, answered_call())
    ami_inbox.refresh_from_db()
    assert ami_inbox.connection_error == ""
    assert InboundEvent.objects.count() == 4


def test_an_unreachable_pbx_is_retried_and_shown(world, ami_inbox, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    listener = AmiListener(ami_inbox.pk, backoff_start=0.02, backoff_max=0.05, timeout=2)

    async def scenario() -> None:  # no server on the port
        task = asyncio.create_task(listener.run())
        await _until(lambda: caplog.text.count("cannot reach Asterisk AMI") >= 2, "two failed attempts")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async_to_sync(scenario)()
    ami_inbox.refresh_from_db()
    assert ami_inbox.connection_error == ListenerError.UNREACHABLE


def test_garbage_from_the_server_does_not_stop_the_listener(world, ami_inbox, apply_stored) -> None:
    call = "1732291600.501"
    script: list[dict[str, Any] | bytes] = [
        b"this is not AMI at all\r\n\r\n",
        b"\xff\xfe\x00binary\r\nnoise: \xc3\x28\r\n\r\n",
        b"Event: Hangup\r\nno colon on this line\r\nLinkedid\r\n\r\n",
        {"Event": "Hangup"},  # no Linkedid
        {"Event": "AgentConnect", "Linkedid": "never-seen", "Uniqueid": "x"},  # a call that was never logged
        {"Event": "Newchannel", "Linkedid": call, "Uniqueid": call},  # no caller, no context
        {"Event": "UserEvent", "UserEvent": "AwnIVR", "Linkedid": "", "Digit": "1"},
        ringing(call, UNKNOWN),
        {"Event": "VarSet", "Linkedid": call, "Uniqueid": call, "Variable": "AWN_IVR", "Value": ""},
        *hangup(call, UNKNOWN, T0 + 20)[1:],
    ]
    # 8 events to handle: the 7 wanted dicts and the garbled block that still parses as a Hangup.
    _server, listener = listen(
        ami_inbox,
        script,
        steps=[("every event handled", lambda s, li: li.handled >= 8 and li.stored >= 2, None)],
    )
    apply_stored()
    ticket = _ticket()
    assert ticket.tags.filter(name="معاودة الاتصال").exists()  # the real call after the garbage was missed
    assert listener.stored == 2
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("agent", ["1001", "PJSIP/1001", "PJSIP/1001-0000002a", "agent"])
def test_the_generic_cti_webhook_names_the_agent_by_extension_or_username(
    world, inboxes, deliver, agent
) -> None:
    phone = inboxes["phone"]
    inbox_save(
        inbox=phone,
        name=phone.name,
        kind="phone",
        settings={**phone.settings, "agent_extensions": '{"1001": "agent"}'},
    )
    event = {"event_id": "e1", "type": "answered", "call_id": "c1", "caller": UNKNOWN, "agent": agent}
    assert deliver(phone, event).status_code == 200
    assert _ticket().messages.get().body == "تم الرد من هند"


def test_the_asterisk_inbox_is_configured_in_the_admin_ui_and_refuses_webhooks(world, ami_inbox) -> None:
    client = world.client_for(world.admin)
    page = client.get("/workspace/inboxes/new/", {"kind": "asterisk"})
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("ami_host", "ami_port", "ami_username", "secret_ami_secret", "agent_extensions"):
        assert f'name="{field}"' in html
    assert '<textarea class="form-control font-monospace" dir="ltr" rows="3" name="agent_extensions"' in html
    assert 'data-testid="ami-hint"' in html and 'data-testid="hook"' not in html
    edit = client.get(f"/workspace/inboxes/{ami_inbox.pk}/")
    assert AMI_SECRET not in edit.content.decode()  # write-only
    # A map longer than a one-line setting is kept whole.
    extensions = json.dumps({f"PJSIP/{1000 + n}": f"agent{n}" for n in range(60)})
    saved = client.post(
        f"/workspace/inboxes/{ami_inbox.pk}/",
        {
            "name": ami_inbox.name,
            "is_active": "on",
            **{k: v for k, v in ami_inbox.settings.items() if k != "agent_extensions"},
            "agent_extensions": extensions,
            "secret_ami_secret": "",
        },
    )
    assert saved.status_code == 302
    ami_inbox.refresh_from_db()
    assert len(extensions) > 1000 and ami_inbox.settings["agent_extensions"] == extensions
    assert AMI_SECRET not in ami_inbox.secrets_encrypted  # encrypted, and kept by an empty secret field
    assert connector_for("asterisk").secret(ami_inbox, "ami_secret") == AMI_SECRET
    from django.test import Client

    response = Client().post(f"/hooks/{ami_inbox.uuid}/", data=b"{}", content_type="application/json")
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_a_silent_pbx_is_noticed_by_the_ping_and_reconnected(world, ami_inbox, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    server = AmiServer(
        username=AMI_USER, secret=AMI_SECRET, port=int(ami_inbox.settings["ami_port"]), answer_pings=False
    )
    listener = AmiListener(ami_inbox.pk, backoff_start=0.02, backoff_max=0.05, ping_seconds=0.05, timeout=0.2)

    async def scenario() -> None:
        await server.start()
        task = asyncio.create_task(listener.run())
        try:
            await _until(lambda: server.logins_ok >= 2, "a second login after the unanswered ping")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await server.stop()

    async_to_sync(scenario)()
    assert "silent (no answer to a ping)" in caplog.text


def test_run_ami_supervises_the_active_inboxes(world, ami_inbox) -> None:
    """What `manage.py run_ami` runs: a listener per active Asterisk inbox, stopped when the inbox is disabled."""
    from awn.connectors.providers.asterisk.listener import supervise

    server = AmiServer(
        username=AMI_USER, secret=AMI_SECRET, script=answered_call(), port=int(ami_inbox.settings["ami_port"])
    )

    def stored() -> int:
        return InboundEvent.objects.filter(inbox=ami_inbox).count()

    def disable() -> None:
        Inbox.objects.filter(pk=ami_inbox.pk).update(is_active=False)

    async def scenario() -> None:
        await server.start()
        task = asyncio.create_task(supervise(reload_seconds=0.05, backoff_start=0.02, timeout=5))
        try:
            count = 0
            for _ in range(1500):
                count = await sync_to_async(stored)()
                if count >= 4:
                    break
                await asyncio.sleep(0.02)
            assert count == 4
            await sync_to_async(disable)()
            await _until(lambda: server.open_connections == 0, "the listener of the disabled inbox stopped")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await server.stop()

    async_to_sync(scenario)()
    assert server.logins_ok == 1


def test_run_ami_refuses_an_unknown_inbox(world, ami_inbox) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="ليس معرّف صندوق وارد"):
        call_command("run_ami", inbox="not-a-uuid")
    with pytest.raises(CommandError, match="لا يوجد صندوق وارد أستريسك نشط"):
        call_command("run_ami", inbox="6f1c1a34-8e9b-4c1e-9a57-1c6c1b1b2f00")


def test_the_generic_cti_webhook_takes_a_menu_choice_event(world, inboxes, deliver) -> None:
    phone = inboxes["phone"]
    base = {"call_id": "c9", "caller": UNKNOWN}
    deliver(phone, {**base, "event_id": "c9-1", "type": "ringing"})
    assert deliver(phone, {**base, "event_id": "c9-2", "type": "ivr", "ivr": "1"}).status_code == 200
    assert deliver(phone, {**base, "event_id": "c9-3", "type": "ivr"}).status_code == 400  # no digit
    ticket = _ticket()
    assert ticket.category == "account_access"
    assert list(ticket.messages.order_by("id").values_list("body", flat=True))[-1] == "خيار القائمة: 1"


def _feed(translator: Any, events: list[dict]) -> list[tuple[str, str]]:
    from awn.connectors.providers.asterisk.translate import headers_of

    out = []
    for event in events:
        out += [(e.kind, e.agent) for e in translator.feed(headers_of(event), T0)]
    return out


def test_the_translation_leaves_out_what_is_not_an_incoming_call() -> None:
    from awn.connectors.providers.asterisk.translate import CallTranslator

    translator = CallTranslator(agent_extensions=["pjsip/1001"])  # no inbound contexts set
    own = "1732291700.1"
    assert (
        _feed(translator, [_event("Newchannel", T0, **_snapshot("PJSIP/1001-00000001", own, own, "1001"))])
        == []
    )
    local = "1732291700.2"
    assert (
        _feed(
            translator,
            [_event("Newchannel", T0, **_snapshot("Local/1001@agents-00000001;1", local, local, PARENT))],
        )
        == []
    )
    call = "1732291700.3"
    assert _feed(
        translator,
        [
            ringing(call),
            _event(
                "DialEnd",
                T0 + 5,
                **_caller_leg(call, PARENT),
                DestChannel="PJSIP/1002-0000000c",
                DialStatus="NOANSWER",
            ),
            _event(
                "DialEnd",
                T0 + 9,
                **_caller_leg(call, PARENT),
                DestChannel="Local/1003@agents-0000000d;1",
                DialStatus="ANSWER",
            ),
            # A transfer to another agent later in the call: the first answer counts.
            _event(
                "DialEnd",
                T0 + 60,
                **_caller_leg(call, PARENT),
                DestChannel="PJSIP/1004-0000000e",
                DialStatus="ANSWER",
            ),
            _event("UserEvent", T0 + 61, **_caller_leg(call, PARENT), UserEvent="SomethingElse", Digit="9"),
            _event("VarSet", T0 + 62, **_caller_leg(call, PARENT), Variable="__AWN_IVR", Value="3"),
            _event("VarSet", T0 + 63, **_caller_leg(call, PARENT), Variable="AWN_IVR", Value="4"),
            *hangup(call),
        ],
    ) == [("ringing", ""), ("answered", "Local/1003@agents"), ("ivr", ""), ("ended", "")]


def _calls(count: int) -> list[dict[str, Any] | bytes]:
    script: list[dict[str, Any] | bytes] = []
    for n in range(count):
        call = f"1732291800.{n + 1}"
        script += [ringing(call, UNKNOWN), *answered_by_queue(call, UNKNOWN), *hangup(call, UNKNOWN)]
    return script


def test_a_burst_pauses_reading_instead_of_dropping_events(world, ami_inbox, caplog, monkeypatch) -> None:
    from awn.connectors.providers.asterisk import listener as module

    caplog.set_level(logging.INFO, logger="awn.connectors")
    monkeypatch.setattr(module, "HIGH_WATER", 4)
    monkeypatch.setattr(module, "LOW_WATER", 1)
    monkeypatch.setattr(module, "BATCH_MAX", 2)
    _server, listener = listen(ami_inbox, _calls(30))
    assert "AMI events waiting, reading paused" in caplog.text
    assert listener.stored == 90  # ringing, answered, ended × 30 calls
    assert InboundEvent.objects.count() == 90


def test_a_database_outage_is_waited_out(world, ami_inbox, caplog, monkeypatch) -> None:
    from django.db import OperationalError

    caplog.set_level(logging.INFO, logger="awn.connectors")
    real_store = AmiListener._store
    failures: list[int] = []

    def flaky_store(self: AmiListener, items: list) -> int:
        if not failures:
            failures.append(len(items))
            raise OperationalError("connection to server was lost")
        return real_store(self, items)

    monkeypatch.setattr(AmiListener, "_store", flaky_store)
    _server, listener = listen(ami_inbox, answered_call())
    assert failures
    assert "call events not stored yet (connection to server was lost); retrying in 1 s" in caplog.text
    assert listener.stored == 4
    assert InboundEvent.objects.count() == 4


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("agent_extensions", '{"1001": "agent"', "اكتب كائن JSON"),
        ("agent_extensions", '["agent"]', "اكتب كائن JSON"),
        ("ivr_categories", '{"1": "no_such_category"}', "no_such_category"),
        ("ami_port", "70000", "اكتب رقم منفذ"),
        (
            "ami_ca",
            "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
            "هذه ليست شهادة PEM",
        ),
    ],
)
def test_a_broken_setting_is_refused_with_a_clear_error(world, ami_inbox, field, value, error) -> None:
    before = dict(ami_inbox.settings)
    page = world.client_for(world.admin).post(
        f"/workspace/inboxes/{ami_inbox.pk}/",
        {"name": ami_inbox.name, "is_active": "on", **before, field: value},
    )
    assert page.status_code == 400
    assert error in page.content.decode()
    ami_inbox.refresh_from_db()
    assert ami_inbox.settings == before


def test_ami_over_tls_checks_the_pbx_certificate(world, ami_inbox, caplog) -> None:
    caplog.set_level(logging.INFO, logger="awn.connectors")
    context, ca = tls_material()
    settings = {**ami_inbox.settings, "ami_security": "tls"}
    inbox_save(inbox=ami_inbox, name=ami_inbox.name, kind="asterisk", settings=settings)
    # The PBX's certificate is signed by a private CA the inbox does not trust yet: refused, the secret never sent.
    server, _listener = listen(
        ami_inbox,
        answered_call(),
        tls=context,
        # "reconnecting" is logged after the error is recorded: waiting for the first log line only raced the write.
        steps=[("a refused handshake", lambda s, li: "AMI TLS refused; reconnecting" in caplog.text, None)],
    )
    assert "certificate verify failed" in caplog.text
    assert server.actions == []
    ami_inbox.refresh_from_db()
    assert ami_inbox.connection_error == ListenerError.TLS_FAILED
    # With the PBX's CA on the inbox the same server is accepted.
    inbox_save(inbox=ami_inbox, name=ami_inbox.name, kind="asterisk", settings={**settings, "ami_ca": ca})
    server, listener = listen(ami_inbox, answered_call(), tls=context)
    assert server.logins_ok == 1
    assert listener.stored == 4
    ami_inbox.refresh_from_db()
    assert ami_inbox.connection_error == ""
