"""SPEC.md section 2 in real headless Chromium: each row a page can observe, its own test.

Tabs are pages of one browser context on one origin; every byte goes through our
dist/webxdc.js, the Python core under Pyodide, and the browser's BroadcastChannel.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from webxdc_realtime import MAX_PAYLOAD, TRASHED, Endpoint, Scope

from .conftest import PAGES, Tab, decoded, wait_for


def joined(*tabs: Tab, listen: bool = True) -> None:
    for tab in tabs:
        tab.js(f"T.join({'true' if listen else 'false'})")
    # Each tab has heard of every other (a join, or the answer to its own join).
    for tab in tabs:
        assert wait_for(lambda tab=tab: tab.stats()["peers"] >= len(tabs) - 1)


def settle(*receivers: Tab, count: int) -> None:
    for tab in receivers:
        wait_for(lambda tab=tab: tab.js("T.got.length") >= count)


def test_example_of_spec_runs_verbatim_in_two_tabs(fresh: Any) -> None:
    a = fresh("example.html#addr=alice@example.org&name=Alice", wait=False)
    b = fresh("example.html#addr=bob@example.org&name=Bob", wait=False)

    wait_for(lambda: len(decoded(a)) >= 2 and len(decoded(b)) >= 2, timeout=30)
    assert decoded(a), (a.console, a.stats())
    assert decoded(b), (b.console, b.stats())
    assert all("hello from bob@example.org" in t for t in decoded(a))
    assert all("hello from alice@example.org" in t for t in decoded(b))
    assert any(
        re.fullmatch(r"Decoded message:  \[\d+\] hello from bob@example.org", t) for t in decoded(a)
    )


def test_row1_api_exists_synchronously_before_the_runtime(fresh: Any) -> None:
    tab = fresh("early.html", wait=False)
    early = tab.js("window.early")
    assert early["webxdcType"] == "object"
    assert early["joinType"] == "function"
    assert early["status"] == "loading"
    assert early["statusAfter"] == "loading"
    assert early["selfAddr"]
    assert early["selfName"]


def test_row1_existing_webxdc_is_augmented_not_replaced(fresh: Any) -> None:
    # data-api="realtime": only joinRealtimeChannel is added to the mock on the page.
    tab = fresh("mock-realtime.html")
    assert tab.js("webxdc.sendUpdate()") == "mine"
    assert tab.js("webxdc.mockOnly") == "kept"
    assert tab.js("webxdc.selfAddr") == "mock@example.org"
    assert tab.js("webxdc.selfName") == "Mock"
    assert tab.js("typeof webxdc.joinRealtimeChannel") == "function"


def test_row1_by_default_the_whole_api_replaces_a_mocks_members_but_its_identity(
    fresh: Any,
) -> None:
    tab = fresh("mock.html")
    assert tab.js("webxdc.sendUpdate({payload: 1})") is None  # ours: returns nothing
    assert tab.js("webxdc.mockOnly") == "kept"  # what we do not define stays
    assert tab.js("[webxdc.selfAddr, webxdc.selfName]") == ["mock@example.org", "Mock"]
    assert tab.js("typeof webxdc.joinRealtimeChannel") == "function"


def test_row1_identity_from_the_url_hash_else_kept_across_reloads(fresh: Any) -> None:
    named = fresh("app.html#addr=carol@example.org&name=Carol", wait=False)
    tab = fresh("app.html", wait=False)
    other = fresh("app.html", wait=False)
    assert named.js("[webxdc.selfAddr, webxdc.selfName]") == ["carol@example.org", "Carol"]
    first = tab.js("[webxdc.selfAddr, webxdc.selfName]")
    assert first[0].endswith("@webxdc.localhost")
    tab.page.reload()
    tab.wait_live()
    assert tab.js("[webxdc.selfAddr, webxdc.selfName]") == first
    assert other.js("webxdc.selfAddr") != first[0]


def test_row2_join_returns_the_channel_synchronously(tabs: Any) -> None:
    (a,) = tabs(1)
    assert a.js(
        "(() => { const c = webxdc.joinRealtimeChannel(); T.ch = c; "
        "return ['setListener', 'send', 'leave'].map((m) => typeof c[m]); })()"
    ) == [
        "function",
        "function",
        "function",
    ]


def test_row3_second_join_throws(tabs: Any) -> None:
    (a,) = tabs(1)
    a.js("T.join()")
    assert a.js("T.error(() => webxdc.joinRealtimeChannel())") == {
        "name": "Error",
        "message": "realtime listener already exists",
        "isError": True,
    }


def test_row4_join_after_leave_is_a_fresh_working_channel(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("T.ch.leave(); T.join()")
    wait_for(lambda: b.stats()["peers"] == 1 and b.stats()["dropped"] == {})
    a.js("T.send([4])")
    settle(b, count=1)
    assert b.js("T.arrays()") == [[4]]


def test_row5_second_listener_replaces_the_first(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    b.js("window.first = []; T.ch.setListener((d) => first.push(1)); T.listen()")
    a.js("T.send([5])")
    settle(b, count=1)
    assert b.js("first") == []
    assert b.js("T.arrays()") == [[5]]


def test_row6_set_listener_with_a_non_function_throws_a_type_error(tabs: Any) -> None:
    (a,) = tabs(1)
    a.js("T.join(false)")
    for given, named in [
        ("42", "number"),
        ("'cb'", "string"),
        ("null", "null"),
        ("undefined", "undefined"),
        ("{}", "object"),
    ]:
        error = a.js(f"T.error(() => T.ch.setListener({given}))")
        assert error["name"] == "TypeError", given
        assert error["message"] == f"realtime listener must be a function, got {named}"


def test_row7_send_of_a_non_uint8array_throws(tabs: Any) -> None:
    (a,) = tabs(1)
    a.js("T.join()")
    for value in [
        "'text'",
        "[1, 2]",
        "null",
        "undefined",
        "new ArrayBuffer(2)",
        "new Int8Array(2)",
        "new DataView(new ArrayBuffer(2))",
        "{length: 1}",
    ]:
        assert a.js(f"T.error(() => T.ch.send({value}))") == {
            "name": "Error",
            "message": "realtime listener data must be a Uint8Array",
            "isError": True,
        }, value


def test_row7_a_uint8array_from_another_realm_counts(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    facts = a.js("""() => new Promise((done) => {
        const frame = document.createElement('iframe');
        frame.onload = () => {
            const foreign = new frame.contentWindow.Uint8Array([7, 8, 9]);
            T.ch.send(foreign);
            done(foreign instanceof Uint8Array);
        };
        document.body.append(frame);
    })""")
    assert facts is False  # really another realm
    settle(b, count=1)
    assert b.js("T.arrays()") == [[7, 8, 9]]


def test_row8_send_and_set_listener_after_leave_throw(tabs: Any) -> None:
    (a,) = tabs(1)
    a.js("T.join(); T.ch.leave()")
    trashed = {
        "name": "Error",
        "message": "realtime listener is trashed and can no longer be used",
        "isError": True,
    }
    assert a.js("T.error(() => T.ch.send(new Uint8Array(1)))") == trashed
    assert a.js("T.error(() => T.ch.setListener(() => {}))") == trashed


def test_row9_over_the_limit_throws_naming_limit_and_size_and_sends_nothing(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    error = a.js(f"T.error(() => T.ch.send(new Uint8Array({MAX_PAYLOAD + 1})))")
    assert error["name"] == "Error"
    assert "128000" in error["message"]
    assert "128001" in error["message"]
    a.js(f"T.ch.send(new Uint8Array({MAX_PAYLOAD}).fill(3))")
    settle(b, count=1)
    assert b.js(
        "[T.got.length, T.got[0].length, T.got[0][MAX - 1]]".replace("MAX", str(MAX_PAYLOAD))
    ) == [1, MAX_PAYLOAD, 3]


def test_row10_a_subarray_sends_only_its_bytes(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("T.ch.send(new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 4))")
    settle(b, count=1)
    assert b.js("T.arrays()") == [[2, 3]]


def test_row11_empty_data_arrives_empty(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("T.send([])")
    settle(b, count=1)
    assert b.js("T.got.map((d) => [d instanceof Uint8Array, d.length])") == [[True, 0]]


def test_row12_every_other_peer_receives_never_the_sender(tabs: Any) -> None:
    a, b, c = tabs(3)
    joined(a, b, c)
    a.js("T.send([12])")
    settle(b, c, count=1)
    assert b.js("T.arrays()") == [[12]]
    assert c.js("T.arrays()") == [[12]]
    a.js("T.send([13])")  # a second message: by now an echo of the first would have arrived
    settle(b, count=2)
    assert a.js("T.got.length") == 0
    assert a.stats()["dropped"] == {}


def test_row12_a_tab_with_the_same_self_addr_receives(fresh: Any) -> None:
    phone = fresh("app.html#addr=dave@example.org&name=Dave", wait=False)
    laptop = fresh("app.html#addr=dave@example.org&name=Dave", wait=False)
    phone.wait_live()
    laptop.wait_live()
    joined(phone, laptop)
    phone.js("T.send([1, 2])")
    settle(laptop, count=1)
    assert laptop.js("T.arrays()") == [[1, 2]]
    assert phone.js("T.got.length") == 0


def test_row13_data_before_set_listener_is_dropped_not_buffered(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b, listen=False)
    a.js("T.send([1])")
    wait_for(lambda: b.stats()["dropped"].get("no_listener") == 1)
    b.js("T.listen()")
    a.js("T.send([2])")
    settle(b, count=1)
    assert b.js("T.arrays()") == [[2]]


def test_row14_late_joiner_sees_nothing_sent_before(tabs: Any) -> None:
    a, b, c = tabs(3)
    joined(a, b)
    a.js("T.send([1])")
    settle(b, count=1)
    c.js("T.join()")
    wait_for(lambda: a.stats()["peers"] == 2)
    a.js("T.send([2])")
    settle(b, count=2)
    settle(c, count=1)
    assert c.js("T.arrays()") == [[2]]


def test_row15_listener_gets_a_fresh_exact_uint8array_of_its_realm(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("T.send([1, 2, 3]); T.send([1, 2, 3])")
    settle(b, count=2)
    assert (
        b.js("""T.got.map((d) => [d instanceof Uint8Array, d.constructor === Uint8Array,
                                      d.byteOffset, d.buffer.byteLength, d.length])""")
        == [[True, True, 0, 3, 3]] * 2
    )
    assert b.js("T.got[0].buffer !== T.got[1].buffer") is True


def test_row16_identical_payloads_are_delivered_twice(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("T.send([9]); T.send([9])")
    settle(b, count=2)
    assert b.js("T.arrays()") == [[9], [9]]


def test_row17_order_of_one_sender_is_kept(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    a.js("for (let i = 0; i < 200; i++) T.send([i % 256, i >> 8])")
    settle(b, count=200)
    assert b.js("T.arrays().map(([lo, hi]) => lo + 256 * hi)") == list(range(200))


def test_row18_a_throwing_listener_is_reported_and_later_data_still_arrives(tabs: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    b.js("T.ch.setListener((d) => { T.got.push(d); if (d[0] === 1) throw new Error('app bug'); })")
    a.js("T.send([1]); T.send([2])")
    settle(b, count=2)
    assert b.js("T.arrays()") == [[1], [2]]
    assert wait_for(lambda: b.said("error", "listener threw"))


def test_row19_malformed_and_foreign_frames_are_dropped_and_counted(tabs: Any, fresh: Any) -> None:
    a, b = tabs(2)
    joined(a, b)
    config = b.js("webxdcRealtime.config")
    ours = Scope(config["chatId"], config["instanceId"])
    theirs = Scope("another chat", config["instanceId"])
    foreign = Endpoint(theirs)
    foreign.join()
    (foreign_hello,) = foreign.take_outbox()
    # A raw BroadcastChannel on our channel's name (the core derives the name; we check it).
    a.js(
        """([name, foreign]) => {
        const raw = new BroadcastChannel(name);
        raw.postMessage('junk');
        raw.postMessage(new Uint8Array([87, 88, 1, 1, 0]));
        raw.postMessage({some: 'object'});
        raw.postMessage(new Uint8Array(foreign));
        const header = String.fromCharCode(...foreign);
        raw.postMessage([header.slice(0, 30), new Uint8Array(0)]);
        raw.postMessage([header, new Uint8Array(0)]);
        raw.postMessage(['\u0100'.repeat(36), new Uint8Array(0)]);  // not one char per byte
        raw.postMessage([new Uint8Array(foreign), new Uint8Array(0)]);  // not a header string
        raw.close();
    }""",
        [ours.channel_name, list(foreign_hello)],
    )
    a.js("T.send([42])")
    settle(b, count=1)
    assert b.js("T.arrays()") == [[42]]
    wait_for(lambda: sum(b.stats()["dropped"].values()) >= 8)
    assert b.stats()["dropped"] == {"malformed": 6, "foreign_topic": 2}
    assert b.said("error", "") == []


def test_row20_leave_twice_is_no_error(tabs: Any) -> None:
    (a,) = tabs(1)
    a.js("T.join()")
    assert a.js("T.error(() => { T.ch.leave(); T.ch.leave(); })") is None


def test_row21_pagehide_leaves_the_channel(tabs: Any, fresh: Any) -> None:
    (a,) = tabs(1)
    b = fresh("app.html")
    joined(a, b)
    b.page.goto("about:blank")  # fires pagehide in b
    assert wait_for(lambda: a.stats()["peers"] == 0)


def test_row22_sends_before_ready_arrive_in_order(tabs: Any, fresh: Any) -> None:
    (receiver,) = tabs(1)
    receiver.js("T.join()")
    early = fresh("early.html")  # sends 0..4 from one reused buffer while loading
    settle(receiver, count=5)
    assert receiver.js("T.arrays()") == [[0], [1], [2], [3], [4]]
    assert early.said("info", "live in")


def test_row22_misuse_while_loading_throws_at_the_call_as_once_live(fresh: Any) -> None:
    tab = fresh("misuse.html", wait=False)
    misuse = tab.js("window.misuse")
    loading = {"isError": True, "status": "loading"}
    assert misuse["join"] == {
        "name": "Error",
        "message": "realtime listener already exists",
        **loading,
    }
    assert misuse["listener"] == {
        "name": "TypeError",
        "message": "realtime listener must be a function, got number",
        **loading,
    }
    assert misuse["type"] == {
        "name": "Error",
        "message": "realtime listener data must be a Uint8Array",
        **loading,
    }
    assert misuse["size"] == {
        "name": "Error",
        "message": "realtime listener data is too large: 128001 bytes, the limit is 128000 bytes",
        **loading,
    }
    trashed = {"name": "Error", "message": TRASHED, **loading}
    assert misuse["trashedSend"] == misuse["trashedListener"] == trashed
    assert misuse["fine"] is None
    assert misuse["leaveTwice"] is None
    assert misuse["joinAgain"] is None
    # Once live, the core replays what was accepted and agrees: no error on the console,
    # and the channel joined last works.
    tab.wait_live()
    assert tab.said("error", "") == []
    stats = tab.stats()
    # Announcements: join, leave, join again; and the 128000-byte send before the leave.
    assert (stats["state"], stats["frames_sent"]) == ("joined", 1)
    (peer,) = [fresh("app.html")]
    joined(peer)
    tab.js("T.listen()")
    wait_for(lambda: tab.stats()["peers"] == 1)
    peer.js("T.send([22])")
    settle(tab, count=1)
    assert tab.js("T.arrays()") == [[22]]


def test_row22_queue_is_bounded_with_one_warning(fresh: Any) -> None:
    tab = fresh("flood.html")  # 1005 sends before Python is live
    assert tab.js("statusDuringFlood") == "loading"
    assert len(tab.said("warning", "dropping")) == 1
    assert tab.stats()["frames_sent"] == 1 + 1000  # the join announcement, then the queue


@pytest.mark.engines(
    "chromium",
    reason="which channel a chat and an instance take is the core's (scope.py); that a"
    " BroadcastChannel joins only pages of its own name is tested in Firefox by every two-tab"
    " test",
)
def test_isolation_two_chats_by_two_instances_by_two_peers(fresh: Any) -> None:
    # other/app.html is a link to app.html: the same app at another path, another instance.
    groups = {
        (chat, app): [fresh(f"{app}?chat={chat}", wait=False) for _ in range(2)]
        for chat, app in itertools.product(
            ["A", "B"], [f"{PAGES}/app.html", f"{PAGES}/other/app.html"]
        )
    }
    for group in groups.values():
        for tab in group:
            tab.wait_live()
        joined(*group)
    names = {
        group[0].js("[webxdcRealtime.config.chatId, webxdcRealtime.config.instanceId]").__repr__()
        for group in groups.values()
    }
    assert len(names) == 4
    for (chat, app), (first, _) in groups.items():
        first.js("(text) => T.ch.send(new TextEncoder().encode(text))", f"{chat} {app}")
    for _first, second in groups.values():
        settle(second, count=1)
    for (chat, app), (first, second) in groups.items():
        assert second.js("T.texts()") == [f"{chat} {app}"]
        assert first.js("T.got.length") == 0
        assert second.stats()["peers"] == 1
        assert sum(second.stats()["dropped"].values()) == 0


def test_scope_from_the_script_tag(fresh: Any) -> None:
    tab = fresh("scoped.html", wait=False)
    query = fresh("scoped.html?chat=url-chat", wait=False)
    assert tab.js("[webxdcRealtime.config.chatId, webxdcRealtime.config.instanceId]") == [
        "tag-chat",
        "tag-instance",
    ]
    assert query.js("webxdcRealtime.config.chatId") == "url-chat"


def test_a_failed_runtime_says_why_and_send_throws(fresh: Any) -> None:
    tab = fresh("broken.html", wait=False)
    assert wait_for(lambda: tab.js("webxdcRealtime.status") == "failed", timeout=30)
    assert tab.said("error", "could not load the Python runtime from")
    tab.js("T.join()")
    error = tab.js("T.error(() => T.send([1]))")
    assert error["name"] == "Error"
    assert "unavailable" in error["message"]
