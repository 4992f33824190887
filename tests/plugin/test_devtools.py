"""The host page's devtools: conditions set from its controls reach every peer, what
crosses the network is logged and drawn, and closed they cost nothing per frame."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import PINGBOARD
from conftest import node_tests

pytestmark = pytest.mark.browser


def send(peer: Any, *texts: str) -> None:
    peer.evaluate("(texts) => texts.forEach((t) => fixture.send(t))", list(texts))


def entries(app: Any) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = app.page.evaluate(
        "host.devtools.traffic.entries.map((e) => ({kind: e.kind, from: e.from, size: e.size,"
        " fates: Object.fromEntries(e.fates)}))"
    )
    return got


def test_closed_the_devtools_cost_nothing_per_frame(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=2)
    ada, ben = app.peers
    send(ada, "unseen")
    ben.wait_for("fixture.pings.length >= 1")
    assert ada.evaluate("webxdcRealtime.config && window.webxdcRealtime.tap !== undefined")
    assert entries(app) == []  # no frame was reported: the peers were not tapped


def test_open_they_log_every_frame_with_what_became_of_it(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=3)
    ada, ben, cleo = app.peers
    app.page.click("#tools")
    app.network.partition([ada, ben], [cleo])
    send(ada, "hello")
    ben.wait_for("fixture.pings.length >= 1")
    app.wait_until(lambda: len(entries(app)) == 1 and len(entries(app)[0]["fates"]) == 2, 10, "log")
    (entry,) = entries(app)
    assert entry == {
        "kind": "frame",
        "from": ada.addr,
        "size": 5,
        "fates": {ben.addr: "delivered", cleo.addr: "dropped: net_partition"},
    }
    rows = app.page.evaluate(
        "Array.from(document.querySelectorAll('.log tbody tr td'), (td) => td.textContent)"
    )
    assert rows[1:6] == [
        "frame",
        "Ada",
        "Ben: delivered, Cleo: dropped: net_partition",
        "5 B",
        "UTF-8 hello",
    ]
    svg = app.page.inner_html(".lanes")
    assert "✕" in svg and "Cleo" in svg
    # An update, held for Cleo by the partition.
    ada.frame.click("#add")
    app.wait_until(lambda: any(e["kind"] == "update" for e in entries(app)), 10, "the update")
    update = next(e for e in entries(app) if e["kind"] == "update")
    app.wait_until(
        lambda: len(next(e for e in entries(app) if e["kind"] == "update")["fates"]) == 2,
        10,
        "fates",
    )
    assert next(e for e in entries(app) if e["kind"] == "update")["fates"] == {
        ben.addr: "delivered",
        cleo.addr: "held",
    }
    assert update["from"] == ada.addr
    # Counters, read each second while open: the reading after the partition's drop (the
    # one taken as the devtools opened may be all there is yet).
    app.wait_until(lambda: app.page.locator(".counters .table tr").count() == 4, 10, "counters")
    app.wait_until(
        lambda: "net_partition" in app.page.inner_text(".counters .table"), 10, "the drop"
    )
    # Closing stops the reports.
    app.page.click("#tools")
    assert ada.evaluate("webxdcRealtime.stats() && true")
    count = len(entries(app))
    send(ada, "not logged")
    ben.wait_for("fixture.pings.length >= 2")
    time.sleep(0.3)
    assert len(entries(app)) == count


def test_the_controls_set_the_conditions_of_every_peer(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=3)
    ada, ben, cleo = app.peers
    app.page.click("#tools")
    slider = app.page.locator('input[data-name="loss"]')
    slider.fill("30")
    slider.dispatch_event("change")
    app.network.settled(5)
    app.wait_until(lambda: ben.evaluate("webxdcRealtime.network.state.all.loss") == 0.3, 10, "loss")
    app.page.locator('tr:has(th:text("Ada")) input[type=checkbox]').first.uncheck()
    app.wait_until(
        lambda: (
            cleo.evaluate("webxdcRealtime.network.state.links")
            == [{"from": ada.addr, "to": ben.addr, "loss": 1.0}]
        ),
        10,
        "the link",
    )
    app.page.select_option(f'select[data-addr="{cleo.addr}"]', "B")
    app.page.select_option(f'select[data-addr="{ada.addr}"]', "A")
    app.wait_until(
        lambda: (
            ben.evaluate("webxdcRealtime.network.state.partitions") == [[ada.addr], [cleo.addr]]
        ),
        10,
        "the partition",
    )
    app.page.locator('tr:has(th:text("Ben")) button:text("online")').click()
    app.wait_until(
        lambda: ada.evaluate("webxdcRealtime.network.state.offline") == {ben.addr: "hold"},
        10,
        "offline",
    )
    app.page.click('button:text("Perfect network")')
    app.wait_until(lambda: not ada.evaluate("webxdcRealtime.stats().network"), 10, "the fast path")


def test_payloads_are_shown_as_json_msgpack_text_or_hex(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=1)
    describe = "([bytes, size]) => host.describe(bytes, size)"
    text = list(b'{"a": [1, 2]}')
    assert app.page.evaluate(describe, [text, len(text)]) == ["JSON", '{"a":[1,2]}']
    assert app.page.evaluate(describe, [[0x81, 0xA1, 0x61, 0x01], 4]) == ["msgpack", '{"a":1}']
    assert app.page.evaluate(describe, [list(b"hi there"), 100]) == ["UTF-8", "hi there …"]
    assert app.page.evaluate(describe, [[0, 1, 255], 3]) == ["hex", "00 01 ff"]


def test_the_log_exports_and_imports_as_json(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=2)
    ada, ben = app.peers
    app.page.click("#tools")
    send(ada, "kept")
    app.wait_until(lambda: len(entries(app)) == 1 and entries(app)[0]["fates"], 10, "the frame")
    exported = app.page.evaluate("host.devtools.export()")
    assert exported["format"] == "webxdc-realtime devtools log 1"
    assert [p["name"] for p in exported["peers"]] == ["Ada", "Ben"]
    assert exported["entries"][0]["fates"] == {ben.addr: "delivered"}
    app.page.evaluate("host.devtools.traffic.entries = []; host.devtools.traffic.byKey = new Map()")
    app.page.evaluate("(data) => host.devtools.import(data)", json.loads(json.dumps(exported)))
    assert entries(app) == [
        {"kind": "frame", "from": ada.addr, "size": 4, "fates": {ben.addr: "delivered"}}
    ]
    assert app.page.evaluate("host.devtools.paused") is True


def test_the_model_and_the_diagram_alone_in_node() -> None:
    """The devtools' model and diagram have no page of their own: tested alone, in Node."""
    node_tests(Path(__file__).with_name("devtools-model.test.mjs"), passes=5)
