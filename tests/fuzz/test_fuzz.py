"""A short fuzz run in every ``make test`` (``make fuzz`` runs a million frames)."""

from __future__ import annotations

import pytest

from webxdc_realtime import Dropped, DropReason
from webxdc_realtime.core import receiver as receiver_module

from .fuzzer import run, summary


def test_twenty_thousand_bad_and_good_frames() -> None:
    report = run(20_000, seed=11)
    assert report.failures == [], summary(report)
    assert report.frames >= 20_000
    assert report.rejected > 5000 and report.decoded > 5000
    seen = set()
    for receiver in report.receivers:
        seen |= {k for k, v in receiver.outcomes.items() if v}
    # Every way a frame can end, somewhere.
    expected = {"delivered", "announcement"} | {
        r.value for r in DropReason if r is not DropReason.NET_PARTITION
    }
    assert expected <= seen


def test_the_fuzzer_sees_a_frame_dropped_for_the_wrong_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong(self: receiver_module.Receiver, reason: DropReason, detail: str = "") -> Dropped:
        if reason is DropReason.FOREIGN_TOPIC:
            reason = DropReason.MALFORMED
        self.counters.dropped[reason.value] += 1
        return Dropped(reason, detail)

    monkeypatch.setattr(receiver_module.Receiver, "_drop", wrong)
    report = run(2000, seed=11)
    assert any("a foreign frame dropped as malformed" in f for f in report.failures)


def test_the_fuzzer_sees_an_exception_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    real = receiver_module.decode_header

    def broken(head: bytes, frame_length: int) -> object:
        if frame_length == 40:
            raise IndexError("a bug")
        return real(head, frame_length)

    monkeypatch.setattr(receiver_module, "decode_header", broken)
    report = run(5000, seed=11)
    assert any(f.startswith("exception: IndexError: a bug") for f in report.failures)
