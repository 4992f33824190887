"""The official Vite template (see vite_project.py) through `webxdc-realtime run`: its dev
server (HTTPS, self-signed) as `run localhost:PORT`, started after the command, with hot
reload through our proxy; and its `vite build` output as `run FOLDER`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import HostPage, run, wait_for
from .vite_project import build, dev_server, free_port, make_project, write_greeting

pytestmark = pytest.mark.browser


def value(frame: Any, expression: str) -> Any:
    """``expression`` in the frame, or None while it (re)loads."""
    try:
        return frame.evaluate(expression)
    except Exception:
        return None


def test_its_dev_server_with_hot_reload_through_run_url(host_page: Any, tmp_path: Path) -> None:
    project = make_project(tmp_path / "my-app")
    port = free_port()
    with run(f"localhost:{port}", "--peers", "2") as command:
        # Not up yet: said, and waited for.
        assert wait_for(lambda: command.said("does not answer yet"), 15), command.lines
        with dev_server(project, port):
            assert wait_for(lambda: command.said("answers"), 30), command.lines
            assert command.said(f'the dev server at https://localhost:{port} answers; app "Vite')
            host: HostPage = host_page(command.url)
            host.wait_live(2)
            assert host.js("document.querySelector('#name').textContent") == "Vite template"
            ada, ben = host.peers()
            assert wait_for(lambda: all(value(f, "state.greeting") == "hello" for f in (ada, ben)))
            # Our webxdc.js, not the template's mock; realtime both ways, never to oneself.
            assert ada.evaluate("typeof webxdcRealtime") == "object"
            ada.evaluate("state.say('from Ada')")
            ben.evaluate("state.say('from Ben')")
            assert wait_for(lambda: ben.evaluate("state.heard") == ["from Ada"])
            assert wait_for(lambda: ada.evaluate("state.heard") == ["from Ben"])
            # The template's own sendUpdate at load: in the chat, once per peer.
            assert wait_for(
                lambda: (
                    sorted(line["text"] for line in host.js("host.chat.lines"))
                    == ["hello from Ada", "hello from Ben"]
                )
            )
            # An edit reaches both peers through Vite's hot reload (its WebSocket, proxied).
            write_greeting(project, "edited")
            assert wait_for(
                lambda: all(value(f, "state.greeting") == "edited" for f in (ada, ben)), 30
            )
            host.wait_live(2)
            assert [f.evaluate("webxdc.selfName") for f in host.peers()] == ["Ada", "Ben"]
            host.log()
            assert host.failed == []


def test_its_vite_build_through_run_folder(host_page: Any, tmp_path: Path) -> None:
    built = build(make_project(tmp_path / "my-app", greeting="built"))
    assert '="/assets/' in (built / "index.html").read_text()  # absolute paths, as Vite writes
    with run(built, "--peers", "2") as command:
        assert command.said('serving "Vite template"')
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        ada, ben = host.peers()
        assert wait_for(lambda: all(value(f, "state?.greeting") == "built" for f in (ada, ben)))
        ada.evaluate("state.say('built and running')")
        assert wait_for(lambda: ben.evaluate("state.heard") == ["built and running"])
        host.log()
        assert host.failed == []
