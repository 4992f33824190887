"""Peers beyond one browser, through a real NATS relay: browser contexts that share no
BroadcastChannel, a cluster, a server killed mid-stream, a page with both ways, tokens,
a terminal peer, and scopes kept apart."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from browser.conftest import Tab, all_live, decoded, wait_for
from browser.test_multitab import settle
from conftest import no_nats_server_left
from webxdc_realtime import Endpoint, FrameKind, Scope, decode_header
from webxdc_realtime.core.channel import RELAY_ANNOUNCE_AGAIN_MS
from webxdc_realtime.core.frame import split_message
from webxdc_realtime.host.relay import NatsServer, Relay, split_relay

pytestmark = pytest.mark.browser
RELAY_DECIDES = (
    "the relay's servers decide (NATS: routes, failover, tokens, subjects) and the page's"
    " client is the same JS in both engines; Firefox's WebSocket carries frames and updates"
    " in the exchange, both-ways and across-browsers tests"
)
COMMAND = Path(sys.executable).parent / "webxdc-realtime"
INSTANCE = "/tests/browser/pages/"  # the app instance of the test pages: their folder


def relayed(relay: Relay | str, chat: str, page: str = "app.html", addr: str = "") -> str:
    servers = relay if isinstance(relay, str) else ",".join(relay.ws_urls)
    return f"{page}?chat={chat}&relay={quote(servers)}" + (
        f"#addr={addr}&name={addr}" if addr else ""
    )


def join_all(*tabs: Tab) -> None:
    for tab in tabs:
        tab.js("T.join()")
    for tab in tabs:
        assert wait_for(lambda tab=tab: tab.stats()["peers"] >= len(tabs) - 1, timeout=15), (
            json.dumps(tab.stats()),  # whole: pytest would cut a dict short
            tab.js("JSON.stringify(webxdcRealtime.relay)"),
            tab.log()[-10:],
        )


def test_two_browsers_exchange_the_specs_example_through_one_relay(
    relay: Relay, browser_page: Any
) -> None:
    alice = browser_page(relayed(relay, "example", "example.html", "alice@x"), wait=False)
    bob = browser_page(relayed(relay, "example", "example.html", "bob@x"), wait=False)
    assert wait_for(lambda: len(decoded(alice)) >= 2 and len(decoded(bob)) >= 2, timeout=30)
    assert all("hello from bob@x" in t for t in decoded(alice))
    assert all("hello from alice@x" in t for t in decoded(bob))
    assert alice.js("webxdcRealtime.relay.status") == "connected"
    assert alice.said("info", "relay: connected to")


def test_updates_travel_through_the_relay_too(relay: Relay, browser_page: Any) -> None:
    a, b = all_live(
        browser_page(relayed(relay, "updates", "api.html", "a@x"), wait=False),
        browser_page(relayed(relay, "updates", "api.html", "b@x"), wait=False),
    )
    assert wait_for(lambda: a.js("U.ready") and b.js("U.ready"))
    a.js("webxdc.sendUpdate({payload: 'across', info: 'from another browser'})")
    assert wait_for(lambda: b.js("U.got.length") == 1)
    assert b.js("U.got[0]") == {
        "payload": "across",
        "info": "from another browser",
        "serial": 1,
        "max_serial": 1,
    }


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_a_python_peer_and_a_page_share_updates_and_frames(relay: Relay, browser_page: Any) -> None:
    from webxdc_realtime.host.peer import Joined, Peer, Update

    page = browser_page(relayed(relay, "bot", "api.html", "web@x"))
    assert wait_for(lambda: page.js("U.ready"))
    seen: list[Any] = []
    ready = threading.Event()

    async def bot() -> None:
        async with Peer(relay.nats_urls[0], "bot", INSTANCE, addr="bot@py") as peer:
            ready.set()
            async for event in peer.events():
                seen.append(event)
                if isinstance(event, Update) and event.sender == "web@x":
                    await peer.send_update({"payload": {"echo": event.update["payload"]}})
                if isinstance(event, Joined):
                    await peer.send(b"welcome " + event.addr.encode())
                if len(seen) >= 4:  # the page's update, our echo, its join
                    return

    thread = threading.Thread(target=lambda: asyncio.run(asyncio.wait_for(bot(), 30)))
    thread.start()
    assert ready.wait(15)
    page.js("webxdc.sendUpdate({payload: 'hello bot'})")
    assert wait_for(lambda: page.js("U.got.length") == 2, timeout=15)
    assert page.js("U.got[1]") == {"payload": {"echo": "hello bot"}, "serial": 2, "max_serial": 2}
    page.js(
        "T = {got: []}; window.ch = webxdc.joinRealtimeChannel();"
        "ch.setListener((d) => T.got.push(new TextDecoder().decode(d)))"
    )
    assert wait_for(lambda: page.js("T.got") == ["welcome web@x"], timeout=15)
    page.js("ch.leave()")
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert [type(e).__name__ for e in seen] == ["Update", "Update", "Joined", "Left"]


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_a_page_with_a_chats_credentials_gets_that_chat_and_is_refused_another(
    browser_page: Any,
) -> None:
    from webxdc_realtime.host.peer import Peer

    with Relay(chats=["A", "B"]) as relay:
        inside, astray = all_live(
            browser_page(relayed(relay.ws_urls_for("A")[0], "A", addr="in@x"), wait=False),
            browser_page(relayed(relay.ws_urls_for("A")[0], "B", addr="astray@x"), wait=False),
        )
        inside.js("T.join()")
        astray.js("T.join()")
        assert wait_for(lambda: astray.js("webxdcRealtime.relay.status") == "refused")
        assert astray.said("error", "refused this chat to these credentials")

        async def peers() -> None:
            async with (
                Peer(relay.nats_urls_for("A")[0], "A", INSTANCE, addr="bot-a@py") as a,
                Peer(relay.nats_urls_for("B")[0], "B", INSTANCE, addr="bot-b@py") as b,
            ):
                await a.send(b"for A")
                await b.send(b"for B")
                await asyncio.sleep(0.5)

        thread = threading.Thread(target=lambda: asyncio.run(asyncio.wait_for(peers(), 20)))
        thread.start()
        thread.join(timeout=25)
        assert wait_for(lambda: inside.js("T.texts()") == ["for A"])
        assert astray.js("T.texts()") == []
        assert inside.js("webxdcRealtime.relay.status") == "connected"


def test_a_page_with_both_ways_gets_each_frame_once(
    relay: Relay, browser_page: Any, browser: Any
) -> None:
    context = browser.new_context()
    try:
        a = browser_page(relayed(relay, "both"), context=context)
        b = browser_page(
            relayed(relay, "both"), context=context
        )  # same context: BroadcastChannel too
        join_all(a, b)
        for i in range(20):
            a.js(f"T.send([{i}])")
        settle(b, count=20)
        time.sleep(0.3)
        assert b.js("T.arrays()") == [[i] for i in range(20)]
        assert wait_for(lambda: b.stats()["dropped"].get("twice", 0) >= 20)
    finally:
        context.close()


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_a_cluster_joins_peers_on_different_servers(browser_page: Any) -> None:
    with Relay(cluster=3) as cluster:
        tabs = all_live(
            *(
                browser_page(relayed(url, "cluster", addr=f"p{i}@x"), wait=False)
                for i, url in enumerate(cluster.ws_urls)
            )
        )
        join_all(*tabs)
        for i, tab in enumerate(tabs):
            tab.js(f"T.send([{i}])")
        for tab in tabs:
            settle(tab, count=2)
        for i, tab in enumerate(tabs):
            assert sorted(tab.js("T.arrays()")) == [[j] for j in range(3) if j != i]
    no_nats_server_left(cluster)


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_a_peer_whose_server_dies_reconnects_and_delivery_resumes(browser_page: Any) -> None:
    with Relay(cluster=2) as cluster:
        a = browser_page(relayed(",".join(cluster.ws_urls), "failover", addr="a@x"))
        assert wait_for(lambda: a.js("webxdcRealtime.relay.status") == "connected")
        on = a.js("webxdcRealtime.relay.server")
        dying = 1 if on.endswith(f":{cluster.servers[0].ws_port}") else 2
        surviving = cluster.ws_urls[2 - dying]  # b is on the other server
        b = browser_page(relayed(surviving, "failover", addr="b@x"))
        join_all(a, b)
        a.js("window.n = 0; window.stream = setInterval(() => T.send([window.n++ % 256]), 20)")
        settle(b, count=10)
        cluster.kill(dying)
        assert wait_for(lambda: a.said("warning", "relay: lost"), timeout=10)
        assert wait_for(lambda: a.said("info", "relay: reconnected to"), timeout=20)
        assert a.js("webxdcRealtime.relay.status") == "connected"
        assert a.js("webxdcRealtime.relay.server").endswith(surviving.rsplit(":", 1)[1])
        got = b.js("T.got.length")
        assert wait_for(lambda: b.js("T.got.length") >= got + 20, timeout=20)  # flowing again
        a.js("clearInterval(window.stream)")
    no_nats_server_left(cluster)


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_a_page_says_again_a_moment_after_joining_through_a_relay_that_it_is_there(
    relay: Relay, browser_page: Any
) -> None:
    # A relay of several servers may carry a join before the others know who listens: two
    # pages joining at once on two servers could each miss the other's join, for good.
    heard: list[tuple[float, FrameKind, bytes]] = []
    subscribed, stop = threading.Event(), threading.Event()

    async def listen() -> None:
        import nats

        async def got(msg: Any) -> None:
            for frame in split_message(msg.data):
                header = decode_header(frame, len(frame))
                heard.append((time.monotonic(), header.kind, header.sender))

        nc = await nats.connect(relay.nats_urls[0])
        await nc.subscribe(Scope("again", INSTANCE).relay_subject, cb=got)
        await nc.flush()
        subscribed.set()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        await nc.drain()

    # Playwright's sync API owns this thread's event loop: nats-py runs in a thread of its own.
    thread = threading.Thread(target=lambda: asyncio.run(listen()))
    thread.start()
    try:
        assert subscribed.wait(timeout=15)
        a = browser_page(relayed(relay, "again", addr="a@x"))
        a.js("T.join()")
        assert wait_for(lambda: len(heard) >= 2, timeout=10), heard
    finally:
        stop.set()
        thread.join(timeout=15)
    (joined_at, joined, sender), (again_at, again, same) = heard
    assert (joined, again, same) == (FrameKind.PEER_JOINED, FrameKind.PEER_PRESENT, sender)
    # A timer's, never sooner (half of it: the join may have waited on a busy machine).
    assert again_at - joined_at >= RELAY_ANNOUNCE_AGAIN_MS / 1000 / 2


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_frames_sent_while_the_relay_is_away_are_dropped_never_queued(browser_page: Any) -> None:
    with Relay() as alone:
        a = browser_page(relayed(alone, "away", addr="a@x"))
        a.js("T.join()")
        assert wait_for(lambda: a.js("webxdcRealtime.relay.status") == "connected")
        alone.kill(1)
        assert wait_for(lambda: a.js("webxdcRealtime.relay.status") == "reconnecting")
        started = time.monotonic()
        for i in range(50):
            a.js(f"T.send([{i}])")  # the app is never blocked, and nothing throws
        assert time.monotonic() - started < 10
        assert a.js("webxdcRealtime.relay.dropped") == 50
    no_nats_server_left(alone)


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_a_wrong_or_missing_token_is_refused(browser_page: Any) -> None:
    with Relay(token="right-token") as guarded:
        url = guarded.ws_urls[0]
        assert url.startswith("ws://right-token@127.0.0.1:")
        servers, token = split_relay(url)
        good, wrong, missing = all_live(
            browser_page(relayed(url, "tokens"), wait=False),
            browser_page(relayed(f"ws://wrong@{servers[0][5:]}", "tokens"), wait=False),
            browser_page(relayed(servers[0], "tokens"), wait=False),
        )
        assert token == "right-token"
        assert wait_for(lambda: good.js("webxdcRealtime.relay.status") == "connected")
        for tab in (wrong, missing):
            assert wait_for(lambda tab=tab: tab.js("webxdcRealtime.relay.status") == "refused")
            (said,) = tab.said("error", "relay: could not connect")
            assert "authorization" in said.lower()
    no_nats_server_left(guarded)


def test_a_terminal_peer_and_a_browser_peer_talk_both_ways(relay: Relay, browser_page: Any) -> None:
    nats_url = relay.nats_urls[0]
    listener = subprocess.Popen(
        [
            str(COMMAND),
            "listen",
            "--relay",
            nats_url,
            "--chat",
            "terminal",
            "--instance",
            INSTANCE,
            "--name",
            "bot@terminal",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert listener.stdout is not None
        first = listener.stdout.readline()
        assert "listening to chat 'terminal'" in first
        tab = browser_page(relayed(relay, "terminal", addr="web@x"))
        tab.js("T.join()")
        assert wait_for(lambda: "bot@terminal" in tab.stats()["names"], timeout=15)
        tab.js("T.ch.send(new TextEncoder().encode('hello terminal'))")
        lines = [listener.stdout.readline() for _ in range(2)]  # web@x joined, then the data
        assert "web@x joined" in lines[0]
        assert 'web@x  14 B  "hello terminal"' in lines[1]
        sent = subprocess.run(
            [
                str(COMMAND),
                "send",
                "--relay",
                nats_url,
                "--chat",
                "terminal",
                "--instance",
                INSTANCE,
                "--name",
                "sender@terminal",
                "hello browser",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "sent 13 bytes" in sent.stdout
        settle(tab, count=1)
        assert tab.js("T.texts()") == ["hello browser"]
    finally:
        listener.send_signal(2)
        out, _ = listener.communicate(timeout=15)
    assert listener.returncode == 0
    assert "stopped listening" in out


@pytest.mark.engines("chromium", reason=RELAY_DECIDES)
def test_frames_of_another_chat_never_reach_an_app_over_the_relay(
    relay: Relay, browser_page: Any
) -> None:
    a, b, a2 = all_live(
        browser_page(relayed(relay, "chat-A", addr="a@x"), wait=False),
        browser_page(relayed(relay, "chat-B", addr="b@x"), wait=False),
        browser_page(relayed(relay, "chat-A", addr="a2@x"), wait=False),
    )
    join_all(a, a2)
    b.js("T.join()")
    a.js("T.send([1])")
    settle(a2, count=1)
    # A frame of chat A posted on chat B's subject (a peer that lies): checked on receive too.
    forged = Endpoint(Scope("chat-A", INSTANCE))
    channel = forged.join()
    forged.take_outbox()
    header = channel.send("[object Uint8Array]", 1)
    assert isinstance(header, bytes)

    async def publish() -> None:
        import nats

        nc = await nats.connect(relay.nats_urls[0])
        await nc.publish(Scope("chat-B", INSTANCE).relay_subject, header + b"!")
        await nc.drain()

    # Playwright's sync API owns this thread's event loop: nats-py runs in a thread of its own.
    thread = threading.Thread(target=lambda: asyncio.run(publish()))
    thread.start()
    thread.join(timeout=15)
    assert wait_for(lambda: b.stats()["dropped"].get("foreign_topic") == 1)
    assert b.js("T.got.length") == 0


def test_the_relay_command_prints_what_to_do_and_leaves_nothing_behind() -> None:
    command = subprocess.Popen(
        [str(COMMAND), "relay", "--cluster", "2", "--port", "0", "--nats-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert command.stdout is not None
    lines = [command.stdout.readline() for _ in range(7)]
    pids = [line.rsplit("pid ", 1)[1].strip() for line in lines if "pid " in line]
    assert len(pids) == 2
    assert "reachable from this machine only" in lines[0]
    assert any("pages: add ?relay=ws://127.0.0.1:" in line for line in lines)
    assert any(
        "terminal: webxdc-realtime listen --relay nats://127.0.0.1:" in line for line in lines
    )
    command.send_signal(2)
    out, _ = command.communicate(timeout=20)
    assert command.returncode == 0
    assert "relay stopped" in out
    running = subprocess.run(
        ["pgrep", "-x", "nats-server"], capture_output=True, text=True
    ).stdout.split()
    assert not set(pids) & set(running)


def test_off_loopback_a_token_is_made_and_required() -> None:
    relay = Relay(host="0.0.0.0", insecure=True)  # not started: this machine binds 127.0.0.1 only
    assert relay.token and len(relay.token) >= 20
    assert not relay.loopback
    config = relay._config(NatsServer(1, 4222, 9222, 6222))
    assert f'authorization {{ token: "{relay.token}" }}' in config
    assert "listen: 0.0.0.0:4222" in config
    assert Relay().token is None  # on loopback, only if asked for


def test_webxdc_realtime_run_gives_its_peers_the_relay(relay: Relay, host_page: Any) -> None:
    from cli.conftest import PINGBOARD, run

    with run(PINGBOARD, "--peers", "1", "--relay", relay.ws_urls[0]) as command:
        host = host_page(command.url)
        host.wait_live(1)
        (peer,) = host.peers()
        assert wait_for(lambda: peer.evaluate("webxdcRealtime.relay?.status") == "connected")
        assert host.js("host.app.relay") == relay.ws_urls[0]
        # The devtools show each peer's link to the relay in their counters.
        host.page.click("#tools")
        assert wait_for(
            lambda: "connected" in host.page.inner_text(".counters .table td.relay"), timeout=10
        )
