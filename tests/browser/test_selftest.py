"""The realtime self-test app (dist/realtime-selftest.xdc) against our own runtime.

The .xdc is unpacked beside a copy of dist/ (our webxdc.js stands in for a messenger's),
and two copies run in two tabs of one chat, under each host profile. Under strict every
row passes; under desktop and mobile the report shows exactly the differences that
SPEC.md section 4 lists, and nothing else. Rows no app can observe say so.
"""

from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ROOT, Tab, serve

# One worker for the module under pytest-xdist: what it makes once per module is costly.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("selftest")]

XDC = ROOT / "dist" / "realtime-selftest.xdc"
PROFILES = ["strict", "desktop", "mobile"]
# SPEC.md section 4, as the self-test's row ids: what differs from section 2, per host.
DIFFERS = {
    "strict": set(),
    "desktop": {"6", "8-listener", "9"},  # setListener takes anything; no size check
    "mobile": {"3", "6", "7", "8-send", "8-listener", "9"},
}
NOT_OBSERVABLE = {"19", "21", "22"}


@pytest.fixture(scope="module")
def selftest_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("selftest-site")
    app = root / "selftest"
    shutil.copytree(ROOT / "dist", app, ignore=shutil.ignore_patterns(".stamp", "*.xdc"))
    with zipfile.ZipFile(XDC) as xdc:
        xdc.extractall(app)
    with serve(root) as url:
        yield url + "/selftest/"


@pytest.fixture(scope="module")
def reports(browser: Any, selftest_url: str) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Two copies per profile, all six tabs at once, each profile in its own chat; and one
    copy alone. Returns each tab's report (``window.selftest``) once every pair is done."""
    context = browser.new_context()
    tabs: dict[str, Tab] = {}
    for profile in PROFILES:
        for name in ("Ada", "Ben"):
            tab = Tab(context.new_page())
            tab.page.goto(
                f"{selftest_url}?profile={profile}&chat=self-{profile}#name={name}&addr={name}@x"
            )
            tabs[f"{profile}/{name}"] = tab
    alone = Tab(context.new_page())
    alone.page.goto(f"{selftest_url}?chat=self-alone")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all(t.js("window.selftest?.phase") == "done" for t in tabs.values()):
            break
        time.sleep(0.5)
    got = {key: tab.js("window.selftest") for key, tab in tabs.items()}
    got["alone"] = alone.js("window.selftest")
    try:
        yield got
    finally:
        context.close()


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {row["id"]: row["status"] for row in report["rows"]}


@pytest.mark.parametrize("profile", PROFILES)
def test_the_report_shows_exactly_the_profiles_differences(
    reports: dict[str, Any], profile: str
) -> None:
    for name in ("Ada", "Ben"):
        report = reports[f"{profile}/{name}"]
        assert report["phase"] == "done", report
        assert report["host"] == f'webxdc-realtime 0.1.0, host profile "{profile}"'
        got = verdicts(report)
        assert len(got) == 25
        assert {i for i, s in got.items() if s == "differs"} == DIFFERS[profile], report["rows"]
        assert {i for i, s in got.items() if s == "not observable"} == NOT_OBSERVABLE
        assert {i for i, s in got.items() if s == "pass"} == (
            set(got) - DIFFERS[profile] - NOT_OBSERVABLE
        )


def test_what_a_lax_host_did_is_in_the_report(reports: dict[str, Any]) -> None:
    rows = {row["id"]: row for row in reports["mobile/Ada"]["rows"]}
    assert rows["3"]["observed"] == "no error"
    assert rows["7"]["observed"].startswith("a string: no error; an Array: no error;")
    assert 'undefined: throws TypeError("undefined is not iterable' in rows["7"]["observed"]
    assert rows["9-delivery"]["observed"] == "arrived: 128000 bytes, intact"
    strict = {row["id"]: row for row in reports["strict/Ben"]["rows"]}
    assert strict["9"]["observed"] == (
        '128001 bytes: throws Error("realtime listener data is too large: 128001 bytes, '
        'the limit is 128000 bytes"); 128000 bytes: no error'
    )


def test_alone_it_checks_the_page_and_waits_for_a_second_copy(reports: dict[str, Any]) -> None:
    alone = reports["alone"]
    assert alone["phase"] == "pairing"
    assert alone["status"] == "waiting for a second copy of this app in this chat…"
    local = [row for row in alone["rows"] if not row["pair"]]
    pair = [row for row in alone["rows"] if row["pair"]]
    assert {row["status"] for row in local} == {"pass", "not observable"}
    assert {row["status"] for row in pair} == {"pending"}
    assert {row["observed"] for row in pair} == {"needs a second copy of this app in this chat"}


def test_the_xdc_is_a_webxdc_app_without_a_webxdc_js() -> None:
    with zipfile.ZipFile(XDC) as xdc:
        names = set(xdc.namelist())
        manifest = xdc.read("manifest.toml").decode()
    assert {"index.html", "manifest.toml", "icon.png", "selftest.js"} <= names
    assert "webxdc.js" not in names  # the host provides it
    assert 'name = "Realtime self-test"' in manifest
