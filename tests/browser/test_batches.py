"""Sends made within one task travel together (wire.js, ``core.receiver``), in real Chromium:
fewer BroadcastChannel messages, and SPEC.md whole: order, duplicates, fresh arrays,
nothing after a leave, a listener replaced mid-message takes the next payload."""

from __future__ import annotations

from typing import Any

from webxdc_realtime import Scope

from .conftest import Tab, wait_for
from .test_multitab import joined, settle

SPY = """(name) => {
    window.spy = { messages: 0 };
    window.spyChannel?.close(); // a spy of an earlier test on this page
    const raw = (window.spyChannel = new BroadcastChannel(name));
    raw.onmessage = () => (window.spy.messages += 1);
    return true;
}"""


def spy_on(tab: Tab, other: Tab) -> None:
    """Count the BroadcastChannel messages on the channel, from ``tab``'s page."""
    config = other.js("webxdcRealtime.config")
    tab.js(SPY, Scope(config["chatId"], config["instanceId"]).channel_name)


def test_a_burst_of_one_task_is_a_few_messages_sends_of_separate_tasks_are_one_each(
    tabs: Any,
) -> None:
    a, b = tabs(2)
    joined(a, b)
    spy_on(b, a)
    a.js("for (let i = 0; i < 2000; i++) T.send([i % 256, i >> 8, ...new Array(100).fill(7)])")
    settle(b, count=2000)
    # The first alone; then 1999 frames of 139 bytes, at most 256 KiB a message: 1885 + 114.
    wait_for(lambda: b.js("spy.messages") >= 3)
    assert b.js("spy.messages") == 3
    assert b.js("T.arrays().map(([lo, hi]) => lo + 256 * hi)") == list(range(2000))
    b.js("spy.messages = 0")
    a.js(
        """async () => {
        for (let i = 0; i < 5; i++) {
            T.send([i]);
            await new Promise((resolve) => setTimeout(resolve, 0));
        }
    }"""
    )
    settle(b, count=2005)
    wait_for(lambda: b.js("spy.messages") >= 5)
    assert b.js("spy.messages") == 5
    assert b.stats()["frames_delivered"] == 2005


def test_frames_up_to_64_kib_gather_too_larger_ones_go_alone(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    spy_on(b, a)
    sizes = [16_000] * 10 + [70_000] + [16_000] * 2
    a.js(
        """(sizes) => sizes.forEach((n, i) => T.ch.send(new Uint8Array(n).fill(i)))""",
        sizes,
    )
    settle(b, count=len(sizes))
    # The first alone; nine gathered, posted before the large one, which goes alone; two.
    wait_for(lambda: b.js("spy.messages") >= 4)
    assert b.js("spy.messages") == 4
    got = b.js("T.got.map((d) => [d.length, d[0], d[d.length - 1], d.buffer.byteLength])")
    assert got == [[n, i, i, n] for i, n in enumerate(sizes)]


def test_order_kept_across_small_and_large_frames_of_one_task(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    sizes = [10, 20_000, 3, 9000, 8192, 0, 70_000, 5]
    a.js(
        """(sizes) => sizes.forEach((n, i) => {
            const data = new Uint8Array(n + 1);
            data.fill(i);
            T.ch.send(data);
        })""",
        sizes,
    )
    settle(b, count=len(sizes))
    got = b.js("T.got.map((d) => [d.length, d[0], d[d.length - 1], d.buffer.byteLength])")
    assert got == [[n + 1, i, i, n + 1] for i, n in enumerate(sizes)]


def test_identical_payloads_in_one_message_are_each_delivered_in_an_array_of_their_own(
    tabs: Any,
) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("for (let i = 0; i < 3; i++) T.send([5, 5])")
    settle(b, count=3)
    assert b.js("T.arrays()") == [[5, 5]] * 3
    assert b.js("new Set(T.got.map((d) => d.buffer)).size") == 3
    assert b.js("T.got.every((d) => d.byteOffset === 0 && d.buffer.byteLength === 2)") is True


def test_a_listener_that_leaves_mid_message_gets_nothing_after(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    b.js("T.ch.setListener((d) => { T.got.push(d); if (d[0] === 2) T.ch.leave(); })")
    before = b.stats()["frames_received"]  # the other's announcement
    a.js("for (let i = 0; i < 10; i++) T.send([i])")
    wait_for(lambda: b.stats()["dropped"].get("left", 0) == 7)
    assert b.js("T.arrays()") == [[0], [1], [2]]
    stats = b.stats()
    assert stats["frames_delivered"] == 3
    assert stats["frames_received"] == before + 10
    assert stats["state"] == "left"


def test_a_listener_replaced_mid_message_takes_the_next_payload(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    b.js(
        """() => {
        window.second = [];
        T.ch.setListener((d) => {
            T.got.push(d);
            if (d[0] === 1) T.ch.setListener((e) => window.second.push(e[0]));
        });
    }"""
    )
    a.js("for (let i = 0; i < 6; i++) T.send([i])")
    wait_for(lambda: b.js("second.length") == 4)
    assert b.js("T.arrays()") == [[0], [1]]
    assert b.js("second") == [2, 3, 4, 5]
    assert b.stats()["frames_delivered"] == 6


def test_leave_and_join_again_mid_message_the_rest_goes_to_the_new_channel(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    b.js(
        """() => {
        window.second = [];
        T.ch.setListener((d) => {
            T.got.push(d);
            if (d[0] === 1) {
                T.ch.leave();
                T.ch = window.webxdc.joinRealtimeChannel();
                T.ch.setListener((e) => window.second.push(e[0]));
            }
        });
    }"""
    )
    a.js("for (let i = 0; i < 5; i++) T.send([i])")
    wait_for(lambda: b.js("second.length") == 3)
    assert b.js("T.arrays()") == [[0], [1]]
    assert b.js("second") == [2, 3, 4]
    # A new stay, new counters: the three frames judged after the join.
    assert b.stats()["frames_delivered"] == 3


def test_sends_from_the_listener_while_a_message_is_delivered(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    b.js("T.ch.setListener((d) => { T.got.push(d); T.ch.send(new Uint8Array([d[0] + 100])); })")
    a.js("for (let i = 0; i < 50; i++) T.send([i])")
    settle(b, count=50)
    settle(a, count=50)
    assert a.js("T.arrays()") == [[i + 100] for i in range(50)]
