"""`webxdc-realtime run APP` end to end: the command, its host page, three peers of a real
app (tests/apps/pingboard: updates with a listener set at start, realtime, a device id in
localStorage, a visit counter in IndexedDB, a fetch the CSP must block)."""

from __future__ import annotations

import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import COMMAND, PINGBOARD, ROOT, HostPage, run, wait_for

pytestmark = pytest.mark.browser


def notes(frame: Any) -> list[list[int]]:
    got: list[list[int]] = frame.evaluate(
        "fixture.notes.map((n) => [n.payload.n, n.serial, n.max_serial])"
    )
    return got


def test_three_peers_share_updates_and_realtime_and_keep_their_own_storage(
    host_page: Any,
) -> None:
    with run(PINGBOARD, "--peers", "3") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(3)
        ada, ben, cleo = host.peers()
        assert [f.evaluate("webxdc.selfName") for f in (ada, ben, cleo)] == ["Ada", "Ben", "Cleo"]
        assert len({f.evaluate("webxdc.selfAddr") for f in (ada, ben, cleo)}) == 3
        # Storage per peer: the same key, three values; the same database, three counters.
        devices = [f.evaluate("localStorage.getItem('device-id')") for f in (ada, ben, cleo)]
        assert len(set(devices)) == 3 and all(devices)
        assert [f.evaluate("fixture.visits") for f in (ada, ben, cleo)] == [1, 1, 1]
        # Updates reach all three, the sender too, numbered per peer.
        assert wait_for(lambda: all(f.evaluate("fixture.ready") for f in (ada, ben, cleo)))
        ada.click("#add")
        assert wait_for(lambda: all(notes(f) == [[1, 1, 1]] for f in (ada, ben, cleo)))
        cleo.click("#add")
        assert wait_for(lambda: all(notes(f) == [[1, 1, 1], [2, 2, 2]] for f in (ada, ben, cleo)))
        # Realtime: never the sender.
        ben.click("#ping")
        assert wait_for(lambda: ada.evaluate("fixture.pings") == ["ping from Ben"])
        assert wait_for(lambda: cleo.evaluate("fixture.pings") == ["ping from Ben"])
        assert ben.evaluate("fixture.pings") == []
        # What the chat shows: info lines, the newest summary and document, notifications
        # for the receivers only.
        chat = host.js("host.chat")
        assert [
            (line["kind"], line["text"]) for line in chat["lines"] if line["kind"] == "info"
        ] == [
            ("info", "Ada added note 1"),
            ("info", "Cleo added note 2"),
        ]
        assert (chat["summary"], chat["document"]) == ("2 notes", "Pingboard")
        notified = sorted(
            (line["peer"], line["text"]) for line in chat["lines"] if line["kind"] == "notify"
        )
        assert notified == [
            ("ada@peers.localhost", "Cleo added a note"),
            ("ben@peers.localhost", "Ada added a note"),
            ("ben@peers.localhost", "Cleo added a note"),
            ("cleo@peers.localhost", "Ada added a note"),
        ]
        assert command.said("peers: all 3 live")


def test_a_reload_replays_the_history_and_reset_clears_everything(host_page: Any) -> None:
    with run(PINGBOARD, "--peers", "3") as command:
        host = host_page(command.url)
        host.wait_live(3)
        ada, ben, _ = host.peers()
        assert wait_for(lambda: ben.evaluate("fixture.ready"))
        ada.click("#add")
        ada.click("#add")
        assert wait_for(lambda: notes(ben) == [[1, 1, 1], [2, 2, 2]])  # as they came
        device = ben.evaluate("fixture.device")
        host.page.click('section[data-addr="ben@peers.localhost"] button[title="Reload this peer"]')
        host.wait_live(3)
        ben = host.peers()[1]
        assert wait_for(lambda: ben.evaluate("fixture.ready"))
        # The history, with the same serials; max_serial is what the peer knows now.
        assert notes(ben) == [[1, 1, 2], [2, 2, 2]]
        assert ben.evaluate("[fixture.device, fixture.visits]") == [device, 2]
        host.page.click("#reset")
        host.wait_live(3)
        peers = host.peers()
        assert wait_for(lambda: all(f.evaluate("fixture.ready") for f in peers))
        assert [notes(f) for f in peers] == [[], [], []]
        assert [f.evaluate("fixture.visits") for f in peers] == [1, 1, 1]
        assert peers[1].evaluate("fixture.device") != device
        assert host.js("host.chat.lines") == []


def test_an_xdc_runs_straight_from_the_zip(host_page: Any, tmp_path: Path) -> None:
    xdc = tmp_path / "pingboard.xdc"
    with zipfile.ZipFile(xdc, "w") as archive:
        for path in sorted(PINGBOARD.iterdir()):
            archive.write(path, path.name)
    with run(xdc, "--peers", "3") as command:
        assert command.said('serving "Pingboard"')
        host = host_page(command.url)
        host.wait_live(3)
        assert host.js("document.querySelector('#name').textContent") == "Pingboard"
        assert host.js("document.querySelector('#icon').naturalWidth") == 128
        ada, ben, cleo = host.peers()
        assert wait_for(lambda: all(f.evaluate("fixture.ready") for f in (ada, ben, cleo)))
        ben.click("#add")
        assert wait_for(lambda: all(notes(f) == [[1, 1, 1]] for f in (ada, ben, cleo)))


def test_the_csp_denies_the_app_the_network_unless_switched_off(host_page: Any) -> None:
    with run(PINGBOARD, "--peers", "1") as command:
        host = host_page(command.url)
        host.wait_live(1)
        (peer,) = host.peers()
        assert wait_for(lambda: peer.evaluate("fixture.fetch") != "pending")
        assert peer.evaluate("fixture.fetch") == "blocked: Failed to fetch"
        assert any(
            "violates the following Content Security Policy directive" in text
            for _, text in host.log()
        )
        with urllib.request.urlopen(command.origin + "/index.html") as response:
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self';")
    with run(PINGBOARD, "--peers", "1", "--no-csp") as command:
        with urllib.request.urlopen(command.origin + "/index.html") as response:
            assert response.headers["Content-Security-Policy"] is None
        assert command.said("without the Content-Security-Policy")


def test_our_webxdc_js_replaces_the_apps_own(tmp_path: Path) -> None:
    app = tmp_path / "shipped"
    app.mkdir()
    (app / "index.html").write_text('<script src="webxdc.js"></script>')
    (app / "webxdc.js").write_text("window.webxdc = {mock: true};")
    with run(app, "--peers", "1") as command:
        with urllib.request.urlopen(command.origin + "/webxdc.js") as response:
            body = response.read().decode()
        assert "window.webxdcRealtimeConfig" in body
        assert "mock: true" not in body


def test_add_and_remove_a_peer(host_page: Any) -> None:
    with run(PINGBOARD, "--peers", "1") as command:
        host = host_page(command.url)
        host.wait_live(1)
        host.page.click("#add")
        host.wait_live(2)
        assert [f.evaluate("webxdc.selfName") for f in host.peers()] == ["Ada", "Ben"]
        host.page.click('section[data-addr="ada@peers.localhost"] button[title="Remove this peer"]')
        assert wait_for(lambda: host.js("host.peers.length") == 1)
        assert [f.evaluate("webxdc.selfName") for f in host.peers()] == ["Ben"]


def test_the_demo_runs_with_its_peers(host_page: Any) -> None:
    with run(ROOT / "demo", "--peers", "2") as command:
        host = host_page(command.url)
        host.wait_live(2)
        ada, ben = host.peers()
        # The spec's example, unchanged, in each peer: each logs what the other sent.
        logged = "Array.from(document.querySelectorAll('#log .line')).map((l) => l.textContent)"
        for frame, other in ((ada, "ben@peers.localhost"), (ben, "ada@peers.localhost")):
            assert wait_for(
                lambda f=frame, o=other: any(
                    "Decoded message:" in line and f"hello from {o}" in line
                    for line in f.evaluate(logged)
                ),
                timeout=20,
            )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "no index.html in this folder"),
        (lambda p: p.write_bytes(b"not a zip"), "not a zip file"),
        (
            lambda p: zipfile.ZipFile(p, "w").writestr("app/index.html", "<p>"),
            "no index.html at the root of the zip; it is at app/index.html: zip the folder's "
            "contents, not the folder",
        ),
    ],
)
def test_an_invalid_app_gets_a_clear_error(tmp_path: Path, make: Any, message: str) -> None:
    import subprocess

    path = tmp_path / "app.xdc"
    make(path)
    done = subprocess.run(
        [str(COMMAND), "run", str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.startswith(f"webxdc-realtime: {path}: ")


def test_the_self_test_runs_in_the_host_page_under_a_profile(host_page: Any) -> None:
    xdc = ROOT / "dist" / "realtime-selftest.xdc"
    with run(xdc, "--peers", "2", "--profile", "mobile") as command:
        host = host_page(command.url)
        host.wait_live(2)
        copies = host.peers()
        assert wait_for(
            lambda: all(f.evaluate("window.selftest?.phase") == "done" for f in copies), 60
        )
        for frame in copies:
            rows = frame.evaluate("selftest.rows")
            assert {r["id"] for r in rows if r["status"] == "differs"} == {
                "3",
                "6",
                "7",
                "8-send",
                "8-listener",
                "9",
            }
