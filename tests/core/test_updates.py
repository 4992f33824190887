"""SPEC-webxdc.md's updates and sendToChat, as the core decides them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webxdc_realtime.core import send_to_chat as send_to_chat
from webxdc_realtime.core.updates import (
    DESCR_DEPRECATED,
    Record,
    UpdateLog,
    parse_record,
    validate,
)


def sent(log: UpdateLog, update: object, now: float = 0.0) -> Record:
    outcome = log.send(json.dumps(update), now=now)
    assert outcome.stored is not None, outcome.errors
    return outcome.stored.record


# Validation: dropped with a reason, never raised.


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "not JSON-serialisable"),
        ("[1]", "must be an object with a payload, got an array"),
        ("3", "got a number"),
        ("{}", "has no payload"),
        ('{"payload": 1, "info": 5}', "info must be a string, got a number"),
        ('{"payload": 1, "summary": null}', "summary must be a string, got null"),
        ('{"payload": 1, "document": []}', "document must be a string, got an array"),
        ('{"payload": 1, "href": true, "info": "x"}', "href must be a string, got a boolean"),
        ('{"payload": 1, "notify": "all"}', "notify must be an object"),
        ('"text"', "got a string"),
        ('{"payload": 1, "info": {}}', "info must be a string, got an object"),
        ("{not json", "not JSON"),
        ('{"payload": 1, "notify": {"*": 1}}', "notify must be an object"),
    ],
)
def test_an_invalid_update_is_dropped_with_why(text: str | None, reason: str) -> None:
    log = UpdateLog("me")
    outcome = log.send(text, why="BigInt value can't be serialized")
    assert outcome.stored is None
    (error,) = outcome.errors
    assert error.startswith("sendUpdate: invalid update, dropped: ")
    assert reason in error
    assert log.max_serial == 0


def test_what_json_stringify_said_is_kept() -> None:
    outcome = UpdateLog("me").send(None, why="Converting circular structure to JSON")
    assert outcome.errors == [
        "sendUpdate: invalid update, dropped: the update is not JSON-serialisable: "
        "Converting circular structure to JSON"
    ]


def test_any_json_payload_is_valid_and_href_needs_info() -> None:
    for payload in (None, 0, "", [], {"a": [1, {"b": None}]}):
        assert validate(json.dumps({"payload": payload}))[1] == ""
    update, _ = validate('{"payload": 1, "href": "index.html#x"}')
    assert update == {"payload": 1}
    update, _ = validate('{"payload": 1, "href": "index.html#x", "info": "hi"}')
    assert update == {"payload": 1, "href": "index.html#x", "info": "hi"}


def test_description_is_deprecated_but_the_update_is_sent() -> None:
    outcome = UpdateLog("me").send('{"payload": 1}', descr=True)
    assert outcome.stored is not None
    assert outcome.errors == [DESCR_DEPRECATED]


def test_too_fast_and_too_large_are_sent_with_a_warning_each() -> None:
    log = UpdateLog("me", interval_ms=1000, max_size=50)
    assert log.send('{"payload": 1}', now=0).warnings == []
    fast = log.send('{"payload": 2}', now=400)
    assert fast.stored is not None
    assert fast.warnings == [
        "sendUpdate: sent 400 ms after the previous update, faster than sendUpdateInterval "
        "(1000 ms); a messenger may delay it"
    ]
    big = log.send(json.dumps({"payload": "x" * 60}), now=5000)
    assert big.stored is not None
    (warning,) = big.warnings
    assert "74 bytes of JSON, more than sendUpdateMaxSize (50)" in warning


def test_the_chat_shows_info_summary_and_document() -> None:
    outcome = UpdateLog("me").send(
        json.dumps({"payload": 1, "info": "Ada moved", "summary": "3 moves", "document": "g"})
    )
    assert (outcome.chat.info, outcome.chat.summary, outcome.chat.document) == (
        "Ada moved",
        "3 moves",
        "g",
    )


# Serials, delivery, replay.


def test_the_sender_stores_its_own_update_at_once_with_serial_and_max_serial() -> None:
    log = UpdateLog("me")
    outcome = log.send('{"payload": "first"}')
    assert outcome.stored is not None
    assert outcome.stored.serial == 1
    assert json.loads(log.delivery(outcome.stored)) == {
        "payload": "first",
        "serial": 1,
        "max_serial": 1,
    }


def test_an_update_arriving_twice_is_stored_once() -> None:
    record = sent(UpdateLog("ada"), {"payload": 1})
    ben = UpdateLog("ben")
    assert ben.receive(record) is not None
    assert ben.receive(record) is None
    assert ben.max_serial == 1


def test_replay_from_a_serial_gives_the_rest_in_order_with_the_max_serial_known() -> None:
    log = UpdateLog("me")
    for i in range(5):
        sent(log, {"payload": i})
    rest = log.after(2)
    assert [s.serial for s in rest] == [3, 4, 5]
    assert [json.loads(log.delivery(s))["max_serial"] for s in rest] == [5, 5, 5]


def test_a_restart_keeps_serials_and_stores_what_the_chat_got_meanwhile() -> None:
    ada = UpdateLog("ada")
    chat = [sent(ada, {"payload": i}) for i in range(3)]
    ben = UpdateLog("ben")
    for record in reversed(chat):  # ben got them in another order
        ben.receive(record)
    kept = [(s.serial, s.record.uid) for s in ben.after(0)]
    later = sent(ada, {"payload": "while ben was away"})
    again = UpdateLog("ben", stored=kept, chat=[*chat, later])
    assert [(s.serial, s.record.uid) for s in again.after(0)][:3] == kept
    assert [(s.serial, s.record) for s in again.added] == [(4, later)]
    assert again.max_serial == 4


def test_a_record_the_chat_lost_leaves_a_gap() -> None:
    ada = UpdateLog("ada")
    chat = [sent(ada, {"payload": i}) for i in range(3)]
    again = UpdateLog(
        "ada",
        stored=[(1, chat[0].uid), (2, chat[1].uid), (3, chat[2].uid)],
        chat=[chat[0], chat[2]],
    )
    assert [s.serial for s in again.after(0)] == [1, 3]
    assert again.added == []


@settings(max_examples=200)
@given(
    peers=st.integers(1, 4),
    plan=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans()), max_size=40),
    restart=st.integers(0, 3),
)
def test_every_peer_stores_every_update_once_whatever_the_order(
    peers: int, plan: list[tuple[int, int, bool]], restart: int
) -> None:
    """Peers send; updates reach the others late, out of order and twice; one peer
    restarts from what it kept and the chat. Each peer ends with every update once,
    serials increasing from 1 without gaps, its own updates numbered at send time."""
    names = [f"peer{i}" for i in range(peers)]
    logs = {name: UpdateLog(name) for name in names}
    chat: list[Record] = []
    inflight: list[tuple[str, Record]] = []
    for sender, receiver, deliver_now in plan:
        name = names[sender % peers]
        before = logs[name].max_serial
        record = sent(logs[name], {"payload": len(chat)})
        assert logs[name].max_serial == before + 1  # its own: at send time
        chat.append(record)
        inflight += [(other, record) for other in names if other != name]
        if deliver_now and inflight:
            target, rec = inflight.pop(receiver % len(inflight))
            logs[target].receive(rec)
            logs[target].receive(rec)  # twice: stored once
    survivor = names[restart % peers]
    kept = [(s.serial, s.record.uid) for s in logs[survivor].after(0)]
    logs[survivor] = UpdateLog(survivor, stored=kept, chat=chat)
    for target, record in reversed(inflight):
        logs[target].receive(record)
    for name, log in logs.items():
        serials = [s.serial for s in log.after(0)]
        assert serials == list(range(1, len(chat) + 1)), name
        assert sorted(s.record.uid for s in log.after(0)) == sorted(r.uid for r in chat)
        assert log.max_serial == len(chat)
        for cut in (0, len(chat) // 2, len(chat)):
            assert [s.serial for s in log.after(cut)] == serials[cut:]


# notify


def test_notify_is_for_receivers_and_self_addr_wins_over_star() -> None:
    ada, ben, cleo = UpdateLog("ada"), UpdateLog("ben"), UpdateLog("cleo")
    outcome = ada.send(json.dumps({"payload": 1, "notify": {"ben": "your turn", "*": "Ada moved"}}))
    assert outcome.stored is not None
    record = outcome.stored.record
    assert ada.notification(outcome.stored) is None  # never for one's own
    stored_ben, stored_cleo = ben.receive(record), cleo.receive(record)
    assert stored_ben is not None and stored_cleo is not None
    assert ben.notification(stored_ben) == "your turn"
    assert cleo.notification(stored_cleo) == "Ada moved"
    assert json.loads(ben.delivery(stored_ben))["notify"] == {"ben": "your turn", "*": "Ada moved"}
    plain = ben.receive(sent(ada, {"payload": 2}))
    assert plain is not None and ben.notification(plain) is None


# Records between tabs


def test_only_well_formed_records_are_taken_from_other_tabs() -> None:
    good = ["id", "ada", '{"payload":1}']
    assert parse_record(good) == Record(*good)
    for bad in (None, "x", ["id", "ada"], ["id", 1, "{}"], ["id", "ada", '{"no":1}'], [*good, ""]):
        assert parse_record(bad) is None


# sendToChat


M = send_to_chat.Message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (M(), (send_to_chat.EMPTY, None)),
        (M(text=True), ("", None)),
        (M(file=True, data_keys=1, base64=True), (send_to_chat.NO_NAME, None)),
        (
            M(file=True, name=True, data_keys=2, blob=True, base64=True),
            (send_to_chat.SEVERAL_KEYS, None),
        ),
        (M(file=True, name=True, data_keys=1, blob=True), ("", "blob")),
        (M(file=True, name=True, data_keys=1, base64=True), ("", "base64")),
        (M(file=True, name=True, data_keys=1, plain_text=True, text=True), ("", "plainText")),
        (M(file=True, name=True, data_keys=1), (send_to_chat.NO_DATA, None)),
        (M(file=True, name=True), (send_to_chat.NO_DATA, None)),
    ],
)
def test_send_to_chat_checks_in_desktops_order(
    message: send_to_chat.Message, expected: tuple[str, str | None]
) -> None:
    assert send_to_chat.check(message) == expected


def test_send_to_chat_rejections_are_desktops_words() -> None:
    assert send_to_chat.EMPTY == (
        "Error from sendToChat: Invalid empty message, at least one of text or file should be "
        "provided"
    )
    assert send_to_chat.SEVERAL_KEYS == (
        "you can only set one of `blob`, `base64` or `plainText`, not multiple ones"
    )
