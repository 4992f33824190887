"""Live reload: a file written into a served folder, or an .xdc rebuilt in place, reloads
every peer (in the host page, and in a tab of its own), which keeps its identity, its
storage and the chat's updates."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import HostPage, run, wait_for
from .test_app_paths import ABSOLUTE

pytestmark = pytest.mark.browser

STATE = "[webxdc.selfAddr, fixture.loadedAt, fixture.visits, fixture.data, fixture.updates]"


def ready(frames: list[Any]) -> bool:
    return all(f.evaluate("window.fixture?.ready && fixture.data !== null") for f in frames)


def test_a_file_written_into_the_folder_reloads_every_peer(host_page: Any, tmp_path: Path) -> None:
    folder = tmp_path / "app"
    shutil.copytree(ABSOLUTE, folder)
    with run(folder, "--peers", "2") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        frames = host.peers()
        assert wait_for(lambda: ready(frames), 30)
        with host.context.expect_page() as opened:  # a third peer, in a tab of its own
            host.page.click("#add")
            host.wait_live(3)
            host.page.click(
                'section[data-addr="cleo@peers.localhost"] button[title="Open this peer in '
                'its own tab"]'
            )
        tab = opened.value
        assert wait_for(lambda: ready([tab]), 30)
        frames[0].evaluate("fixture.update('before')")
        assert wait_for(lambda: tab.evaluate("fixture.updates.length") == 1)
        before = [f.evaluate(STATE) for f in [*frames, tab]]
        assert [state[2] for state in before] == [1, 1, 2]  # Cleo's second: in the tab

        (folder / "data.json").write_text('{ "greeting": "edited" }')

        assert wait_for(lambda: command.said("changed: data.json"), 15), command.lines
        assert host.js("host.reloads") == 1
        host.wait_live(2)
        frames = host.peers()
        assert wait_for(lambda: ready(frames) and ready([tab]), 30)
        after = [f.evaluate(STATE) for f in [*frames, tab]]
        for old, new in zip(before, after, strict=True):
            addr, loaded, visits, data, updates = new
            assert addr == old[0]  # the same peer
            assert loaded > old[1]  # loaded again
            assert visits == old[2] + 1  # its localStorage survived
            assert data == "edited"  # the new file
            assert updates == [{"text": "before"}]  # and the chat's history
        assert command.said("reloading the peers of 1 host page(s)")


def test_an_xdc_rebuilt_in_place_reloads_every_peer(host_page: Any, tmp_path: Path) -> None:
    def pack(greeting: str) -> None:
        with zipfile.ZipFile(xdc, "w") as archive:
            for path in sorted(ABSOLUTE.rglob("*")):
                name = path.relative_to(ABSOLUTE).as_posix()
                if name == "data.json":
                    archive.writestr(name, f'{{"greeting": "{greeting}"}}')
                else:
                    archive.write(path, name)

    xdc = tmp_path / "app.xdc"
    pack("first")
    with run(xdc, "--peers", "2") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        assert wait_for(lambda: ready(host.peers()), 30)
        assert [f.evaluate("fixture.data") for f in host.peers()] == ["first", "first"]
        pack("second")
        assert wait_for(lambda: command.said("changed: app.xdc"), 15), command.lines
        host.wait_live(2)
        assert wait_for(
            lambda: (
                [f.evaluate("window.fixture?.data") for f in host.peers()] == ["second", "second"]
            ),
            30,
        )
        assert [f.evaluate("fixture.visits") for f in host.peers()] == [2, 2]
        xdc.write_bytes(b"not a zip")  # a broken build: said, and the peers keep the app
        assert wait_for(lambda: command.said("the peers keep the app as it was"), 15)
        assert host.js("host.reloads") == 1


def test_no_watch_leaves_the_peers_alone(host_page: Any, tmp_path: Path) -> None:
    folder = tmp_path / "app"
    shutil.copytree(ABSOLUTE, folder)
    with run(folder, "--peers", "1", "--no-watch") as command:
        host: HostPage = host_page(command.url)
        host.wait_live(1)
        assert host.js("host.app.liveReload") is False
        (folder / "data.json").write_text("{}")
        assert not wait_for(lambda: command.said("changed"), 3)
        assert host.js("host.reloads") == 0
