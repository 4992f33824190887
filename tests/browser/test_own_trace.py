"""A tab of its own keeps its own trace when asked (``?trace=on``, docs/TRACE.md): what it
sent, what became of each frame it got, what it was thrown; a tab not asked keeps none."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest

from webxdc_realtime.host.trace import read

from .conftest import wait_for

pytestmark = pytest.mark.browser

FILE = """webxdcRealtime.traceFile().then(async (blob) => {
  if (!blob) return null;
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
})"""


def test_a_tab_asked_keeps_its_own_trace(fresh: Any, tmp_path: Path) -> None:
    room = f"own-trace-{uuid.uuid4().hex[:8]}"
    ada = fresh(f"app.html?chat={room}&trace=on#addr=ada@x&name=Ada")
    ben = fresh(f"app.html?chat={room}#addr=ben@x&name=Ben")
    ada.js("T.join()")
    ben.js("T.join()")
    ada.js("T.send([1, 2, 3])")
    assert wait_for(lambda: ben.js("T.arrays()") == [[1, 2, 3]])
    ben.js("T.send([4]); T.send([5])")
    assert wait_for(lambda: len(ada.js("T.arrays()")) == 2)
    assert ada.js("T.error(() => T.ch.send('not bytes'))")["message"].endswith("Uint8Array")
    assert ben.js(FILE) is None  # not asked
    path = tmp_path / "ada.jsonl.gz"
    path.write_bytes(base64.b64decode(ada.js(FILE)))
    trace = read(path)
    assert [p["addr"] for p in trace.header["peers"]] == ["ada@x"]
    assert (trace.header["chat"], trace.header["instance"]) == (room, "/tests/browser/pages/")
    sent = [e for e in trace.events if e["kind"] == "send"]
    assert [(e["size"], base64.b64decode(e["payload"])) for e in sent] == [(3, b"\x01\x02\x03")]
    got = [e for e in trace.events if e["kind"] == "receive" and e["verdict"] == "delivered"]
    assert [e["size"] for e in got] == [1, 1]
    assert [e["seq"] for e in got] == sorted(e["seq"] for e in got)
    assert [
        (e["call"], e["message"].endswith("Uint8Array"))
        for e in trace.events
        if e["kind"] == "error"
    ] == [("send", True)]
    assert [e["kind"] for e in trace.events if e["kind"] in ("join", "leave")] == ["join"]
