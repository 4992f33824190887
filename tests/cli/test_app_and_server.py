"""The command's parts in-process: reading an app, what the server serves, the command's
own checks and progress line (the end-to-end tests run it as a user does)."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webxdc_realtime import cli
from webxdc_realtime.app import InvalidAppError, load_app
from webxdc_realtime.server import CSP, Host, MissingRuntimeError, Server, find_runtime

from .conftest import PINGBOARD, ROOT

RUNTIME = ROOT / "dist"


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


# Reading an app


def test_a_folder_app_with_its_manifest_and_icon() -> None:
    app = load_app(PINGBOARD)
    assert (app.name, app.icon) == ("Pingboard", "icon.png")
    assert app.read("index.html") is not None
    assert app.read("../../README.md") is None
    assert app.read("nothing.js") is None
    assert app.read("") is None
    assert app.modified() > 0


def test_an_xdc_is_read_straight_from_the_zip(tmp_path: Path) -> None:
    xdc = write_zip(
        tmp_path / "game.xdc",
        {"index.html": "<p>", "js/app.js": "1", "icon.jpg": b"\xff\xd8", "manifest.toml": ""},
    )
    app = load_app(xdc)
    assert (app.name, app.icon) == ("game", "icon.jpg")  # no name in the manifest: the file's
    assert app.read("js/app.js") == b"1"
    assert app.read("js/../js/app.js") is None
    assert app.read("missing") is None
    assert app.modified() == xdc.stat().st_mtime


def test_a_folder_without_a_manifest_is_named_after_itself(tmp_path: Path) -> None:
    folder = tmp_path / "my-app"
    folder.mkdir()
    (folder / "index.html").write_text("<p>")
    assert (load_app(folder).name, load_app(folder).icon) == ("my-app", None)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"index.html": "", "manifest.toml": "name = "}, "manifest.toml is not valid TOML"),
        ({"index.html": "", "manifest.toml": "name = 3"}, "manifest.toml's name must be a string"),
        ({"readme.txt": ""}, "no index.html at the root of the zip; a webxdc app starts there"),
    ],
)
def test_what_is_wrong_with_an_app_is_said(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidAppError, match=message):
        load_app(write_zip(tmp_path / "bad.xdc", files))


def test_a_missing_path_a_folder_without_index_and_a_file_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(InvalidAppError, match="no such file or folder"):
        load_app("/nowhere/app.xdc")
    with pytest.raises(InvalidAppError, match=r"no index\.html in this folder"):
        load_app(tmp_path)
    (tmp_path / "app.xdc").write_text("hello")
    with pytest.raises(InvalidAppError, match="not a zip file"):
        load_app(tmp_path / "app.xdc")


# What the server serves


@pytest.fixture
def host() -> Host:
    return Host(load_app(PINGBOARD), find_runtime(RUNTIME), peers=3, profile="mobile")


def test_the_paths_of_the_server(host: Host) -> None:
    page = host.resolve("/")
    assert page is not None and b"host.js" in page[0]
    assert host.resolve("/host/host.js") is not None
    info = host.resolve("/_webxdc/app.json")
    assert info is not None
    assert json.loads(info[0]) == {
        "name": "Pingboard",
        "icon": "/_webxdc/icon",
        "peers": 3,
        "profile": "mobile",
        "chat": "default",
        "csp": True,
        "source": str(PINGBOARD),
        "run": host.run,
        "relay": "",
    }
    icon = host.resolve("/_webxdc/icon")
    assert icon is not None and icon[1] == "image/png"
    wasm = host.resolve("/_webxdc/pyodide.asm.wasm")
    assert wasm is not None and wasm[1] == "application/wasm"
    assert host.resolve("/_webxdc/../pyproject.toml") is None
    assert host.resolve("/app") is None
    index = host.resolve("/app/")
    assert index is not None and index[1] == "text/html; charset=utf-8"
    ours = host.resolve("/app/webxdc.js")
    assert ours is not None
    assert host.resolve("/app/webxdc.js") == ours  # made once per build of webxdc.js
    assert ours[0].startswith(b"// Set by `webxdc-realtime run`")
    assert b'"profile": "mobile"' in ours[0]
    assert host.resolve("/app/nothing") is None
    assert host.resolve("/elsewhere") is None


def test_an_app_without_an_icon_has_none_served(tmp_path: Path) -> None:
    app = load_app(write_zip(tmp_path / "a.xdc", {"index.html": "<p>", "sub/index.html": "s"}))
    host = Host(app, find_runtime(RUNTIME))
    assert host.resolve("/_webxdc/icon") is None
    sub = host.resolve("/app/sub/")
    assert sub is not None and sub[0] == b"s"


def test_the_runtime_must_be_built(tmp_path: Path) -> None:
    with pytest.raises(MissingRuntimeError, match="run `make build`"):
        find_runtime(tmp_path)


@pytest.fixture
def served(host: Host) -> Iterator[tuple[Server, list[dict[str, Any]]]]:
    statuses: list[dict[str, Any]] = []
    host.on_status = statuses.append
    server = Server(host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, statuses
    finally:
        server.shutdown()
        server.server_close()


def request(server: Server, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_responses_carry_the_csp_and_an_etag(served: Any) -> None:
    server, _ = served
    first = request(server, "GET", "/app/index.html?x=1")
    assert first.status == 200
    assert first.headers["Content-Security-Policy"] == CSP
    again = request(server, "GET", "/app/index.html", **{"If-None-Match": first.headers["ETag"]})
    assert (again.status, again.body) == (304, b"")
    head = request(server, "HEAD", "/app/index.html")
    assert head.status == 200 and head.body == b""
    assert request(server, "GET", "/nothing").status == 404
    server.RequestHandlerClass.host.csp = False  # --no-csp
    assert request(server, "GET", "/app/index.html").headers["Content-Security-Policy"] is None


def test_the_host_page_reports_the_peers(served: Any) -> None:
    server, statuses = served
    ok = request(server, "POST", "/_webxdc/status", b'{"total": 3, "live": 1}')
    assert ok.status == 204
    assert statuses == [{"total": 3, "live": 1}]
    assert request(server, "POST", "/_webxdc/status", b"{no").status == 400
    assert request(server, "POST", "/_webxdc/status", b"[1]").status == 204  # not a status
    assert len(statuses) == 1
    assert request(server, "POST", "/elsewhere", b"{}").status == 404


# The command's own checks and progress line


def test_the_command_refuses_bad_input(capsys: Any, tmp_path: Path) -> None:
    assert cli.main(["run", str(PINGBOARD), "--peers", "0"]) == 2
    assert "--peers must be 1 to 12, not 0" in capsys.readouterr().err
    assert cli.main(["run", str(tmp_path / "nothing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert cli.main(["run", str(PINGBOARD), "--dist", str(tmp_path)]) == 2
    assert "run `make build`" in capsys.readouterr().err


def test_the_command_serves_until_ctrl_c_and_moves_off_a_taken_port(
    capsys: Any, monkeypatch: Any
) -> None:
    def ctrl_c(self: Server) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Server, "serve_forever", ctrl_c)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["run", str(PINGBOARD), "--port", str(port), "--no-csp"]) == 0
    out = capsys.readouterr().out
    assert f"port {port} is taken; using" in out
    assert 'serving "Pingboard"' in out and "without the Content-Security-Policy" in out
    assert "peers: waiting for the host page to be opened..." in out
    assert out.rstrip().splitlines()[-1].startswith("webxdc-realtime: stopped after")


def test_the_command_can_open_a_browser_and_ends_its_line_in_a_terminal(
    monkeypatch: Any,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    opened: list[str] = []
    out = Terminal()
    monkeypatch.setattr(
        Server, "serve_forever", lambda self: (_ for _ in ()).throw(KeyboardInterrupt)
    )
    monkeypatch.setattr(cli.webbrowser, "open", opened.append)
    monkeypatch.setattr(cli.sys, "stdout", out)
    assert cli.main(["run", str(PINGBOARD), "--port", "0", "--open"]) == 0
    assert opened and opened[0].startswith("http://127.0.0.1:")
    assert "\r\033[Kpeers: waiting for the host page to be opened...\n" in out.getvalue()


def test_other_socket_errors_are_not_hidden(monkeypatch: Any) -> None:
    def refuse(self: Server, host: Host, port: int = 0) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Server, "__init__", refuse)
    with pytest.raises(PermissionError):
        cli.main(["run", str(PINGBOARD), "--port", "80"])


def test_the_progress_line_says_how_far_the_peers_are() -> None:
    out = io.StringIO()
    progress = cli.Progress(out)
    progress.status({"total": 3, "live": 1, "ms": 900})
    progress.status({"total": 3, "live": 1, "ms": 900})  # said once
    progress.status({"total": 3, "live": 3, "ms": 1400})
    progress.status({"total": 3, "live": 2, "failed": 1})
    assert out.getvalue().splitlines() == [
        "peers: 1 of 3 live, loading Python in the page (0.9 s)",
        "peers: all 3 live, 1.4 s after the page opened",
        "peers: 2 of 3 live, 1 failed to load (see the page)",
    ]


def test_in_a_terminal_the_progress_line_is_rewritten() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    progress = cli.Progress(out)
    progress.show("one")
    progress.show("two", final=True)
    assert out.getvalue() == "\r\033[Kone\r\033[Ktwo\n"


def test_with_a_relay_the_csp_lets_the_page_reach_its_servers_only(host: Host) -> None:
    host.relay = "ws://tok@127.0.0.1:9222,ws://tok@127.0.0.1:9223"
    assert "connect-src 'self' data: blob: ws://127.0.0.1:9222 ws://127.0.0.1:9223;" in (
        host.csp_header
    )
    info = host.resolve("/_webxdc/app.json")
    assert info is not None and json.loads(info[0])["relay"] == host.relay
    ours = host.resolve("/app/webxdc.js")
    assert ours is not None and b'"relay": "ws://tok@127.0.0.1:9222' in ours[0]
