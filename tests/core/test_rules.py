"""The rules table itself: its form, its export for the glue, its interpreter."""

from __future__ import annotations

import json

import pytest

from webxdc_realtime import PROFILES, FrameKind, Profile, Rule, export_rules, profile_named
from webxdc_realtime.core.rules import CALLS, in_, not_, over, rules_digest


def test_every_call_of_every_profile_ends_with_a_rule_that_always_holds() -> None:
    for profile in PROFILES.values():
        for call in CALLS:
            assert profile.calls[call][-1].when == {}


def test_a_profile_whose_last_rule_is_conditional_is_refused() -> None:
    calls = {call: (Rule(when={"member": True}),) for call in CALLS}
    with pytest.raises(ValueError, match="last rule of join must hold always"):
        Profile("odd", "host", "none", "uint8array", calls)


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown host profile 'tablet': use one of strict"):
        profile_named("tablet")


def test_the_export_is_json_with_a_digest_of_its_content() -> None:
    table = export_rules()
    again = json.loads(json.dumps(table))
    assert again == table
    assert table["digest"] == rules_digest(table)
    assert set(table["profiles"]) == {"strict", "desktop", "mobile"}  # type: ignore[arg-type]
    changed = {**table, "limit": 1}
    assert rules_digest(changed) != table["digest"]


def test_exported_rules_keep_only_what_they_say() -> None:
    strict = export_rules()["profiles"]["strict"]  # type: ignore[index]
    assert strict["calls"]["join"] == [
        {"when": {"member": True}, "throw": "Error", "message": "realtime listener already exists"},
        {"member": True},
    ]
    assert strict["calls"]["leave"] == [
        {"when": {"trashed": True}},
        {"trash": True, "member": False},
    ]
    assert strict["calls"]["send"][2] == {
        "when": {"length": {"over": 128000}},
        "throw": "Error",
        "message": (
            "realtime listener data is too large: {length} bytes, the limit is {limit} bytes"
        ),
    }


@pytest.mark.parametrize(
    ("test", "fact", "holds"),
    [
        (not_("function"), "function", False),
        (not_("function"), "null", True),
        (in_("a", "b"), "b", True),
        (in_("a", "b"), "c", False),
        (over(10), 11, True),
        (over(10), 10, False),
        (over(10), None, False),
        (over(0), True, False),  # a bool is not a number here, as in JS's typeof
    ],
)
def test_tests_hold_as_documented(test: object, fact: object, holds: bool) -> None:
    assert test.holds(fact) is holds  # type: ignore[attr-defined]


def test_in_exports_a_sorted_list() -> None:
    assert in_("b", "a").export() == {"in": ["a", "b"]}


def test_the_first_rule_that_applies_wins() -> None:
    strict = profile_named("strict")
    facts = {"tag": "[object String]", "length": None, "bytes_ok": False}
    assert strict.decide("send", {**facts, "trashed": True, "member": False}).message == (
        "realtime listener data must be a Uint8Array"
    )
    rule = strict.decide("send", {"tag": "", "length": 5, "bytes_ok": True, "trashed": False})
    assert rule.send


def test_a_message_is_rendered_with_the_facts_and_the_limit() -> None:
    rule = profile_named("strict").calls["send"][2]
    assert rule.render({"length": 128001}) == (
        "realtime listener data is too large: 128001 bytes, the limit is 128000 bytes"
    )


def test_the_table_carries_the_frame_layout_and_the_contract_its_codes() -> None:
    from webxdc_realtime.browser.contract import Received, export_contract
    from webxdc_realtime.core.frame import HEADER_SIZE, encode_header

    layout = export_rules()["frame"]
    header = encode_header(FrameKind.DATA, b"t" * 16, b"sender-8", 258, 7)
    assert isinstance(layout, dict) and layout["header_size"] == HEADER_SIZE
    assert header[layout["kind_at"]] == FrameKind.DATA
    sender, number = layout["sender_at"], layout["number_size"]
    assert header[sender : sender + layout["sender_size"]] == b"sender-8"
    assert int.from_bytes(header[layout["seq_at"] : layout["seq_at"] + number], "big") == 258
    assert int.from_bytes(header[layout["length_at"] : layout["length_at"] + number], "big") == 7
    assert layout["length_at"] + number == HEADER_SIZE  # the length field ends the header
    codes = export_contract()["received"]
    assert codes == {"NOTHING": 0, "DELIVER": 1, "NEEDS_PAYLOAD": 2}
    assert set(codes.values()) == {int(code) for code in Received}
