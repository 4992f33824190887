"""Choosing a host profile: `?profile=` in the URL, else `data-profile` on the script tag,
else strict; shown in `webxdcRealtime.config` and once on the console."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engines(
        "chromium",
        reason="a page's settings are read by the glue's config.js and the core's table, the"
        " same JS and wasm in both engines; Firefox's pages take their profile in the"
        " differential and self-test tests",
    ),
]


def test_strict_is_the_default_and_says_so_once(fresh: Any) -> None:
    tab = fresh("app.html")
    assert tab.js("webxdcRealtime.config.profile") == "strict"
    said = tab.said("info", "host profile")
    assert said == [
        'webxdc realtime: host profile "strict" (SPEC.md section 2: Delta Chat desktop\'s '
        "messages, and the size checked in the page); differences from SPEC.md section 2: "
        "none: every rule of SPEC.md section 2 throws at the call"
    ]


def test_the_url_chooses_the_profile(fresh: Any) -> None:
    tab = fresh("app.html?profile=mobile")
    assert tab.js("webxdcRealtime.config.profile") == "mobile"
    assert tab.js("webxdcRealtime.profile.send_reads") == "array-from"
    (said,) = tab.said("info", "host profile")
    assert said.startswith('webxdc realtime: host profile "mobile" (Delta Chat Android and iOS')
    assert tab.js("webxdcRealtime.stats().profile") == "mobile"  # the core agrees
    tab.js("T.join(); T.join()")  # no error: the second join replaces the first


def test_the_script_tag_chooses_when_the_url_does_not(fresh: Any) -> None:
    tag = fresh("profiled.html", wait=False)
    url = fresh("profiled.html?profile=strict", wait=False)
    assert tag.js("webxdcRealtime.config.profile") == "desktop"
    assert url.js("webxdcRealtime.config.profile") == "strict"
    tag.wait_live()
    assert tag.js("webxdcRealtime.stats().profile") == "desktop"
    tag.js("T.join()")
    assert tag.js("T.error(() => T.ch.setListener(42))") is None  # desktop takes anything


def test_an_unknown_profile_is_reported_and_strict_applies(fresh: Any) -> None:
    tab = fresh("app.html?profile=tablet", wait=False)
    assert tab.js("webxdcRealtime.config.profile") == "strict"
    assert wait_for(
        lambda: tab.said(
            "error",
            'unknown host profile "tablet" (use one of strict, desktop, mobile); using "strict"',
        )
    )
