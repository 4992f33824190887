"""Network conditions from the page URL (`?net=`), for apps run without the host page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from .conftest import wait_for
from .test_multitab import settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engines(
        "chromium",
        reason="?net= is parsed by the core (network_forms.py), the same wasm in both engines;"
        " Firefox's pages carry conditions in the plugin's partition and offline tests",
    ),
]


def test_net_in_the_url_applies_to_every_peer_of_the_scope(fresh: Any) -> None:
    net = quote("link=a@x>b@x, loss=100%; seed=3")
    a = fresh(f"app.html?chat=net-url&net={net}#addr=a@x&name=A", wait=False)
    b = fresh("app.html?chat=net-url#addr=b@x&name=B", wait=False)
    a.wait_live()
    b.wait_live()
    a.js("T.join()")
    b.js("T.join()")
    assert wait_for(lambda: a.stats()["peers"] == 1)  # b to a gets through; a to b does not
    state = a.js("webxdcRealtime.network.state")
    assert state["links"] == [{"from": "a@x", "to": "b@x", "loss": 1.0}]
    assert wait_for(lambda: b.js("webxdcRealtime.network.state") == state)
    a.js("T.send([1])")
    b.js("T.send([2])")
    settle(a, count=1)
    assert a.js("T.arrays()") == [[2]]
    # Lost on a > b: a's join announcement, then its data.
    assert wait_for(lambda: b.stats()["dropped"].get("net_loss") == 2)
    assert b.js("T.got.length") == 0
    a.js("webxdcRealtime.network.reset()")
    assert wait_for(lambda: not b.stats()["network"])  # the fast path again


def test_a_bad_net_is_reported_naming_what_is_wrong(fresh: Any) -> None:
    tab = fresh(f"app.html?chat=net-bad&net={quote('loss=lots')}")
    assert wait_for(lambda: tab.said("error", "?net= / data-net"))
    (said,) = tab.said("error", "?net= / data-net")
    assert (
        said == "webxdc realtime: ?net= / data-net: net: loss takes a number (units: %), not 'lots'"
    )
