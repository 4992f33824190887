"""The public Python peer (host/peer.py) against a real nats-server: frames, updates, who
is here, chats kept apart, bad input said plainly. A page and a peer: tests/relay."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from webxdc_realtime import FrameKind, Scope, decode_header
from webxdc_realtime.core.channel import RELAY_ANNOUNCE_AGAIN_MS
from webxdc_realtime.core.frame import split_message
from webxdc_realtime.core.scope import chat_topic
from webxdc_realtime.host.peer import Joined, Left, Message, Peer, Update
from webxdc_realtime.host.relay import Relay, RelayError

from .test_terminal import in_thread


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    with Relay() as servers:
        yield servers


def run(coroutine: Any) -> Any:
    """Run in a thread of its own (the session's Playwright owns this thread's loop)."""
    return in_thread(lambda: asyncio.run(asyncio.wait_for(coroutine, 20)))


async def until(event_type: type, peer: Peer) -> Any:
    async for event in peer.events():
        if isinstance(event, event_type):
            return event
    raise AssertionError("the peer left before it came")


def test_two_peers_meet_exchange_bytes_and_see_each_other_leave(relay: Relay) -> None:
    url = relay.nats_urls[0]

    async def scenario() -> list[Any]:
        async with Peer(url, "meet", addr="ada@py") as ada:
            async with Peer(url, "meet", addr="ben@py") as ben:
                joined = await until(Joined, ada)
                present = await until(Joined, ben)
                assert ada.peers == {"ben@py"} and ben.peers == {"ada@py"}
                await ben.send(b"hi ada")
                await ben.send(bytearray(b"\x00\xff"))
                got = [await ada.receive(timeout=5)]
                async for data in ada:  # the peer is an async iterator of bytes
                    got.append(data)
                    break
            left = await until(Left, ada)
            assert ada.peers == set()
            counters = ada.counters
        return [joined, present, got, left, counters.frames_delivered]

    joined, present, got, left, delivered = run(scenario())
    assert joined == Joined("ben@py", present=False)
    assert present == Joined("ada@py", present=True)
    assert got == [b"hi ada", b"\x00\xff"]
    assert left == Left("ben@py")
    assert delivered == 2


def test_a_peer_says_again_a_moment_after_joining_that_it_is_there_and_is_not_met_twice(
    relay: Relay,
) -> None:
    # A relay of several servers may carry a join before the others know who listens.
    url = relay.nats_urls[0]

    async def scenario() -> tuple[list[list[FrameKind]], list[Any]]:
        import nats

        heard: dict[bytes, list[FrameKind]] = {}

        async def got(msg: Any) -> None:
            for frame in split_message(msg.data):
                header = decode_header(frame, len(frame))
                heard.setdefault(header.sender, []).append(header.kind)

        nc = await nats.connect(url)
        await nc.subscribe(Scope("again", "/").relay_subject, cb=got)
        await nc.flush()
        async with Peer(url, "again", addr="ada@py") as ada, Peer(url, "again", addr="ben@py"):
            await asyncio.sleep(RELAY_ANNOUNCE_AGAIN_MS / 1000 + 0.5)
            met = []
            while not ada._events.empty():
                met.append(ada._events.get_nowait())
        await nc.drain()
        return list(heard.values()), met

    heard, met = run(scenario())
    joined, present, left = FrameKind.PEER_JOINED, FrameKind.PEER_PRESENT, FrameKind.PEER_LEFT
    assert sorted(heard) == [
        [joined, present, left],  # ben: joined, said so again, left
        [joined, present, present, left],  # ada: joined, answered ben, said so again, left
    ]
    assert met == [Joined("ben@py", present=False)]  # once


def test_updates_reach_every_peer_the_sender_too_numbered_by_each(relay: Relay) -> None:
    url = relay.nats_urls[0]

    async def scenario() -> tuple[Any, ...]:
        async with Peer(url, "upd", addr="a@py") as a, Peer(url, "upd", addr="b@py") as b:
            await b.send_update({"payload": "first from b"})
            first = await until(Update, a)
            serial = await a.send_update({"payload": {"n": 2}, "info": "a says"}, "")
            own = await until(Update, a)
            assert (await until(Update, b)).sender == "b@py"  # its own, first
            theirs = await until(Update, b)
            with pytest.raises(ValueError, match="invalid update, dropped"):
                await a.send_update({"no": "payload"})
        return first, serial, own, theirs

    first, serial, own, theirs = run(scenario())
    assert first == Update("b@py", {"payload": "first from b", "serial": 1, "max_serial": 1})
    assert serial == 2
    assert own == Update(
        "a@py", {"payload": {"n": 2}, "info": "a says", "serial": 2, "max_serial": 2}
    )
    # b stored its own first, then a's: its numbers.
    assert theirs.update["serial"] == 2 and theirs.sender == "a@py"


def test_chats_and_app_instances_are_kept_apart(relay: Relay) -> None:
    url = relay.nats_urls[0]

    async def scenario() -> list[bytes]:
        async with (
            Peer(url, "apart", addr="here@py") as here,
            Peer(url, "apart", "other-app", addr="elsewhere@py") as elsewhere,
            Peer(url, "apart-2", addr="other-chat@py") as other_chat,
            Peer(url, "apart", addr="sender@py") as sender,
        ):
            await until(Joined, sender)
            await sender.send(b"for this chat and app only")
            got = [await here.receive(timeout=5)]
            await sender.leave()
            await asyncio.sleep(0.3)
            for peer in (elsewhere, other_chat):
                while not peer._events.empty():
                    event = peer._events.get_nowait()
                    assert not isinstance(event, Message | Joined | Left), event
        return got

    assert run(scenario()) == [b"for this chat and app only"]


def test_a_peer_that_nobody_reads_keeps_its_backlog_and_counts_the_rest(relay: Relay) -> None:
    url = relay.nats_urls[0]

    async def scenario() -> tuple[int, list[bytes]]:
        async with Peer(url, "slow", addr="slow@py", backlog=3) as slow:
            async with Peer(url, "slow", addr="fast@py") as fast:
                for i in range(10):
                    await fast.send(bytes([i]))
                await asyncio.sleep(0.5)
            kept = []
            while not slow._events.empty():
                event = slow._events.get_nowait()
                if isinstance(event, Message):
                    kept.append(event.data)
            return slow.overflow, kept

    overflow, kept = run(scenario())
    # Joined fills one place; two frames fit; the other eight and the Left are let go.
    assert (overflow, kept) == (9, [b"\x00", b"\x01"])


def test_bad_input_and_a_missing_relay_are_said_plainly(relay: Relay) -> None:
    url = relay.nats_urls[0]
    with pytest.raises(ValueError, match="backlog must be at least 1, not 0"):
        Peer(url, backlog=0)

    async def scenario() -> None:
        peer = Peer(url, "bad")
        assert peer.status == "closed"
        with pytest.raises(RuntimeError, match="has not joined"):
            await peer.send(b"x")
        with pytest.raises(RuntimeError, match="has not joined"):
            await peer.send_update({"payload": 1})
        async with peer:
            assert peer.status == "connected"
            with pytest.raises(ValueError, match="128001 bytes is over the limit of 128000"):
                await peer.send(bytes(128_001))
            with pytest.raises(RuntimeError, match="has joined already"):
                await peer.join()
        await peer.leave()  # twice is once
        assert peer.status == "closed"
        with pytest.raises(RelayError, match=r"could not connect to nats://127\.0\.0\.1:1"):
            await Peer("nats://127.0.0.1:1").join()

    run(scenario())


def test_a_chats_credentials_let_into_that_chat_and_no_other() -> None:
    """NATS's own users and permissions, tried with a hand-made client, not only our peer."""
    import nats

    with Relay(chats=["A", "B"]) as relay:
        a_url = relay.nats_urls_for("A")[0]
        b_url = relay.nats_urls_for("B")[0]
        assert "@" in a_url and a_url != b_url
        b_subjects = Scope("B", "/")

        async def scenario() -> list[str]:
            said: list[str] = []
            async with (
                Peer(b_url, "B", addr="b1@py") as b1,
                Peer(b_url, "B", "another-app", addr="b2@py") as b2,
                Peer(a_url, "A", addr="a@py") as a,
            ):
                # A's key, by hand: listening to B, to everything, and posting into B.
                errors: list[str] = []

                async def noted(error: Exception) -> None:
                    errors.append(str(error))

                servers, auth = a_url.split("@")[1], a_url.split("//")[1].split("@")[0]
                user, password = auth.split(":")
                spy = await nats.connect(
                    f"nats://{servers}", user=user, password=password, error_cb=noted
                )
                heard: list[bytes] = []

                async def keep(msg: Any) -> None:
                    heard.append(msg.data)

                await spy.subscribe(b_subjects.relay_subject, cb=keep)
                await spy.subscribe(">", cb=keep)
                await spy.subscribe("webxdc-realtime.1.*.*", cb=keep)
                await spy.flush()
                await spy.publish(b_subjects.relay_subject, b"forged into B")
                await spy.publish(b_subjects.relay_updates_subject, b'["u","x","{}"]')
                await spy.flush()
                await b1.send(b"only for chat B")  # to b1's app instance: b2 is in another
                await asyncio.sleep(0.5)
                said.extend(errors)
                assert heard == [], heard
                assert b1.counters.frames_received == 0  # the forgery never reached B
                await a.send(b"inside A")  # A's own chat: allowed
                await spy.close()
                # Our peer says it plainly: A's credentials for chat B. nats-server may say
                # so a moment after the join: then the peer's status, and its next send.
                astray = Peer(a_url, "B")
                refused: list[str] = []
                try:
                    await astray.join()
                    for _ in range(100):
                        if astray.status == "refused":
                            break
                        await asyncio.sleep(0.05)
                    assert astray.status == "refused"
                    await astray.send(b"x")
                except RelayError as error:
                    refused.append(str(error))
                await astray.leave()
                assert refused == [
                    "the relay refused chat 'B' to these credentials: they are another chat's "
                    "(`webxdc-realtime relay --chat` prints each chat's)"
                ]
                # No credentials at all: refused at the door.
                with pytest.raises(RelayError, match="uthorization"):
                    await Peer(f"nats://{servers}", "A").join()
                assert b2.counters.frames_received == 0
            return said

        said = run(scenario())
    violations = [line for line in said if "permissions violation" in line.lower()]
    # Three subscriptions and two publishes refused, each by name.
    assert len(violations) == 5, said
    assert any('subscription to ">"' in line.lower() for line in violations), violations


def test_a_relay_with_chats_has_no_key_to_every_chat() -> None:
    with pytest.raises(RelayError, match="not both"):
        Relay(token="t", chats=["A"])
    with pytest.raises(RelayError, match="not empty"):
        Relay(chats=[""])
    relay = Relay(host="0.0.0.0", insecure=True, chats=["A"])  # not started
    assert relay.token is None and list(relay.grants) == ["A"]
    with pytest.raises(RelayError, match="no credentials for chat 'C'"):
        relay.ws_urls_for("C")
    grant = relay.grants["A"]
    assert grant.subjects == [
        f"webxdc-realtime.1.{chat_topic('A')}.>",
        f"webxdc-updates.1.{chat_topic('A')}.>",
    ]
