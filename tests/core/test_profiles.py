"""SPEC.md section 4: how the real hosts differ, row by row, as the desktop and mobile
profiles decide it; and that strict is section 2 (the other core tests run under it)."""

from __future__ import annotations

import pytest

from webxdc_realtime import (
    ALREADY_JOINED,
    MAX_PAYLOAD,
    NOT_UINT8ARRAY,
    TRASHED,
    Endpoint,
    LocalProtocolError,
    Scope,
)

from .jsvalues import Descriptor, filled
from .link import Link, Tab


def pair(profile: str) -> tuple[Tab, Tab]:
    """A tab of ``profile`` and a strict peer, both joined and listening."""
    link = Link()
    return link.tab(profile=profile).join(), link.tab().join()


# Row 3: a second join.


def test_desktop_row3_second_join_throws_the_same() -> None:
    endpoint = Endpoint(Scope("c", "i"), "desktop")
    endpoint.join()
    with pytest.raises(LocalProtocolError, match=ALREADY_JOINED):
        endpoint.join()


def test_mobile_row3_second_join_replaces_the_channel_without_error() -> None:
    app, peer = pair("mobile")
    old = app.channel
    assert old is not None
    peer_id = app.peer_id
    new = app.endpoint.join()
    assert app.endpoint.outbox == []  # the page stays in the channel: nothing announced
    assert new.is_current and not old.is_current
    assert app.peer_id == peer_id
    # The old object's listener stops receiving: data goes to the new object's listener.
    peer.send(b"to the new one")
    assert app.received == []  # the new object has no listener yet
    assert app.endpoint.counters.dropped["no_listener"] == 1
    new.set_listener("function")
    peer.send(b"now")
    assert app.received == [b"now"]


def test_mobile_row3_the_old_objects_leave_leaves_for_the_whole_app() -> None:
    app, peer = pair("mobile")
    old = app.channel
    assert old is not None
    app.channel = app.endpoint.join()
    app.channel.set_listener("function")
    app.leave(old)
    assert not app.endpoint.member
    peer.send(b"x")
    assert app.received == []
    assert peer.endpoint.peers == set()  # the page announced that it left


# Row 6: setListener with a non-function.


@pytest.mark.parametrize("profile", ["desktop", "mobile"])
@pytest.mark.parametrize("given", ["number", "string", "object", "null", "undefined"])
def test_lax_row6_set_listener_takes_any_value(profile: str, given: str) -> None:
    app, peer = pair(profile)
    assert app.channel is not None
    app.channel.set_listener(given)
    assert app.channel.listener == given
    peer.send(b"x")
    if given in ("null", "undefined"):
        # null and undefined stop delivery.
        assert app.received == []
        assert app.endpoint.counters.dropped["no_listener"] == 1
    else:
        # Any other value is "called", which throws a TypeError on the page's console.
        assert app.received == [b"x"]


# Row 7: send of what is not a Uint8Array.


@pytest.mark.parametrize("value", [{"string": "s"}, {"array": [1]}, {"arraybuffer": 1}])
def test_desktop_row7_type_checked_first_with_the_same_message(value: Descriptor) -> None:
    app, _ = pair("desktop")
    assert app.channel is not None
    app.leave()
    with pytest.raises(LocalProtocolError, match=NOT_UINT8ARRAY):
        app.send(value)


@pytest.mark.parametrize(
    ("value", "arrives"),
    [
        ({"array": [1, 2, 255]}, [b"\x01\x02\xff"]),  # a plain Array of numbers: those bytes
        ({"arraybuffer": 5}, [b""]),  # an ArrayBuffer: an empty message
        ({"string": "hello"}, []),  # a string: dropped silently
        ({"array": [1, 256]}, []),  # not bytes: dropped silently
        ({"int8": [-1]}, []),
        ({"dataview": 3}, [b""]),
        ({"view": 3, "fill": 7}, [b"\x07\x07\x07"]),
    ],
)
def test_mobile_row7_no_type_check(value: Descriptor, arrives: list[bytes]) -> None:
    app, peer = pair("mobile")
    result = app.send(value)
    assert result == "" or isinstance(result, bytes)
    assert peer.received == arrives


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"undefined": True}, "undefined is not iterable"),
        ({"null": True}, "object null is not iterable"),
    ],
)
def test_mobile_row7_undefined_throws_arrays_type_error(value: Descriptor, message: str) -> None:
    app, peer = pair("mobile")
    with pytest.raises(LocalProtocolError, match=message) as info:
        app.send(value)
    assert info.value.error_type == "TypeError"
    assert peer.received == []


# Row 8: send and setListener after leave.


def test_desktop_row8_send_throws_set_listener_does_not_and_is_never_called() -> None:
    app, peer = pair("desktop")
    left = app.channel
    assert left is not None
    app.leave()
    with pytest.raises(LocalProtocolError, match=TRASHED):
        app.send(b"x")
    left.set_listener("function")  # no error
    peer.send(b"y")
    assert app.received == []


def test_mobile_row8_send_after_leave_rejoins_and_the_old_listener_receives_again() -> None:
    app, peer = pair("mobile")
    left = app.channel
    assert left is not None
    app.leave()
    old_id = app.peer_id
    app.send(b"I am back")  # no error: sent, and the page is in the channel again
    assert app.endpoint.member and app.peer_id != old_id
    assert peer.received == [b"I am back"]
    left.set_listener("function")  # no error after leave either
    peer.send(b"welcome")
    assert app.received == [b"welcome"]


# Row 9: over the limit.


def test_desktop_row9_no_throw_not_delivered_logged() -> None:
    app, peer = pair("desktop")
    sent = app.endpoint.counters.frames_sent
    result = app.send(filled(MAX_PAYLOAD + 1))
    assert result == (
        f"realtime listener data is too large: {MAX_PAYLOAD + 1} bytes, "
        f"the limit is {MAX_PAYLOAD} bytes"
    )
    assert app.endpoint.counters.frames_sent == sent
    assert peer.received == []


def test_mobile_row9_no_throw_not_delivered_nothing_logged() -> None:
    app, peer = pair("mobile")
    assert app.send(filled(MAX_PAYLOAD + 1)) == ""
    assert app.send(filled(MAX_PAYLOAD)) != ""
    assert [len(m) for m in peer.received] == [MAX_PAYLOAD]


# What does not differ: the rest of section 2, under every profile.


@pytest.mark.parametrize("profile", ["strict", "desktop", "mobile"])
def test_every_profile_keeps_delivery_rows(profile: str) -> None:
    link = Link()
    a = link.tab(profile=profile).join()
    b = link.tab(profile=profile).join()
    c = link.tab(profile=profile).join(listen=False)
    a.send(b"same")
    a.send(b"same")
    a.send(b"")
    assert a.received == []  # row 12: never the sender
    assert b.received == [b"same", b"same", b""]  # rows 11, 16
    assert c.received == []  # row 13
    a.leave()
    b.send(b"after")
    assert a.received == []
    a.leave()  # row 20


def test_strict_is_the_default() -> None:
    assert Endpoint(Scope("c", "i")).profile.name == "strict"
