"""Delta Chat's connection phase through the command (`run --net deltachat`), with an app
that says hello once at start and the same app resending until answered (tests/apps/hello).

On a perfect network the later peer's hello reaches the earlier one, which answers: the
one-hello app works in every simulator. Under the preset, frames between two peers are lost
until their pair is connected, a second or more after joining: the hello is lost and
nobody hears anybody, as on real devices; resent every second, it gets through."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, HostPage, run, wait_for

pytestmark = pytest.mark.browser

HELLO = ROOT / "tests" / "apps" / "hello"


def hellos(peers: list[Any]) -> list[dict[str, Any]]:
    return [peer.evaluate("window.hello") for peer in peers]


def resending(tmp_path: Path) -> Path:
    """The hello app, resending its hello every second until someone answers."""
    app = tmp_path / "hello-until-answered"
    shutil.copytree(HELLO, app)
    index = app / "index.html"
    index.write_text(index.read_text().replace('data-resend-ms="off"', 'data-resend-ms="1000"'))
    return app


def test_one_hello_at_start_works_on_a_perfect_network(host_page: Any) -> None:
    with run(HELLO, "--peers", "2") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        peers = host.peers()
        assert wait_for(lambda: all(h["heard"] for h in hellos(peers)), timeout=20)
        assert [h["heard"] for h in hellos(peers)] == [["Ben"], ["Ada"]]
        assert [h["sent"] for h in hellos(peers)] == [1, 1]


def test_one_hello_at_start_is_lost_on_delta_chats_network(host_page: Any) -> None:
    with run(HELLO, "--peers", "2", "--net", "deltachat") as command:
        assert command.said('network "deltachat"')
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        peers = host.peers()
        assert wait_for(lambda: all(p.evaluate("webxdcRealtime.stats().peers") for p in peers))
        # Once every pair is connected (the phase is 1 to 4 s), and the longest delay of the
        # preset (120 ms) later, a hello not heard is lost for good.
        connected = "webxdcRealtime.stats().connecting.length === 0"
        assert wait_for(lambda: all(p.evaluate(connected) for p in peers), timeout=10)
        time.sleep(0.3)
        assert [h["heard"] for h in hellos(peers)] == [[], []]
        assert [h["sent"] for h in hellos(peers)] == [1, 1]
        # The later peer's hello was sent, and dropped at the earlier one for want of a link.
        dropped = [p.evaluate("webxdcRealtime.stats().dropped") for p in peers]
        assert sum(d.get("net_not_connected", 0) for d in dropped) >= 1, dropped
        shown = [p.inner_text("#status") for p in peers]
        assert shown == ["heard nobody; sent 1 hello(s) (once, at start)"] * 2


def test_a_hello_resent_until_answered_gets_through(host_page: Any, tmp_path: Path) -> None:
    with run(resending(tmp_path), "--peers", "2", "--net", "deltachat") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        peers = host.peers()
        assert wait_for(lambda: all(h["heard"] for h in hellos(peers)), timeout=20)
        said = hellos(peers)
        assert [h["heard"] for h in said] == [["Ben"], ["Ada"]]
        # It took more than one hello: the first were lost while the pair was connecting.
        assert max(h["sent"] for h in said) > 1, said
        dropped = [p.evaluate("webxdcRealtime.stats().dropped") for p in peers]
        assert sum(d.get("net_not_connected", 0) for d in dropped) >= 1, dropped
        shown = [p.inner_text("#status") for p in peers]
        assert all(text.startswith("heard ") for text in shown), shown
