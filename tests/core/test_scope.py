"""Scope: chat x app instance, structurally separate and checked on receive (SPEC.md section 3)."""

from __future__ import annotations

import itertools

import pytest

from webxdc_realtime import (
    HEADER_SIZE,
    UINT8ARRAY_TAG,
    Dropped,
    DropReason,
    LocalProtocolError,
    Scope,
)

from .link import Link


def test_topic_is_stable_and_known() -> None:
    # A fixed vector: changing the hash would split peers running different builds.
    scope = Scope("chat-1", "app-1")
    assert scope.topic == Scope("chat-1", "app-1").topic
    assert len(scope.topic) == 16
    assert scope.channel_name == "webxdc-realtime/1/" + scope.topic.hex()
    assert scope.topic.hex() == "95e15695a11601fe67883293069e3af9"


def test_ids_do_not_run_into_each_other() -> None:
    assert Scope("ab", "c").topic != Scope("a", "bc").topic
    assert Scope("a", "b").topic != Scope("b", "a").topic


@pytest.mark.parametrize(("chat", "instance"), [("", "i"), ("c", ""), (None, "i"), ("c", 3)])
def test_ids_must_be_non_empty_strings(chat: object, instance: object) -> None:
    with pytest.raises(LocalProtocolError, match="must be a non-empty string") as info:
        Scope(chat, instance)  # type: ignore[arg-type]
    assert info.value.error_type == "TypeError"


def test_two_chats_times_two_instances_times_two_peers_no_frame_crosses() -> None:
    link = Link()
    groups = {
        (chat, app): [link.tab(chat, app).join() for _ in range(2)]
        for chat, app in itertools.product(["chat-A", "chat-B"], ["app-1", "app-2"])
    }
    assert len({g[0].endpoint.scope.channel_name for g in groups.values()}) == 4
    for (chat, app), (first, _second) in groups.items():
        first.send(f"{chat}/{app}".encode())
    for (chat, app), (first, second) in groups.items():
        assert first.received == []
        assert second.received == [f"{chat}/{app}".encode()]


def test_a_foreign_frame_on_our_channel_name_is_dropped_and_counted() -> None:
    link = Link()
    ours = link.tab("chat-A", "app-1").join()
    theirs = link.tab("chat-B", "app-1").join()
    assert ours.channel is not None and theirs.channel is not None
    # Someone posts a frame of another scope onto our channel's name: checked on receive too.
    header = theirs.channel.send(UINT8ARRAY_TAG, 3)
    assert isinstance(header, bytes)
    link.post(ours.endpoint.scope.channel_name, header + b"bad")
    assert ours.received == []
    assert ours.events[-1] == Dropped(DropReason.FOREIGN_TOPIC)
    assert ours.endpoint.counters.dropped == {"foreign_topic": 1}
    assert len(header) == HEADER_SIZE
