"""The server of `webxdc-realtime run`, in-process over real HTTP: the app at the root of the
origin, our webxdc.js and runtime beside it, files served as a web server should."""

from __future__ import annotations

import email.utils
import http.client
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webxdc_realtime.host.app import load_app
from webxdc_realtime.host.server import (
    CSP,
    PREFIX,
    Files,
    Host,
    MissingRuntimeError,
    ServerThread,
    find_runtime,
)

from .conftest import PINGBOARD


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """An app with the names and types that trip servers up."""
    root = tmp_path / "app"
    shutil.copytree(PINGBOARD, root)
    (root / "assets").mkdir()
    (root / "assets" / "index-abc.js").write_text("export {};")
    (root / "assets" / "mod.mjs").write_text("export {};")
    (root / "js").mkdir()
    (root / "js" / "call-with-42.wasm").write_bytes(b"\0asm\1\0\0\0")
    (root / "data.json").write_text('{"a": 1}')
    (root / "font.woff2").write_bytes(b"wOF2")
    (root / "my pic.png").write_bytes(b"\x89PNG space")
    (root / "ünïcödé.txt").write_text("ü")
    (root / "song.wav").write_bytes(bytes(range(256)) * 40)
    (root / "sub").mkdir()
    (root / "sub" / "index.html").write_text("sub")
    (root / "webxdc.js").write_text("window.webxdc = {mock: true};")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    return root


@pytest.fixture
def served(app_dir: Path, stand_in: Path) -> Iterator[tuple[ServerThread, list[dict[str, Any]]]]:
    statuses: list[dict[str, Any]] = []
    host = Host(Files(load_app(app_dir)), find_runtime(stand_in), peers=3, profile="mobile")
    # A link out of the folder made while it runs (load_app refuses one made before): the
    # server must still not follow it.
    (app_dir / "link.txt").symlink_to(app_dir.parent / "secret.txt")
    host.on_status = statuses.append
    server = ServerThread(host)
    try:
        yield server, statuses
    finally:
        server.close()


class Answer:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def request(
    server: ServerThread, method: str, path: str, body: bytes = b"", **headers: str
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", server.server.port, timeout=10)
    connection.request(method, path, body, {k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    answer = Answer(response.status, response.headers, response.read())
    connection.close()
    return answer


def test_the_app_is_at_the_root_of_the_origin(served: Any, app_dir: Path) -> None:
    server, _ = served
    index = (app_dir / "index.html").read_bytes()
    assert request(server, "GET", "/").body == index
    assert request(server, "GET", "/index.html?x=1#y").body == index
    assert request(server, "GET", "/sub/").body == b"sub"
    assert request(server, "GET", "/assets/index-abc.js").body == b"export {};"
    assert request(server, "GET", "/js/call-with-42.wasm").body == b"\0asm\1\0\0\0"
    assert request(server, "GET", "/data.json").body == b'{"a": 1}'
    assert request(server, "GET", "/nothing.js").status == 404


def test_names_with_spaces_and_letters_beyond_ascii(served: Any) -> None:
    server, _ = served
    assert request(server, "GET", "/my%20pic.png").body == b"\x89PNG space"
    assert request(server, "GET", "/%C3%BCn%C3%AFc%C3%B6d%C3%A9.txt").body == "ü".encode()


def test_correct_types(served: Any) -> None:
    server, _ = served
    types = {
        "/js/call-with-42.wasm": "application/wasm",
        "/assets/index-abc.js": "text/javascript",
        "/assets/mod.mjs": "text/javascript",
        "/data.json": "application/json",
        "/font.woff2": "font/woff2",
        "/manifest.toml": "application/toml",
        "/icon.png": "image/png",
        "/song.wav": "audio/x-wav",
        "/index.html": "text/html",
        "/webxdc.js": "text/javascript",
        PREFIX + "pyodide.asm.wasm": "application/wasm",
        PREFIX + "pyodide.mjs": "text/javascript",
        PREFIX: "text/html",
    }
    got = {path: request(server, "HEAD", path).headers["Content-Type"] for path in types}
    assert {path: kind.split(";")[0] for path, kind in got.items()} == types


def test_nothing_outside_the_app_or_the_runtime(served: Any) -> None:
    server, _ = served
    for path in (
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/link.txt",  # a symbolic link out of the folder
        PREFIX + "../pyproject.toml",
        PREFIX + "%2e%2e/%2e%2e/pyproject.toml",
        "/%00",
    ):
        answer = request(server, "GET", path)
        assert answer.status in (400, 404), path
        assert b"TOP SECRET" not in answer.body and b"[project]" not in answer.body


def test_head_range_and_conditional_requests(served: Any, app_dir: Path) -> None:
    server, _ = served
    whole = (app_dir / "song.wav").read_bytes()
    head = request(server, "HEAD", "/song.wav")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["Content-Length"] == str(len(whole))
    assert head.headers["Accept-Ranges"] == "bytes"
    part = request(server, "GET", "/song.wav", Range="bytes=1000-1099")
    assert part.status == 206
    assert part.body == whole[1000:1100]
    assert part.headers["Content-Range"] == f"bytes 1000-1099/{len(whole)}"
    tail = request(server, "GET", "/song.wav", Range="bytes=-10")
    assert (tail.status, tail.body) == (206, whole[-10:])
    assert request(server, "GET", "/song.wav", Range="bytes=99999-").status == 416
    etag, modified = head.headers["ETag"], head.headers["Last-Modified"]
    assert request(server, "GET", "/song.wav", If_None_Match=etag).status == 304
    assert request(server, "GET", "/song.wav", If_Modified_Since=modified).status == 304
    earlier = email.utils.formatdate(time.time() - 10**6, usegmt=True)
    assert request(server, "GET", "/song.wav", If_Modified_Since=earlier).status == 200
    assert request(server, "GET", "/song.wav", If_Match='"other"').status == 412
    # If-Range: the range only while the file is what the client saw.
    assert request(server, "GET", "/song.wav", Range="bytes=0-9", If_Range=modified).status == 206
    assert request(server, "GET", "/song.wav", Range="bytes=0-9", If_Range=earlier).status == 200
    (app_dir / "song.wav").write_bytes(b"changed")
    assert request(server, "GET", "/song.wav", If_None_Match=etag).status == 200


def test_our_webxdc_js_replaces_the_apps_with_the_settings_of_the_run(served: Any) -> None:
    server, _ = served
    answer = request(server, "GET", "/webxdc.js")
    assert answer.body.startswith(b"// Set by `webxdc-realtime run`")
    assert b"mock: true" not in answer.body
    settings = json.loads(answer.body.split(b"Object.assign(", 1)[1].split(b", window.", 1)[0])
    assert settings == {
        "baseUrl": PREFIX,
        "profile": "mobile",
        "chat": "default",
        "instance": "/",
    }
    assert request(server, "GET", "/webxdc.js").body == answer.body


def test_the_host_page_and_what_it_is_told(served: Any, app_dir: Path) -> None:
    server, statuses = served
    assert b"host/host.js" in request(server, "GET", PREFIX).body
    assert request(server, "GET", PREFIX + "host/host.js").status == 200
    info = json.loads(request(server, "GET", PREFIX + "app.json").body)
    assert info == {
        "name": "Pingboard",
        "icon": "/icon.png",
        "peers": 3,
        "profile": "mobile",
        "chat": "default",
        "csp": True,
        "source": str(app_dir),
        "run": server.server.host.run,
        "relay": "",
        "liveReload": False,
        "net": "",
        "traceToCommand": False,
        "tracePayload": 64,
    }
    # This run keeps no trace (no --trace): the host page keeps its own.
    assert request(server, "POST", PREFIX + "trace", b"{}").status == 404
    assert request(server, "POST", PREFIX + "status", b'{"total": 3, "live": 1}').status == 204
    assert statuses == [{"total": 3, "live": 1}]
    assert request(server, "POST", PREFIX + "status", b"{no").status == 400
    assert request(server, "POST", PREFIX + "status", b"[1]").status == 204  # not a status
    assert len(statuses) == 1


def test_every_response_carries_the_csp_unless_switched_off(served: Any) -> None:
    server, _ = served
    for path in ("/", "/nothing", "/webxdc.js", PREFIX, PREFIX + "pyodide.mjs"):
        assert request(server, "GET", path).headers["Content-Security-Policy"] == CSP
    server.server.host.csp = False  # --no-csp
    assert request(server, "GET", "/").headers["Content-Security-Policy"] is None


def open_events(server: ServerThread) -> tuple[socket.socket, bytes]:
    """A host page's event stream: the socket, and what it received up to ': connected'."""
    connection = socket.create_connection(("127.0.0.1", server.server.port), timeout=10)
    connection.sendall(f"GET {PREFIX}events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    received = b""
    while b": connected" not in received:
        received += connection.recv(4096)
    return connection, received


def test_events_tell_the_host_page_to_reload(served: Any) -> None:
    server, _ = served
    connection, received = open_events(server)
    with connection:
        assert b"text/event-stream" in received
        deadline = time.monotonic() + 5
        while server.call(lambda: len(server.server.host._listeners)) == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert server.call(server.server.host.reload) == 1
        while b"event: reload" not in received:
            received += connection.recv(4096)


def test_with_a_relay_the_csp_lets_the_page_reach_its_servers_only(stand_in: Path) -> None:
    host = Host(Files(load_app(PINGBOARD)), find_runtime(stand_in))
    host.relay = "ws://tok@127.0.0.1:9222,ws://tok@127.0.0.1:9223"
    assert "connect-src 'self' data: blob: ws://127.0.0.1:9222 ws://127.0.0.1:9223;" in (
        host.csp_header
    )
    assert host.app_info()["relay"] == host.relay
    assert b'"relay": "ws://tok@127.0.0.1:9222' in host.webxdc_js()
    host.live_reload = True
    host._webxdc_js = None
    assert b'"liveReload": true' in host.webxdc_js()


def test_the_runtime_must_be_built(tmp_path: Path) -> None:
    with pytest.raises(MissingRuntimeError, match="run `make build`"):
        find_runtime(tmp_path)


def test_the_server_stops_with_an_open_event_stream(app_dir: Path, stand_in: Path) -> None:
    server = ServerThread(Host(Files(load_app(app_dir)), find_runtime(stand_in)))
    connection, _ = open_events(server)
    started = time.monotonic()
    closing = threading.Thread(target=server.close)
    closing.start()
    closing.join(10)
    assert not closing.is_alive() and time.monotonic() - started < 5
    connection.close()
