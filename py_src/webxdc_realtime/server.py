"""The HTTP server of ``webxdc-realtime run``: an app, its peers' host page, our runtime.

On one 127.0.0.1 origin (so that BroadcastChannel joins the peers):

=====================  ==============================================================
path                   what
=====================  ==============================================================
``/``                  the host page: the peers side by side, what the chat shows
``/host/...``          the host page's script and style
``/app/...``           the app's files, from its folder or straight from its zip
``/app/webxdc.js``     our ``webxdc.js`` (in place of any the app ships), told where
                       the runtime is and which profile and chat to use
``/_webxdc/...``       our runtime (``dist/``): Pyodide, the snapshot, the wheel
``/_webxdc/app.json``  the app's name and icon, the peers to start, the profile
``/_webxdc/status``    POSTed by the host page: how many peers are live
=====================  ==============================================================

Every response carries Delta Chat desktop's Content-Security-Policy, which denies the
app the network, unless switched off.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .app import App
from .relay import split_relay

CSP: Final = (
    "default-src 'self'; style-src 'self' 'unsafe-inline' blob:; font-src 'self' data: blob:; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; connect-src 'self' data: blob:; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; webrtc 'block'"
)
"""Delta Chat desktop's Content-Security-Policy for webxdc apps (SPEC-webxdc.md)."""

mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("application/toml", ".toml")

Status = dict[str, Any]


class MissingRuntimeError(Exception):
    """Our runtime files (``dist/``) are not there; the message says how to make them."""


def find_runtime(given: str | Path | None = None) -> Path:
    """Find our built runtime: ``dist/`` with ``webxdc.js`` and the host page.

    Parameters
    ----------
    given : str or Path, optional
        A folder to use; else the ``dist/`` of the checkout this package runs from.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    MissingRuntimeError
        If it is not there, or not built.
    """
    folder = Path(given) if given else Path(__file__).resolve().parents[2] / "dist"
    for needed in ("webxdc.js", "host/index.html"):
        if not (folder / needed).is_file():
            raise MissingRuntimeError(
                f"{folder / needed} is missing: run `make build` in the webxdc-realtime "
                "checkout first, or pass --dist with a built dist/ folder"
            )
    return folder


@dataclass
class Host:
    """What the server serves, and how.

    Attributes
    ----------
    app : App
        The app to run.
    runtime : Path
        Our ``dist/``.
    peers : int
        Peers the host page starts with.
    profile : str
        Host profile for every peer.
    chat : str
        Chat id for every peer.
    csp : bool
        Send the Content-Security-Policy.
    on_status : callable
        Called with what the host page POSTs to ``/_webxdc/status``.
    run : int
        When this run started (ms): the host page keeps its peers within a run.
    relay : str
        A relay for every peer (``ws://`` URLs), or "".
    """

    app: App
    runtime: Path
    peers: int = 2
    profile: str = "strict"
    chat: str = "default"
    csp: bool = True
    on_status: Callable[[Status], None] = lambda status: None
    run: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    relay: str = ""
    _webxdc_js: tuple[float, bytes] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def csp_header(self) -> str:
        """Desktop's policy; with a relay, its servers too (and nothing else) may be reached."""
        if not self.relay:
            return CSP
        servers, _ = split_relay(self.relay)
        return CSP.replace(
            "connect-src 'self' data: blob:", f"connect-src 'self' data: blob: {' '.join(servers)}"
        )

    def app_info(self) -> bytes:
        """Return ``/_webxdc/app.json``."""
        info = {
            "name": self.app.name,
            "icon": "/_webxdc/icon" if self.app.icon else None,
            "peers": self.peers,
            "profile": self.profile,
            "chat": self.chat,
            "csp": self.csp,
            "source": str(self.app.path),
            "run": self.run,
            "relay": self.relay,
        }
        return json.dumps(info).encode()

    def webxdc_js(self) -> bytes:
        """Return our ``webxdc.js``, preceded by the settings of this run."""
        source = self.runtime / "webxdc.js"
        mtime = source.stat().st_mtime
        with self._lock:
            if self._webxdc_js is None or self._webxdc_js[0] != mtime:
                settings = {"baseUrl": "/_webxdc/", "profile": self.profile, "chat": self.chat}
                if self.relay:
                    settings["relay"] = self.relay
                prelude = (
                    "// Set by `webxdc-realtime run`: runtime folder, profile, chat.\n"
                    "window.webxdcRealtimeConfig = Object.assign("
                    f"{json.dumps(settings)}, window.webxdcRealtimeConfig);\n"
                )
                self._webxdc_js = (mtime, prelude.encode() + source.read_bytes())
            return self._webxdc_js[1]

    def resolve(self, path: str) -> tuple[bytes, str] | None:
        """Return the body and content type for a GET of ``path``, or None (404).

        Parameters
        ----------
        path : str
            The URL path, without the query.

        Returns
        -------
        tuple of (bytes, str) or None
            Body and content type.
        """
        if path in ("/", "/index.html"):
            return self._file(self.runtime / "host" / "index.html")
        if path.startswith("/host/"):
            return self._below(self.runtime / "host", path[len("/host/") :])
        if path == "/_webxdc/app.json":
            return self.app_info(), "application/json"
        if path == "/_webxdc/icon":
            icon = self.app.read(self.app.icon) if self.app.icon else None
            return None if icon is None else (icon, _type(self.app.icon or ""))
        if path.startswith("/_webxdc/"):
            return self._below(self.runtime, path[len("/_webxdc/") :])
        if path == "/app":
            return None
        if path == "/app/webxdc.js":
            return self.webxdc_js(), "text/javascript"
        if path.startswith("/app/"):
            name = path[len("/app/") :] or "index.html"
            if name.endswith("/"):
                name += "index.html"
            body = self.app.read(name)
            return None if body is None else (body, _type(name))
        return None

    def _below(self, folder: Path, name: str) -> tuple[bytes, str] | None:
        target = (folder / name).resolve()
        if folder.resolve() not in target.parents:
            return None
        return self._file(target)

    def _file(self, path: Path) -> tuple[bytes, str] | None:
        return (path.read_bytes(), _type(path.name)) if path.is_file() else None


def _type(name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") or kind.endswith("json") else kind


class _Handler(http.server.BaseHTTPRequestHandler):
    host: Host
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the command prints progress of its own

    def _send(self, status: int, body: bytes, kind: str) -> None:
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Cache-Control", "no-cache")  # revalidate: apps change while run
        if self.host.csp:
            self.send_header("Content-Security-Policy", self.host.csp_header)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        found = self.host.resolve(self.path.split("?", 1)[0].split("#", 1)[0])
        if found is None:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")
        else:
            self._send(200, *found)

    do_HEAD = do_GET  # noqa: N815

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 65536))
        if self.path != "/_webxdc/status":
            self._send(404, b"not found\n", "text/plain; charset=utf-8")
            return
        try:
            status = json.loads(body)
        except ValueError:
            self._send(400, b"not JSON\n", "text/plain; charset=utf-8")
            return
        if isinstance(status, dict):
            self.host.on_status(status)
        self._send(204, b"", "text/plain")


class Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server for one :class:`Host`, on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, host: Host, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"host": host})
        super().__init__(("127.0.0.1", port), handler)

    @property
    def url(self) -> str:
        """Return the host page's address."""
        return f"http://127.0.0.1:{self.server_address[1]}/"
