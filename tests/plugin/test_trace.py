"""The pytest plugin keeps the trace of a failing test's session (``--webxdc-trace``,
docs/TRACE.md) and names it in the failure's report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import PINGBOARD, ROOT
from webxdc_realtime.core.network import NetworkError
from webxdc_realtime.host.trace import FORMAT, VERSION, Trace, read, write

FAILING = f"""
def test_the_ping_reaches_cleo(webxdc_app):
    app = webxdc_app({str(PINGBOARD)!r}, peers=3)
    ada, ben, cleo = app.peers
    app.network.partition([ada, ben], [cleo])
    ada.evaluate("fixture.send('before the heal')")
    ben.wait_for("fixture.pings.length === 1")
    assert cleo.evaluate("fixture.pings") == ["before the heal"], "on purpose"


def test_its_page_is_gone(webxdc_app):
    app = webxdc_app({str(PINGBOARD)!r}, peers=1)
    app.page.close()
    assert False, "gone on purpose"
"""


def test_a_failing_test_leaves_its_trace_named_in_its_report(tmp_path: Path) -> None:
    test = tmp_path / "test_app.py"
    test.write_text(FAILING)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", str(test), "-p", "no:cacheprovider"),
            *("--basetemp", str(tmp_path / "base")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed" in done.stdout and "INTERNALERROR" not in done.stdout, done.stdout
    # A trace that cannot be kept is said so; the test's own failure stands.
    assert "could not be kept: " in done.stdout
    assert "on purpose" in done.stdout
    assert "webxdc-realtime trace" in done.stdout  # the report's section
    named = re.search(
        r"^(\S+\.jsonl\.gz)  \(webxdc-realtime trace \1 --summary\)$", done.stdout, re.M
    )
    assert named, done.stdout
    path = Path(named[1])
    assert path.parent == tmp_path / "base" / "webxdc-traces"
    trace = read(path)
    sent = [e for e in trace.events if e["kind"] == "send"]
    assert [(e["peer"], e["payload"]) for e in sent] == [
        ("ada@peers.localhost", "YmVmb3JlIHRoZSBoZWFs")  # "before the heal"
    ]
    fates = {
        e["peer"]: (e["verdict"], e.get("reason"))
        for e in trace.events
        if e["kind"] == "receive" and e["id"] == sent[0]["id"] and e["seq"] == sent[0]["seq"]
    }
    assert fates == {
        "ben@peers.localhost": ("delivered", None),
        "cleo@peers.localhost": ("dropped", "net_partition"),
    }


def test_an_app_starts_with_a_traces_network(webxdc_app: Any, tmp_path: Path) -> None:
    network = {"seed": 9, "all": {"loss": 0.5}, "partitions": [["ada@peers.localhost"]]}
    path = tmp_path / "t.jsonl.gz"
    write(path, Trace({"format": FORMAT, "version": VERSION, "network": network}))
    app = webxdc_app(PINGBOARD, peers=2, net_from=path)
    state = app.network.state
    assert (state["seed"], state["all"], state["partitions"]) == (
        9,
        {"loss": 0.5},
        [["ada@peers.localhost"]],
    )
    with pytest.raises(NetworkError, match="loss must be"):
        webxdc_app(PINGBOARD, peers=2, net="loss=300%")
