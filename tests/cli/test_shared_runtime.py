"""One Python runtime for the peers of a host page (js_glue/runtime-share): peers borrow
the host page's, each with its own endpoint in it; a peer that goes lets go of what it held
(100 reloads leave no endpoint behind); a page on its own loads its own runtime."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import PINGBOARD, HostPage, run, wait_for

pytestmark = pytest.mark.browser

# Objects of the core alive in the shared runtime after a collection, and those of the
# adapter that still hold them or a page's functions (once closed, one holds neither).
COUNT = """async () => {
  const py = await host.runtime.pyodide();
  return py.runPython(`
import gc
from webxdc_realtime.browser.adapter import BrowserEndpoint, BrowserUpdates
from webxdc_realtime.core.channel import Endpoint
from webxdc_realtime.core.updates import UpdateLog
gc.collect()
kinds = (Endpoint, UpdateLog, BrowserEndpoint, BrowserUpdates)
core, holds = (Endpoint, UpdateLog), ("endpoint", "_shapes", "log")
names = [
    type(o).__name__ for o in gc.get_objects()
    if isinstance(o, core) or (isinstance(o, kinds) and any(hasattr(o, h) for h in holds))
]
{name: names.count(name) for name in sorted(set(names))}
`).toJs({ dict_converter: Object.fromEntries });
}"""

# Reload the first peer n times, each time until it is live again.
RELOAD = """async (n) => {
  const frame = document.querySelector("section.peer iframe");
  for (let i = 0; i < n; i++) {
    await new Promise((loaded) => {
      frame.addEventListener("load", loaded, { once: true });
      frame.contentWindow.location.reload();
    });
    await frame.contentWindow.webxdcRealtime.ready;
  }
}"""

EACH = {"BrowserEndpoint": 1, "BrowserUpdates": 1, "Endpoint": 1, "UpdateLog": 1}


def alive(host: HostPage) -> dict[str, int]:
    counts: dict[str, int] = host.js(COUNT)
    return counts


def test_the_peers_share_the_host_pages_runtime(host_page_in: Any) -> None:
    with run(PINGBOARD, "--peers", "3") as command:
        host: HostPage = host_page_in(command.url)
        host.wait_live(3)
        peers = host.peers()
        assert [p.evaluate("webxdcRealtime.timings.mode") for p in peers] == ["shared"] * 3
        assert host.js("host.runtime.peers()") == 3
        # Each peer's update log comes once its IndexedDB is open, a little after live.
        assert wait_for(lambda: alive(host) == {name: 3 * n for name, n in EACH.items()})
        # One wasm memory for all: the same object's size, seen from each peer.
        sizes = {p.evaluate("webxdcRealtime.memory().wasm") for p in peers}
        assert len(sizes) == 1 and sizes.pop() > 0
        # What an app sees is of its own realm: errors, the data it gets.
        ada, ben, _ = peers
        thrown = ada.evaluate(
            """() => {
              const caught = [];
              const calls = [
                () => fixture.channel.setListener(1), () => webxdc.joinRealtimeChannel()
              ];
              for (const call of calls) {
                try { call(); } catch (e) { caught.push([e.constructor.name, e instanceof Error,
                  e instanceof TypeError]); }
              }
              return caught;
            }"""
        )
        assert thrown == [["TypeError", True, True], ["Error", True, False]]
        ada.click("#ping")
        assert wait_for(lambda: ben.evaluate("fixture.realms") == [True])


def test_a_peer_that_goes_lets_go_of_what_it_held(host_page: Any) -> None:
    with run(PINGBOARD, "--peers", "2") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        two = {name: 2 * n for name, n in EACH.items()}
        assert wait_for(lambda: alive(host) == two)
        # Each reload counted exactly: an object left behind by one reload in ten shows in 30
        # reloads 19 times in 20 (100 took 10 s more).
        host.js(RELOAD, 30)
        host.wait_live(2)
        assert wait_for(lambda: alive(host) == two)
        assert host.js("host.runtime.peers()") == 2
        # Removed: its endpoint goes too.
        host.page.click('section[data-addr="ada@peers.localhost"] button[title="Remove this peer"]')
        assert wait_for(lambda: host.js("host.peers.length") == 1)
        assert wait_for(lambda: alive(host) == EACH)
        assert host.js("host.runtime.peers()") == 1
        # The one left still talks to a peer added after.
        host.page.click("#add")
        host.wait_live(2)
        ben, cleo = host.peers()
        ben.click("#ping")
        assert wait_for(lambda: cleo.evaluate("fixture.pings") == ["ping from Ben"])


def test_a_page_on_its_own_loads_its_own_runtime(host_page: Any) -> None:
    with run(PINGBOARD, "--peers", "1") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(1)
        alone = host.context.new_page()
        alone.goto(command.url.replace("/_webxdc-realtime/", "/"))
        alone.wait_for_function("window.webxdcRealtime?.status === 'live'")
        assert alone.evaluate("webxdcRealtime.timings.mode") in ("snapshot", "plain")
        assert host.js("host.runtime.peers()") == 1
