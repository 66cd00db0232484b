"""The in-memory layer delivers a message sent from another thread's event loop (a background job's push) without
waiting for the receiving loop to wake up on its own."""

from __future__ import annotations

import asyncio
import threading
import time

from awn.realtime.layers import InMemoryChannelLayer


def test_a_send_from_another_threads_loop_wakes_the_receiver() -> None:
    layer = InMemoryChannelLayer()

    async def receive_while_another_thread_sends() -> tuple[dict, float]:
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.05)  # the receiver now waits on this loop, asleep in select() with nothing due

        def send_later() -> None:
            time.sleep(0.2)  # the receiving loop is asleep in select() by now
            asyncio.run(layer.send(channel, {"type": "x", "n": 1}))

        sender = threading.Thread(target=send_later)
        sender.start()
        started = time.monotonic()
        message = await asyncio.wait_for(receiving, timeout=20)
        sender.join()
        return message, time.monotonic() - started

    outcome: list[tuple[dict, float]] = []
    # Its own thread: the test's thread may already run an event loop (browser tests in the same session).
    receiver = threading.Thread(
        target=lambda: outcome.append(asyncio.run(receive_while_another_thread_sends()))
    )
    receiver.start()
    receiver.join(30)
    message, waited = outcome[0]
    assert message["n"] == 1
    # Liveness, not speed: without the wake-up the loop has nothing due before the 20 s timeout and only sees
    # the message then (measured: 20.1 s); with it, as soon as it is sent (0.2 s).
    assert waited < 10


def test_group_send_from_plain_threads_reaches_the_receivers_loop_in_order() -> None:
    """What a background job does: synchronous code with no event loop sends to a group; the receiving loop gets
    every message, in order, and its queue is only touched by its own thread."""
    count = 200
    layer = InMemoryChannelLayer(capacity=count)
    ready = threading.Event()

    async def receive_all() -> list[int]:
        channel = await layer.new_channel()
        await layer.group_add("rt.u1", channel)
        receiving = asyncio.ensure_future(_receive_n(layer, channel, count))
        await asyncio.sleep(0.05)
        ready.set()
        return await asyncio.wait_for(receiving, timeout=20)

    outcome: list[list[int]] = []
    receiver = threading.Thread(target=lambda: outcome.append(asyncio.run(receive_all())))
    receiver.start()
    assert ready.wait(10)
    for n in range(count):
        layer.group_send_from_thread("rt.u1", {"type": "x", "n": n})
    receiver.join(30)
    assert outcome == [list(range(count))]


def test_group_send_from_thread_keeps_messages_for_a_channel_not_received_on_yet() -> None:
    layer = InMemoryChannelLayer()

    def scenario() -> int:
        layer.group_send_from_thread("rt.u404", {"type": "x"})  # no member: nothing to do, no error
        assert layer.channels == {}
        channel = asyncio.run(layer.new_channel())
        asyncio.run(layer.group_add("rt.u1", channel))
        layer.group_send_from_thread("rt.u1", {"type": "x", "n": 7})
        return int(asyncio.run(layer.receive(channel))["n"])

    outcome: list[int] = []
    # Its own thread: the test's thread may already run an event loop (browser tests in the same session).
    worker = threading.Thread(target=lambda: outcome.append(scenario()))
    worker.start()
    worker.join(30)
    assert outcome == [7]


async def _receive_n(layer: InMemoryChannelLayer, channel: str, n: int) -> list[int]:
    return [(await layer.receive(channel))["n"] for _ in range(n)]
